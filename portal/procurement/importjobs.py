"""The ERP import's background jobs: checking a large file and confirming it.

Checking commits a batch at a time (a resumed job goes on from the last batch); confirming
is one transaction that also ends the job, so the purchases and "done" are seen together or
not at all (portal.procurement.imports explains why nothing is ever half-written).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlmodel import Session

from portal.audit import Actor
from portal.jobs.models import Job, JobState
from portal.jobs.runner import Handler, JobContext, register
from portal.procurement import imports, importstore


def _actor(payload: dict[str, Any]) -> Actor:
    given = payload.get("actor") or {}
    return Actor(
        label=str(given.get("label") or imports.JOBS_ACTOR.label),
        user_id=given.get("user_id"),
        ip=given.get("ip"),
    )


def run_check(ctx: JobContext) -> dict[str, Any]:
    """Check the import's lines a batch per transaction, reporting progress after each."""
    import_id = int(ctx.payload["import_id"])
    while True:
        with Session(ctx.engine, expire_on_commit=False) as db, db.begin():
            purchase_import = imports.check_next_batch(db, import_id=import_id)
            done, total = purchase_import.checked_count, purchase_import.line_count
            status = purchase_import.status
        if status != imports.CHECKING:
            ctx.done, ctx.total = done, total
            return {"import_id": import_id, "status": status}
        ctx.progress(done, total)


def run_confirm(ctx: JobContext) -> dict[str, Any]:
    """Store the import in one transaction, which also ends the job."""
    import_id = int(ctx.payload["import_id"])
    with Session(ctx.engine, expire_on_commit=False) as db, db.begin():
        outcome = importstore.confirm(
            db,
            actor=_actor(ctx.payload),
            user_id=int(ctx.payload["user_id"]),
            import_id=import_id,
            progress=lambda done, total: ctx.progress(done, total, within=db),
        )
        result = {"import_id": import_id, **asdict(outcome)}
        ctx.finish(db, result)
    return result


def settle(db: Session, job: Job, state: JobState, error: str | None) -> None:
    """A job that ended unfinished: the import is given up (checking) or back to its preview."""
    imports.settle_stopped(
        db,
        import_id=int(job.payload["import_id"]),
        kind=job.kind,
        outcome="cancelled" if state is JobState.CANCELLED else "failed",
        job_id=job.id,
        error=error,
    )


register(imports.CHECK_JOB, Handler(run=run_check, settle=settle))
register(imports.CONFIRM_JOB, Handler(run=run_confirm, settle=settle))
