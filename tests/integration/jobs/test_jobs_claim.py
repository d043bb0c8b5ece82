"""The jobs table: each job claimed by one worker, an ended lease claimable again."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal.db import utcnow
from portal.jobs import queue
from portal.jobs.models import Job, JobState


def _queued(session: Session, count: int) -> list[int]:
    jobs = [
        queue.enqueue(session, kind="test.nothing", subject=f"test:{n}", total=1)
        for n in range(count)
    ]
    session.commit()
    return [job.id for job in jobs if job.id is not None]


def test_workers_claiming_at_once_each_get_other_jobs(engine: Engine, session: Session) -> None:
    ids = _queued(session, 40)
    start = threading.Barrier(4)
    claimed: dict[str, list[int]] = {}

    def work(name: str) -> None:
        mine = claimed.setdefault(name, [])
        start.wait()
        while (job := queue.claim(engine, worker=name, lease_s=60)) is not None:
            assert job.id is not None
            mine.append(job.id)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [job_id for mine in claimed.values() for job_id in mine]
    assert sorted(every) == ids  # each once, none twice
    rows = session.exec(select(Job)).all()
    assert {row.state for row in rows} == {JobState.RUNNING.value}
    assert all(row.attempts == 1 for row in rows)
    assert {row.id: row.leased_by for row in rows} == {
        job_id: name for name, mine in claimed.items() for job_id in mine
    }


def test_a_job_locked_by_another_claim_is_skipped_not_waited_for(
    engine: Engine, session: Session
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: SQLite has one writer, so claims never overlap")
    first, second = _queued(session, 2)
    with engine.connect() as other:
        # Another server in the middle of claiming the oldest job holds its row.
        other.execute(text("SELECT id FROM job WHERE id = :id FOR UPDATE"), {"id": first})
        job = queue.claim(engine, worker="b", lease_s=60)
        assert job is not None and job.id == second
        other.rollback()
    job = queue.claim(engine, worker="c", lease_s=60)
    assert job is not None and job.id == first


def test_an_ended_lease_is_claimed_again_and_the_first_holder_has_lost_it(
    engine: Engine, session: Session
) -> None:
    [job_id] = _queued(session, 1)
    first = queue.claim(engine, worker="dead", lease_s=60)
    assert first is not None and first.id == job_id
    assert queue.claim(engine, worker="b", lease_s=60) is None  # the lease runs
    later = utcnow() + timedelta(seconds=61)
    second = queue.claim(engine, worker="b", lease_s=60, now=later)
    assert second is not None and second.id == job_id and second.attempts == 2
    with Session(engine) as db, db.begin():
        beat = queue.renew(db, job_id=job_id, worker="dead", lease_s=60, done=1, total=1)
        assert not beat.held
        assert not queue.end(db, job_id=job_id, worker="dead", state=JobState.DONE)
        assert queue.end(db, job_id=job_id, worker="b", state=JobState.DONE)
    ended = session.exec(select(Job)).one()
    session.refresh(ended)
    assert ended.state == JobState.DONE.value and ended.leased_by == "b"


def test_cancelling_a_queued_job_ends_it_and_a_running_one_is_asked(
    engine: Engine, session: Session
) -> None:
    queued, running = _queued(session, 2)
    claimed = queue.claim(engine, worker="w", lease_s=60)
    assert claimed is not None and claimed.id == queued
    # The oldest is running now; the second is still queued.
    jobs = {job.id: job for job in session.exec(select(Job)).all()}
    assert queue.request_cancel(session, jobs[running]) == JobState.CANCELLED.value
    assert queue.request_cancel(session, jobs[queued]) == "asked"
    session.commit()
    with Session(engine) as db, db.begin():
        beat = queue.renew(db, job_id=queued, worker="w", lease_s=60, done=0, total=1)
    assert beat.held and beat.cancel
    assert queue.claim(engine, worker="x", lease_s=60) is None  # nothing left to claim
