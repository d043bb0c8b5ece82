"""The job queue: enqueue, claim with FOR UPDATE SKIP LOCKED, renew the lease, end, cancel.

A job is claimed when it is queued, or running with a lease that has ended (its server died
or stopped): PostgreSQL skips rows another server is claiming at that instant, so however
many servers look at once each job goes to one; SQLite has one writer at a time, so the same
statements need no row locks. Every later write of a job's state is conditional on the lease
still being the writer's, so a server that lost its lease cannot end a job another resumed.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portal.db import READ_ONLY_OPTION, utcnow
from portal.jobs.models import Job, JobState

RUNNING, QUEUED = JobState.RUNNING.value, JobState.QUEUED.value
_wake = threading.Event()
# Cancellations asked for in this process, seen by its runner without reading the database
# (on SQLite a job holding the writer would otherwise not hear of it until it finished).
_cancelled_here: set[int] = set()
_cancelled_lock = threading.Lock()


def wake_runner() -> None:
    """Have this process's runner look for queued jobs now."""
    _wake.set()


def wait_for_work(timeout_s: float) -> None:
    """Wait until woken or TIMEOUT_S passed."""
    _wake.wait(timeout_s)
    _wake.clear()


def worker_id() -> str:
    """Who claims: host, process and a random part (a restarted process is someone else)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def enqueue(
    db: Session,
    *,
    kind: str,
    subject: str,
    payload: dict[str, Any] | None = None,
    total: int = 0,
    requested_by_id: int | None = None,
) -> Job:
    """A new queued job, in the caller's transaction (it runs once that commits)."""
    job = Job(
        kind=kind,
        subject=subject,
        payload=payload or {},
        total=total,
        requested_by_id=requested_by_id,
    )
    db.add(job)
    db.flush()
    wake_runner()
    return job


def latest_for(db: Session, subject: str) -> Job | None:
    """The newest job working on SUBJECT."""
    return db.exec(
        select(Job).where(Job.subject == subject).order_by(col(Job.id).desc()).limit(1)
    ).first()


def _claimable(now: datetime) -> Any:
    return or_(
        col(Job.state) == QUEUED,
        and_(col(Job.state) == RUNNING, col(Job.leased_until) < now),
    )


def claim(
    engine: Engine,
    *,
    worker: str,
    lease_s: float,
    now: datetime | None = None,
    job_id: int | None = None,
    kinds: frozenset[str] | None = None,
) -> Job | None:
    """Lease the oldest claimable job (or JOB_ID) to WORKER; a detached copy, or None."""
    now = now or utcnow()
    conditions = [_claimable(now)]
    if job_id is not None:
        conditions.append(col(Job.id) == job_id)
    if kinds is not None:
        conditions.append(col(Job.kind).in_(sorted(kinds)))
    # A read first: an idle runner never takes SQLite's writer lock (or a row lock).
    with Session(engine.execution_options(**{READ_ONLY_OPTION: True})) as db:
        if db.exec(select(Job.id).where(*conditions).limit(1)).first() is None:
            return None
    with Session(engine, expire_on_commit=False) as db, db.begin():
        job = db.exec(
            select(Job)
            .where(*conditions)
            .order_by(col(Job.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if job is None:
            return None
        job.state = RUNNING
        job.leased_by = worker
        job.leased_until = now + timedelta(seconds=lease_s)
        job.attempts += 1
        job.started_at = job.started_at or now
        db.add(job)
        db.flush()
        db.expunge(job)
    # A cancellation that counts is in the row (cancel_requested); one remembered here from
    # before is stale: that job ended elsewhere, or its id belongs to another database.
    with _cancelled_lock:
        _cancelled_here.discard(job.id or 0)
    return job


@dataclass(frozen=True)
class Beat:
    """What renewing a lease found: still ours, asked to stop, or taken by another."""

    held: bool
    cancel: bool


def _held(job_id: int, worker: str) -> Any:
    return and_(col(Job.id) == job_id, col(Job.leased_by) == worker, col(Job.state) == RUNNING)


def renew(
    db: Session,
    *,
    job_id: int,
    worker: str,
    lease_s: float,
    done: int,
    total: int,
    now: datetime | None = None,
) -> Beat:
    """Renew WORKER's lease and store the progress, in DB's transaction."""
    now = now or utcnow()
    renewed = db.execute(
        update(Job)
        .where(_held(job_id, worker))
        .values(leased_until=now + timedelta(seconds=lease_s), done=done, total=total)
        .execution_options(synchronize_session=False)
    )
    if not renewed.rowcount:  # type: ignore[attr-defined]
        return Beat(held=False, cancel=False)
    flag = db.exec(select(Job.cancel_requested).where(col(Job.id) == job_id)).one()
    return Beat(held=True, cancel=bool(flag) or cancelled_here(job_id))


def end(
    db: Session,
    *,
    job_id: int,
    worker: str,
    state: JobState,
    error: str | None = None,
    result: dict[str, Any] | None = None,
    done: int | None = None,
) -> bool:
    """End WORKER's job in DB's transaction; False when the lease is no longer WORKER's."""
    values: dict[str, Any] = {
        "state": state.value,
        "error": error[:4000] if error else None,
        "result": result,
        "finished_at": utcnow(),
        "leased_until": None,
    }
    if done is not None:
        values["done"] = done
    ended = db.execute(
        update(Job)
        .where(_held(job_id, worker))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    with _cancelled_lock:
        _cancelled_here.discard(job_id)
    return bool(ended.rowcount)  # type: ignore[attr-defined]


def release(db: Session, *, job_id: int, worker: str) -> bool:
    """Give a job back to the queue (this server stops): another claims it at once."""
    released = db.execute(
        update(Job)
        .where(_held(job_id, worker))
        .values(state=QUEUED, leased_until=None, leased_by=None)
        .execution_options(synchronize_session=False)
    )
    return bool(released.rowcount)  # type: ignore[attr-defined]


def request_cancel(db: Session, job: Job) -> str:
    """Ask JOB to stop: "cancelled" (it was queued: ended now), "asked" (running), or ""."""
    assert job.id is not None
    with _cancelled_lock:
        _cancelled_here.add(job.id)
    queued = db.execute(
        update(Job)
        .where(col(Job.id) == job.id, col(Job.state) == QUEUED)
        .values(state=JobState.CANCELLED.value, cancel_requested=True, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if queued.rowcount:  # type: ignore[attr-defined]
        with _cancelled_lock:
            _cancelled_here.discard(job.id)
        db.refresh(job)
        return JobState.CANCELLED.value
    running = db.execute(
        update(Job)
        .where(col(Job.id) == job.id, col(Job.state) == RUNNING)
        .values(cancel_requested=True)
        .execution_options(synchronize_session=False)
    )
    db.refresh(job)
    if running.rowcount:  # type: ignore[attr-defined]
        return "asked"
    with _cancelled_lock:  # it had ended already: nothing to hear of
        _cancelled_here.discard(job.id)
    return ""


def cancelled_here(job_id: int) -> bool:
    """Whether this process was asked to cancel JOB_ID."""
    with _cancelled_lock:
        return job_id in _cancelled_here


def mark_cancelled_here(job_id: int) -> None:
    """Let this process's runner hear of a cancellation before it is written (Ctrl-C)."""
    with _cancelled_lock:
        _cancelled_here.add(job_id)
