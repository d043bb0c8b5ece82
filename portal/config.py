"""Settings read from the environment (prefix PORTAL_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-secret-change-me"  # noqa: S105 - refused in production below


class Settings(BaseSettings):
    """Portal configuration; every field can be set as PORTAL_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{PROJECT_DIR / 'var' / 'portal.db'}"
    data_dir: Path = PROJECT_DIR / "var" / "files"
    # Where new evidence files go: `auto` is the database on PostgreSQL (every server reads
    # them), the disk under data_dir on SQLite; see portal.declarations.filestore.
    file_store: Literal["auto", "disk", "database"] = "auto"
    rules_dir: Path = PROJECT_DIR / "rules"
    secret_key: str = DEFAULT_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"
    session_idle_minutes: int = 60
    session_absolute_hours: int = 12
    sign_in_max_failures: int = 5
    sign_in_window_minutes: int = 15
    invitation_valid_days: int = 7
    max_upload_mb: int = 20
    max_import_mb: int = 100  # ERP exports: a million purchase lines
    pdf_max_pages: int = 50
    pdf_timeout_s: float = 10.0
    pdf_memory_mb: int = 512
    pdf_workers: int = 2
    # Waits on the database end well before a request would time out at a proxy (60 s):
    # a request that cannot get its lock answers 503 with Retry-After instead of hanging.
    db_lock_timeout_s: float = 5.0
    db_statement_timeout_s: float = 30.0
    db_idle_in_transaction_timeout_s: float = 60.0
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = "portal@localhost"
    smtp_starttls: bool = True  # off only for a local relay without TLS (and tests)
    idempotency_key_hours: int = 24

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.env == "production" and (
            self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32
        ):
            raise ValueError(
                "PORTAL_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production"
            )
        return self

    @model_validator(mode="after")
    def _refuse_database_files_on_sqlite(self) -> Settings:
        if self.file_store == "database" and not self.uses_postgres:
            raise ValueError("PORTAL_FILE_STORE=database needs a PostgreSQL database")
        return self

    @property
    def uses_postgres(self) -> bool:
        """Whether the portal's database is PostgreSQL (else SQLite)."""
        return self.database_url.startswith("postgresql")

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry the Secure flag when the portal is served over HTTPS."""
        return self.base_url.startswith("https://")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
