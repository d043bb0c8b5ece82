"""Running claimed jobs: a handler per kind, the lease renewed at each step, a thread per server.

A handler's `run` reports progress through its JobContext, which renews the lease and hears
of a cancellation there: the handler stops at its next step, its open transaction is rolled
back, and its `settle` undoes what the job's subject shows (in the transaction that ends the
job). A server that stops hands its job back to the queue; one that dies leaves its lease to
end, and another server claims the job again and runs it from its last committed step.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from portal.db import DatabaseBusy, is_busy_error
from portal.errors import PortalError
from portal.i18n import current_locale
from portal.jobs import queue
from portal.jobs.config import get_job_settings
from portal.jobs.models import Job, JobState
from portal.workers import background
from portal.workers.background import BackgroundThread

log = logging.getLogger(__name__)
# Modules whose import registers the handlers of their job kinds.
HANDLER_MODULES = ("portal.procurement.importjobs",)
LOST = "lost"
RELEASED = "released"


class Cancelled(Exception):
    """Someone asked the job to stop."""


class LeaseLost(Exception):
    """Another server holds the job now (this one was too slow to renew its lease)."""


class Stopping(Exception):
    """This server stops: the job goes back to the queue for another."""


@dataclass(frozen=True)
class Handler:
    """What runs a kind of job, and what undoes its subject's state when it ends unfinished."""

    run: Callable[[JobContext], dict[str, Any] | None]
    settle: Callable[[Session, Job, JobState, str | None], None]


_handlers: dict[str, Handler] = {}
_live: dict[int, tuple[int, int]] = {}
_live_lock = threading.Lock()


def register(kind: str, handler: Handler) -> None:
    """Run jobs of KIND with HANDLER."""
    _handlers[kind] = handler


def handler_for(kind: str) -> Handler:
    """The handler of KIND (the handler modules are imported on first use)."""
    if kind not in _handlers:
        for name in HANDLER_MODULES:
            importlib.import_module(name)
    return _handlers[kind]


def live_progress(job_id: int) -> tuple[int, int] | None:
    """(done, total) of a job running in this process, fresher than its row can be.

    On SQLite a job that holds the writer for one transaction cannot publish its progress
    until it commits; the page asks this process's runner instead.
    """
    with _live_lock:
        return _live.get(job_id)


@dataclass
class JobContext:
    """A running job as its handler sees it."""

    engine: Engine
    job: Job
    worker: str
    lease_s: float
    on_progress: Callable[[int, int], None] | None = None
    stop: threading.Event | None = None
    done: int = 0
    total: int = 0
    finished: bool = field(default=False)

    @property
    def job_id(self) -> int:
        """The job's id."""
        assert self.job.id is not None
        return self.job.id

    @property
    def payload(self) -> dict[str, Any]:
        """The job's parameters."""
        return self.job.payload

    def progress(self, done: int, total: int, *, within: Session | None = None) -> None:
        """Note DONE of TOTAL and renew the lease; Cancelled, Stopping or LeaseLost to stop.

        WITHIN is the handler's open transaction, when it holds one: on SQLite the lease is
        renewed there (a second writer would wait for this one), elsewhere on the side.
        """
        self.done, self.total = done, total
        with _live_lock:
            _live[self.job_id] = (done, total)
        if self.on_progress is not None:
            self.on_progress(done, total)
        if self.stop is not None and self.stop.is_set():
            raise Stopping()
        if queue.cancelled_here(self.job_id):
            raise Cancelled()
        beat_args = {
            "job_id": self.job_id,
            "worker": self.worker,
            "lease_s": self.lease_s,
            "done": done,
            "total": total,
        }
        try:
            if within is not None and self.engine.dialect.name == "sqlite":
                beat = queue.renew(within, **beat_args)  # type: ignore[arg-type]
            else:
                with Session(self.engine) as db, db.begin():
                    beat = queue.renew(db, **beat_args)  # type: ignore[arg-type]
        except (DatabaseBusy, DBAPIError) as error:
            if not is_busy_error(error):
                raise
            return  # the lease lasts a while yet; the next step renews it
        if not beat.held:
            raise LeaseLost()
        if beat.cancel:
            raise Cancelled()

    def finish(self, db: Session, result: dict[str, Any] | None = None) -> None:
        """End the job as done in the handler's transaction DB (LeaseLost if not ours)."""
        if not queue.end(
            db,
            job_id=self.job_id,
            worker=self.worker,
            state=JobState.DONE,
            result=result,
            done=self.done,
        ):
            raise LeaseLost()
        self.finished = True


