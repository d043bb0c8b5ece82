"""Notification settings (prefix PORTAL_NOTIFY_): how the outbox is drained."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifySettings(BaseSettings):
    """Every field can be set as PORTAL_NOTIFY_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_NOTIFY_", extra="ignore")

    in_app: bool | None = None  # drain in a thread of `portal serve` (None: not in tests)
    poll_s: float = 10.0  # how often the drain looks for owed mail when not woken
    lease_s: float = 120.0  # a claimed row whose drain died is tried again after this
    max_attempts: int = 8  # then the email is given up (the in-app notification stays)
    first_retry_s: float = 30.0  # doubled after each failure, at most an hour
    sweep_every_s: float = 3600.0  # expiry and due-date sweeps; each event is owed once


@lru_cache
def get_notify_settings() -> NotifySettings:
    """The process-wide notification settings."""
    return NotifySettings()
