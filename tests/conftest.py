"""Test fixtures: a migrated database per test (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "e2e"))

import loop_guard

from portal import config, db, migrations
from portal.audit import GENESIS_HASH

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")
REQUIRE_POSTGRES = os.environ.get("PORTAL_TEST_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses `backend` runs once per database."""
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture(autouse=True)
def no_database_work_on_the_event_loop() -> Iterator[None]:
    """Fail the test if the app ran a statement or took a connection on its event loop."""
    loop_guard.violations.clear()
    yield
    found = sorted(set(loop_guard.violations))
    loop_guard.violations.clear()
    if found:
        pytest.fail("database work on the event loop thread:\n" + "\n".join(found[:10]))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once through Alembic; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    """The PostgreSQL test database, emptied and migrated through Alembic once per run."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("PORTAL_TEST_DATABASE_URL is not set but PostgreSQL is required")
        pytest.skip("PostgreSQL not configured (set PORTAL_TEST_DATABASE_URL)")
    url = _own_database(POSTGRES_URL)
    engine = db.make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except Exception as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at {make_url(POSTGRES_URL).host} is not usable: {error}")
        pytest.skip(f"PostgreSQL not reachable: {error}")
    finally:
        engine.dispose()
    migrations.upgrade(url)
    return url


def _own_database(url: str) -> str:
    """URL itself, or under pytest-xdist this worker's own database beside it (made if new)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    given = make_url(url)
    name = f"{given.database}_{worker}"
    with _server(url) as connection:
        known = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if known is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    return given.set(database=name).render_as_string(hide_password=False)


@contextmanager
def _server(url: str) -> Iterator[Connection]:
    """An autocommit connection to the server of URL (its `postgres` database), to make and
    drop databases."""
    admin = db.make_engine(make_url(url).set(database="postgres").render_as_string(False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection
    finally:
        admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = db.make_engine(url)
    with engine.begin() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            if row[0] not in ("alembic_version", "audit_head")
        ]
        if tables:
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        connection.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": GENESIS_HASH})
    engine.dispose()


def _load_demo_into(url: str, files: Path) -> None:
    """The demo loaded into the database at URL, its evidence files into FILES."""
    from portal.demo import load_demo

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PORTAL_ENV", "test")
        patch.setenv("PORTAL_DATABASE_URL", url)
        patch.setenv("PORTAL_DATA_DIR", str(files))
        config.get_settings.cache_clear()
        db.get_engine.cache_clear()
        with Session(db.get_engine()) as session:
            load_demo(session)
            session.commit()
        db.get_engine().dispose()
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()


@pytest.fixture(scope="session")
def demo_sqlite_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a SQLite database with the demo (portal.db) and its files, made once."""
    folder = tmp_path_factory.mktemp("demo")
    shutil.copy(sqlite_template, folder / "portal.db")
    _load_demo_into(f"sqlite:///{folder / 'portal.db'}", folder / "files")
    return folder


@pytest.fixture(scope="session")
def demo_postgres_template(
    postgres_migrated: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """A PostgreSQL database holding the demo, to copy from (its name, its evidence files)."""
    given = make_url(postgres_migrated)
    name = f"{given.database}_demo"
    _recreate_database(postgres_migrated, name, template=None)
    url = given.set(database=name).render_as_string(hide_password=False)
    migrations.upgrade(url)
    files = tmp_path_factory.mktemp("demo-pg") / "files"
    _load_demo_into(url, files)
    return name, files


def _recreate_database(url: str, name: str, *, template: str | None) -> None:
    """Drop database NAME beside URL's and create it again (as a copy of TEMPLATE if given)."""
    with _server(url) as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        copy = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))


@pytest.fixture
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database URL for this test: a fresh copy of the migrated SQLite, or PostgreSQL.

    Tests marked `demo` start on a copy of a database already holding the demo, its evidence
    files in the test's file directory: loading it takes far longer than copying it.
    """
    demo = request.node.get_closest_marker("demo") is not None
    if request.param == "postgresql":
        url = str(request.getfixturevalue("postgres_migrated"))
        if not demo:
            _empty_postgres(url)
            return url
        template, files = request.getfixturevalue("demo_postgres_template")
        copy = f"{make_url(url).database}_demo_copy"
        _recreate_database(url, copy, template=template)
        _copy_files(files, tmp_path / "files")
        return make_url(url).set(database=copy).render_as_string(hide_password=False)
    path = tmp_path / "portal.db"
    if demo:
        folder: Path = request.getfixturevalue("demo_sqlite_template")
        shutil.copy(folder / "portal.db", path)
        _copy_files(folder / "files", tmp_path / "files")
    else:
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


def _copy_files(source: Path, target: Path) -> None:
    if source.exists():
        shutil.copytree(source, target, dirs_exist_ok=True)


@pytest.fixture
def settings(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[config.Settings]:
    """Portal settings pointing at this test's database and file directory."""
    monkeypatch.setenv("PORTAL_ENV", "test")
    monkeypatch.setenv("PORTAL_DATABASE_URL", backend)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "files"))
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield config.get_settings()
    db.get_engine().dispose()
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()


@pytest.fixture
def engine(settings: config.Settings) -> Engine:
    """The engine of this test's database."""
    return db.get_engine()


@pytest.fixture
def session(settings: config.Settings) -> Iterator[Session]:
    """A session for arranging and inspecting data; the caller commits.

    On SQLite it reads outside transactions (pysqlite's own mode), so it always sees what the
    app committed meanwhile, as a PostgreSQL read-committed session does.
    """
    engine = db.make_engine(settings.database_url, sqlite_lock_on_begin=False)
    with Session(engine, expire_on_commit=False) as db_session:
        yield db_session
    engine.dispose()


@pytest.fixture
def client(settings: config.Settings) -> Iterator[TestClient]:
    """An HTTP client for the app, speaking English unless a test asks otherwise."""
    from portal.app import create_app

    with TestClient(
        create_app(), base_url="http://127.0.0.1:8000", headers={"Accept-Language": "en"}
    ) as test_client:
        yield test_client