def _message(error: BaseException) -> str:
    if isinstance(error, PortalError) and error.message:
        return error.message
    return f"{type(error).__name__}: {error}"[:1000]


def _settle(ctx: JobContext, handler: Handler, state: JobState, error: str | None) -> None:
    with Session(ctx.engine) as db, db.begin():
        if queue.end(db, job_id=ctx.job_id, worker=ctx.worker, state=state, error=error):
            handler.settle(db, ctx.job, state, error)


def run_job(
    engine: Engine,
    job: Job,
    *,
    worker: str,
    lease_s: float | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
) -> str:
    """Run a job WORKER claimed; its end state, or "lost" / "released"."""
    handler = handler_for(job.kind)
    ctx = JobContext(
        engine=engine,
        job=job,
        worker=worker,
        lease_s=lease_s if lease_s is not None else get_job_settings().lease_s,
        on_progress=on_progress,
        stop=stop,
        done=job.done,
        total=job.total,
    )
    language = current_locale.set(str(job.payload.get("language") or current_locale.get()))
    try:
        result = handler.run(ctx)
        if not ctx.finished:
            with Session(engine) as db, db.begin():
                ctx.finish(db, result)
        return JobState.DONE.value
    except Cancelled:
        _settle(ctx, handler, JobState.CANCELLED, None)
        return JobState.CANCELLED.value
    except KeyboardInterrupt:
        queue.mark_cancelled_here(ctx.job_id)
        _settle(ctx, handler, JobState.CANCELLED, None)
        raise
    except Stopping:
        with Session(engine) as db, db.begin():
            queue.release(db, job_id=ctx.job_id, worker=worker)
        return RELEASED
    except LeaseLost:
        log.warning("job %s: lease lost to another server", ctx.job_id)
        return LOST
    except Exception as error:  # the job fails; the runner goes on with the next
        if not isinstance(error, PortalError):
            log.exception("job %s (%s) failed", ctx.job_id, job.kind)
        _settle(ctx, handler, JobState.FAILED, _message(error))
        return JobState.FAILED.value
    finally:
        current_locale.reset(language)
        with _live_lock:
            _live.pop(ctx.job_id, None)


def run_once(
    engine: Engine,
    *,
    worker: str,
    lease_s: float | None = None,
    stop: threading.Event | None = None,
) -> bool:
    """Claim one job and run it; False when none was waiting."""
    lease = lease_s if lease_s is not None else get_job_settings().lease_s
    job = queue.claim(engine, worker=worker, lease_s=lease)
    if job is None:
        return False
    run_job(engine, job, worker=worker, lease_s=lease, stop=stop)
    return True


def run_until_idle(engine: Engine, *, worker: str | None = None) -> int:
    """Run queued jobs until none is left; how many ran."""
    worker = worker or queue.worker_id()
    ran = 0
    while run_once(engine, worker=worker):
        ran += 1
    return ran


def run_forever(engine: Engine, stop: threading.Event) -> None:
    """Run jobs until STOP is set; when idle, look again when woken or every poll_s."""
    worker = queue.worker_id()
    poll_s = get_job_settings().poll_s
    while not stop.is_set():
        try:
            ran = run_once(engine, worker=worker, stop=stop)
        except Exception:  # a database outage must not end the runner
            log.exception("job runner failed")
            ran = False
        if not ran and not stop.is_set():
            queue.wait_for_work(poll_s)


def start_in_background(*, force: bool = False) -> BackgroundThread | None:
    """The serving process's job runner, unless turned off (and off by default in tests).

    Stopping it hands its job back to the queue at the job's next step.
    """
    from portal.db import get_engine

    engine = get_engine()
    return background.start(
        "job-runner",
        lambda stop: run_forever(engine, stop),
        wake=queue.wake_runner,
        enabled=True if force else get_job_settings().in_app,
        join_s=10.0,
    )
