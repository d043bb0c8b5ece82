"""Database engine and the one-transaction-per-request session."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine
from starlette.concurrency import run_in_threadpool

from portal.config import get_settings
from portal.errors import Busy
from portal.i18n import _

READ_ONLY_OPTION = "portal_read_mostly"
TRY_WRITE_OPTION = "portal_try_write"  # write only if no other writer holds SQLite; never wait
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Requests that hold a session at once: fewer than the pool's kept connections and the 40
# threads that run sync routes, so a request holding a connection never waits for a thread
# that another request holds while it waits for a connection. The pool keeps more than that
# open: connections beyond pool_size are closed on return, and reopening one per request
# cost more than the request.
REQUEST_SLOTS = 15
POOL_SIZE = 20
POOL_OVERFLOW = 10
# PostgreSQL's codes for "gave up waiting": lock_timeout, statement_timeout, deadlock, and a
# serialization failure; SQLite says "database is locked" (or "busy").
POSTGRES_BUSY_CODES = frozenset({"55P03", "57014", "40P01", "40001"})
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


class _SqliteConnection(sqlite3.Connection):
    """A connection that hands its engine's writer lock on when its transaction ends."""

    writers: threading.Lock | None = None
    holds_writer_lock = False

    def take_writer_lock(self, timeout_s: float) -> None:
        """Wait in line behind this process's other writers; DatabaseBusy after TIMEOUT_S."""
        if self.writers is not None and not self.holds_writer_lock:
            if not self.writers.acquire(timeout=timeout_s):
                raise DatabaseBusy()
            self.holds_writer_lock = True

    def release_writer_lock(self) -> None:
        """Let the next writer in."""
        if self.holds_writer_lock and self.writers is not None:
            self.holds_writer_lock = False
            self.writers.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_writer_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_writer_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer_lock()


class DatabaseBusy(Busy):
    """The database did not give this request its lock in time; the user tries again."""

    def __init__(self) -> None:
        super().__init__(_("The portal is busy saving other changes. Try again in a few seconds."))


def is_busy_error(error: BaseException) -> bool:
    """Whether ERROR is the database giving up on a wait (lock, statement or busy timeout)."""
    if isinstance(error, DatabaseBusy):
        return True
    original = error.orig if isinstance(error, DBAPIError) else error
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if code in POSTGRES_BUSY_CODES:
        return True
    text = str(original).lower()
    return isinstance(original, sqlite3.OperationalError) and (
        "database is locked" in text or "database is busy" in text
    )


def _postgres_options(*, bounded: bool) -> str:
    """Server-side limits so no statement, lock wait or idle transaction lasts forever."""
    settings = get_settings()
    limits = {"idle_in_transaction_session_timeout": settings.db_idle_in_transaction_timeout_s}
    if bounded:
        limits["lock_timeout"] = settings.db_lock_timeout_s
        limits["statement_timeout"] = settings.db_statement_timeout_s
    return " ".join(f"-c {name}={round(seconds * 1000)}" for name, seconds in limits.items())


def _begin_immediate(connection: Any, *, busy_timeout_ms: int) -> None:
    """Start a write transaction, waiting at most BUSY_TIMEOUT_MS for other processes."""
    try:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        connection.connection.dbapi_connection.release_writer_lock()
        raise


def make_engine(url: str, *, sqlite_lock_on_begin: bool = True, bounded: bool = True) -> Engine:
    """An engine for URL; SQLite gets WAL, foreign keys, a busy timeout and locking BEGINs.

    BOUNDED engines (all but migrations') give up lock waits and statements after the
    configured timeouts, so a request answers 503 instead of hanging.
    """
    lock_timeout_s = get_settings().db_lock_timeout_s
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": lock_timeout_s,
                "factory": _SqliteConnection,
            },
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
        writers = threading.Lock()

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            if sqlite_lock_on_begin:
                dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
                dbapi_connection.writers = writers
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        if not sqlite_lock_on_begin:
            return engine

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # Writers take the lock up front: a deferred transaction that reads, then writes
            # after another writer committed, fails at once instead of waiting its turn.
            read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
            if read_only:
                connection.exec_driver_sql("BEGIN")
                return
            # Writers of this process queue on a lock that is handed on at COMMIT: SQLite's own
            # busy wait polls with sleeps of up to 100 ms, which made checks under load slow.
            # Writers of other processes are waited for by SQLite's busy timeout. Both waits
            # run in the thread pool and end in DatabaseBusy, never blocking the event loop.
            dbapi_connection = connection.connection.dbapi_connection
            if connection.get_execution_options().get(TRY_WRITE_OPTION, False):
                dbapi_connection.take_writer_lock(0)
                _begin_immediate(connection, busy_timeout_ms=0)
                return
            dbapi_connection.take_writer_lock(lock_timeout_s)
            _begin_immediate(connection, busy_timeout_ms=round(lock_timeout_s * 1000))

        return engine
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_pre_ping=True,
        connect_args={"options": _postgres_options(bounded=bounded)},
    )


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().database_url)


@contextmanager
def maintenance_engine() -> Iterator[Engine]:
    """An engine for the command line's long maintenance work (verifying or rebuilding every
    summary of millions of rows): without the statement and lock timeouts that bound a serving
    portal's requests, which such a statement outlasts on PostgreSQL. Disposed after use."""
    engine = make_engine(get_settings().database_url, bounded=False)
    try:
        yield engine
    finally:
        engine.dispose()


_read_mostly: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def read_mostly_engine() -> Engine:
    """The process-wide engine for requests that only read (built once, not per request)."""
    engine = get_engine()
    found = _read_mostly.get(engine)
    if found is None:
        found = _read_mostly[engine] = engine.execution_options(**{READ_ONLY_OPTION: True})
    return found


def _request_slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(REQUEST_SLOTS)
    return slots


def _finish(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One session and one transaction per request: committed on success, else rolled back.

    The session is only ever used from the thread pool (every route and dependency that
    touches it is a plain function); its commit and rollback run there too.
    """
    engine = read_mostly_engine() if request.method in SAFE_METHODS else get_engine()
    # Under load, requests queue here holding neither a thread nor a connection. Without the
    # bound, 100 concurrent requests deadlocked: every thread waited for a connection while
    # the requests holding the connections waited for a thread (until the pool timed out).
    async with _request_slots():
        session = Session(engine, expire_on_commit=False)
        try:
            yield session
        except BaseException as error:
            await run_in_threadpool(_finish, session, commit=False)
            if is_busy_error(error) and not isinstance(error, DatabaseBusy):
                raise DatabaseBusy() from error
            raise
        try:
            await run_in_threadpool(_finish, session, commit=True)
        except DBAPIError as error:
            if is_busy_error(error):
                raise DatabaseBusy() from error
            raise


DbSession = Annotated[Session, Depends(get_db, scope="function")]


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def on_serving_loop_thread() -> bool:
    """Whether the calling thread is running an event loop that serves the portal's requests.

    Those are the loops that have handed out request slots; another library's loop (a test's
    browser driver, say) is not the portal's to keep free.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    return loop in _slots


def watch_event_loop_use(report: Callable[[str], None]) -> None:
    """Call REPORT for every statement run, or connection taken, on an event-loop thread.

    Such a call blocks every other request of the process while it waits; one that waits for
    a lock held by a request needing the same loop to finish never returns.
    """

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if on_serving_loop_thread():
            report(f"statement on the event loop: {sql[:200]}")

    def checkout(*_args: Any) -> None:
        if on_serving_loop_thread():
            report("database connection taken on the event loop")

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Pool, "checkout", checkout)


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)
