"""Job settings (prefix PORTAL_JOBS_): whether serving processes run jobs, and the lease."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class JobSettings(BaseSettings):
    """Every field can be set as PORTAL_JOBS_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_JOBS_", extra="ignore")

    in_app: bool | None = None  # run jobs in a thread of `portal serve` (None: not in tests)
    poll_s: float = 1.0  # how often an idle runner looks for queued jobs when not woken
    lease_s: float = 60.0  # a job whose server stopped renewing is claimed again after this


@lru_cache
def get_job_settings() -> JobSettings:
    """The process-wide job settings."""
    return JobSettings()
