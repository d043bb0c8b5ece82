"""Building and upgrading the schema through Alembic (the only way the schema is made)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from portal.config import PROJECT_DIR, get_settings


def alembic_config(database_url: str | None = None) -> Config:
    """Alembic's configuration for DATABASE_URL (default: the portal's settings)."""
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.attributes["database_url"] = database_url or get_settings().database_url
    config.attributes["configure_logger"] = False
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    """Migrate the database to REVISION."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str | None = None, revision: str = "base") -> None:
    """Migrate the database down to REVISION."""
    command.downgrade(alembic_config(database_url), revision)
