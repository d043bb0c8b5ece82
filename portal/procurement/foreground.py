"""`portal purchases import`: an ERP import run in the terminal by the page's own jobs.

The file is uploaded as by the page (read in a bounded worker, its lines stored), then its
checking job, and with --confirm its confirming job, run in this process with a progress
bar. If a serving process's runner claimed the job first, this one follows its progress.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal.accounts.models import Role, User
from portal.audit import Actor
from portal.config import get_settings
from portal.db import get_engine
from portal.errors import PortalError
from portal.jobs import queue, runner
from portal.jobs.config import get_job_settings
from portal.jobs.models import Job, JobState
from portal.procurement import importlines, imports
from portal.procurement.messages import field_label, problem_text

MIB = 1024 * 1024
INTERRUPTED = 130  # the exit status of a command ended by Ctrl-C
Echo = Callable[..., None]


def _buyer(db: Session, email: str) -> User | None:
    # Emails are stored lowercased (accounts.service), so the unique index finds it.
    return db.exec(select(User).where(User.email == email.strip().lower())).first()


def run_import(path: Path, *, as_email: str, confirm: bool, shown: int = 10) -> int:
    """Import PATH for the buyer AS_EMAIL; the command's exit status."""
    from portal.cli import CLI_ACTOR_LABEL

    echo: Echo = typer.echo
    engine = get_engine()
    limit_mb = get_settings().max_import_mb
    if path.stat().st_size > limit_mb * MIB:
        echo(f"file: larger than {limit_mb} MB (PORTAL_MAX_IMPORT_MB)", err=True)
        return 2
    data = path.read_bytes()
    with Session(engine, expire_on_commit=False) as db:
        user = _buyer(db, as_email)
        if user is None or not user.is_active or user.role != Role.BUYER.value or not user.id:
            echo(f"--as: no active buyer account {as_email!r}", err=True)
            return 2
        user_id = user.id
        actor = Actor(label=f"{CLI_ACTOR_LABEL}: portal purchases import", user_id=user_id)
        try:
            found = imports.upload(
                db, actor=actor, user_id=user_id, filename=path.name, data=data, at_once=False
            )
        except PortalError as refused:
            echo(f"file: {refused.message}", err=True)
            return 2
        job = imports.current_job(db, found.id or 0)
        db.commit()
    assert found.id is not None and job is not None and job.id is not None
    import_id = found.id
    echo(f"import {import_id}: {found.line_count:,} lines read from {path.name}")
    state = _run(engine, job.id, "Checking")
    if state != JobState.DONE.value:
        return _stopped(engine, job.id, state, echo)
    with Session(engine) as db:
        counts = imports.summary(db, import_id=import_id)
        _print_counts(db, import_id, counts, shown, echo)
    if counts.invalid:
        echo(f"nothing stored: {counts.invalid:,} invalid lines; fix the file and import it again")
        return 1
    if not confirm:
        echo(f"nothing stored yet: add --confirm, or confirm at /purchases/import/{import_id}")
        return 0
    with Session(engine, expire_on_commit=False) as db:
        try:
            job = imports.start_confirm(db, actor=actor, user_id=user_id, import_id=import_id)
        except PortalError as refused:
            echo(f"confirm: {refused.message}", err=True)
            return 1
        db.commit()
    assert job.id is not None
    state = _run(engine, job.id, "Storing")
    if state != JobState.DONE.value:
        return _stopped(engine, job.id, state, echo)
    with Session(engine) as db:
        result = (db.get(Job, job.id) or job).result or {}
        if result.get("invalid"):
            echo(f"nothing stored: {result['invalid']:,} lines became invalid since checking")
            _print_counts(db, import_id, imports.summary(db, import_id=import_id), shown, echo)
            return 1
    echo(
        f"stored {result.get('stored', 0):,} purchases; skipped {result.get('skipped', 0):,} "
        f"already recorded; {result.get('exceptions', 0):,} exceptions"
    )
    return 0


def _print_counts(
    db: Session, import_id: int, counts: imports.Summary, shown: int, echo: Echo
) -> None:
    echo(
        f"new: {counts.new:,}  already recorded: {counts.recorded:,}  "
        f"invalid: {counts.invalid:,}  exceptions: {counts.exceptions:,}"
    )
    if not counts.invalid or not shown:
        return
    for line in importlines.results(
        db, import_id=import_id, status=importlines.INVALID, limit=shown
    ):
        problems = "; ".join(
            f"{field_label(p['field'])}: "
            f"{problem_text(p['field'], p['code'], p.get('value', ''), row=p.get('row', ''))}"
            for p in line.get("problems", [])
        )
        echo(f"  row {line['row']}: {problems}")
    if counts.invalid > shown:
        echo(f"  … and {counts.invalid - shown:,} more invalid lines")


def _stopped(engine: Engine, job_id: int, state: str, echo: Echo) -> int:
    with Session(engine) as db:
        job = db.get(Job, job_id)
        error = job.error if job is not None else None
    if state == JobState.CANCELLED.value:
        echo("cancelled: none of the file's purchases were stored", err=True)
        return INTERRUPTED
    echo(f"failed: nothing stored ({error or state})", err=True)
    return 1


def _run(engine: Engine, job_id: int, label: str) -> str:
    """Run (or follow) the job with a progress bar; its end state. Ctrl-C cancels it."""
    worker = queue.worker_id()
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns) as bar:
        task = bar.add_task(label, total=None)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        job = queue.claim(engine, worker=worker, lease_s=get_job_settings().lease_s, job_id=job_id)
        try:
            if job is None:  # a serving process's runner took it: follow it
                return _follow(engine, job_id, show)
            state = runner.run_job(engine, job, worker=worker, on_progress=show)
            with Session(engine) as db:
                ended = db.get(Job, job_id)
                if ended is not None:
                    show(ended.done, ended.total)
            return state
        except KeyboardInterrupt:
            return JobState.CANCELLED.value  # run_job rolled back and settled it


def _follow(engine: Engine, job_id: int, show: Callable[[int, int], None]) -> str:
    try:
        while True:
            with Session(engine) as db:
                job = db.get(Job, job_id)
                if job is None:
                    return JobState.FAILED.value
                show(job.done, job.total)
                if job.ended:
                    return job.state
            time.sleep(0.5)
    except KeyboardInterrupt:
        with Session(engine) as db:
            job = db.get(Job, job_id)
            if job is not None:
                queue.request_cancel(db, job)
                db.commit()
        return JobState.CANCELLED.value
