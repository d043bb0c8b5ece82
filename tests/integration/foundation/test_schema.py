"""Settings and migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import inspect

from portal import db, migrations
from portal.config import DEFAULT_SECRET_KEY, Settings


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="PORTAL_SECRET_KEY"):
        Settings(env="production", secret_key=DEFAULT_SECRET_KEY)
    with pytest.raises(ValidationError, match="PORTAL_SECRET_KEY"):
        Settings(env="production", secret_key="short")
    assert Settings(env="production", secret_key="x" * 40).env == "production"


def test_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    migrations.upgrade(url)
    migrations.downgrade(url, "base")
    engine = db.make_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()
    migrations.upgrade(url)
    engine = db.make_engine(url)
    assert {"user_account", "audit_event", "supplier"} <= set(inspect(engine).get_table_names())
    engine.dispose()
