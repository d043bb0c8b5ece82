"""ERP imports: upload a file, check its lines in batches, then store them all or nothing.

Every line is checked like a buyer check (portal.procurement.importcheck says when a line is
invalid). A file with any invalid line stores nothing. Lines already recorded with
the same data are skipped, so importing a file again adds nothing twice. The checks that
allow the purchases are recorded when the import is confirmed (previews are dry runs;
confirming is portal.procurement.importstore).

The file is read in a bounded worker process (portal.procurement.importreader) while the
request holds no database transaction; its lines are stored a row each (importlines).

A file of up to BATCH_SIZE lines is checked, and confirmed, within its request. A larger one
is checked and confirmed by background jobs (portal.procurement.importjobs, portal.jobs),
whose progress the page polls; `portal purchases import` runs the same jobs in the terminal.

Nothing is ever half-written:
- Checking is a dry run. Each batch's outcomes and the count of lines checked are committed
  together, so a job resumed after its server died goes on from the last whole batch; a
  cancelled check leaves an import that can only be uploaded again.
- Confirming is one transaction from the first line to the last, in batches only so that
  memory stays flat: every line is checked again, its check and purchase inserted, the
  summaries updated and the job marked done in that transaction. A cancellation (heard at
  the next batch), Ctrl-C, an error or a server dying rolls all of it back: no purchase of
  the file is visible before the last one is, and none after a cancel. On PostgreSQL other
  writers go on meanwhile (only a PO line the file also holds waits for its end); on SQLite,
  which has one writer, other changes wait for the confirmation, as they did before.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.db import REQUEST_SLOTS
from portal.errors import Busy, Conflict, InvalidInput, NotFound
from portal.i18n import _, current_locale
from portal.jobs import queue
from portal.jobs.models import Job
from portal.procurement import importlines, importreader
from portal.procurement.decision import Judge
from portal.procurement.importcheck import assess
from portal.procurement.importfile import ROW, FileRefused
from portal.procurement.importlines import INVALID, NEW, RECORDED, Counts
from portal.procurement.messages import file_problem_text
from portal.procurement.models import PurchaseImport

__all__ = ["INVALID", "NEW", "RECORDED"]

# Lines checked per step (a second or two); larger files are checked and stored in the
# background, with progress between steps.
BATCH_SIZE = 5000
CHECKING, PREVIEWED, CONFIRMING, CONFIRMED = "checking", "previewed", "confirming", "confirmed"
CANCELLED, FAILED = "cancelled", "failed"  # checking stopped: the file is uploaded again
CHECK_JOB, CONFIRM_JOB = "purchase_import.check", "purchase_import.confirm"
Progress = Callable[[int, int], None]
# Uploads being read or waiting for a worker at once; the next is told to come back, so
# waiting files never take all the request slots (portal.db). A buyer's file is read in a
# second, so a handful of uploads at once all wait their turn.
READING_PLACES = REQUEST_SLOTS // 2


def _safe_filename(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base).strip()[:255] or "upload"


_reading = [0]
_reading_lock = threading.Lock()


def reading_now() -> int:
    """How many uploads are being read, or wait for an import worker, in this process."""
    with _reading_lock:
        return _reading[0]


@contextmanager
def _turn_to_read() -> Iterator[None]:
    """A place among the uploads being read, or Busy when too many wait already."""
    with _reading_lock:
        if _reading[0] >= max(importreader.WORKERS, READING_PLACES):
            raise Busy(_("The portal is busy reading other files. Try again in a minute."))
        _reading[0] += 1
    try:
        yield
    finally:
        with _reading_lock:
            _reading[0] -= 1


def read_file(db: Session, *, filename: str, data: bytes) -> importreader.FileLines:
    """The file's lines, read in a bounded worker; InvalidInput naming the problem else.

    Reading takes up to the worker's time limit. The request has only read so far (who is
    signed in), so its transaction ends first: on SQLite it holds the write lock, and every
    other writer (a buyer's check, say) would wait for this file.
    """
    db.rollback()
    try:
        with _turn_to_read():
            return importreader.get_import_reader().read(filename, data)
    except FileRefused as refused:
        raise InvalidInput(
            file_problem_text(refused.code, **refused.params), field="file"
        ) from None


def subject(import_id: int) -> str:
    """The jobs table's name for an import."""
    return f"purchase_import:{import_id}"


def _job_payload(actor: Actor, *, import_id: int, user_id: int) -> dict[str, Any]:
    return {
        "import_id": import_id,
        "user_id": user_id,
        "actor": {"label": actor.label, "user_id": actor.user_id, "ip": actor.ip},
        "language": current_locale.get(),
    }


def upload(
    db: Session,
    *,
    actor: Actor,
    user_id: int,
    filename: str,
    data: bytes,
    at_once: bool = True,
) -> PurchaseImport:
    """Read the file and start checking it: small files at once (AT_ONCE), others by a job."""
    lines = read_file(db, filename=filename, data=data)
    purchase_import = PurchaseImport(
        filename=_safe_filename(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=user_id,
        status=CHECKING,
        line_count=lines.count,
    )
    db.add(purchase_import)
    db.flush()
    assert purchase_import.id is not None
    importlines.store_batches(db, import_id=purchase_import.id, batches=lines.batches())
    audit.record(
        db,
        actor=actor,
        action="purchase_import.uploaded",
        entity_type="purchase_import",
        entity_id=purchase_import.id,
        after={
            "filename": purchase_import.filename,
            "sha256": purchase_import.sha256,
            "lines": lines.count,
        },
    )
    if at_once and lines.count <= BATCH_SIZE:
        check_next_batch(db, import_id=purchase_import.id)
    else:
        queue.enqueue(
            db,
            kind=CHECK_JOB,
            subject=subject(purchase_import.id),
            payload=_job_payload(actor, import_id=purchase_import.id, user_id=user_id),
            total=lines.count,
            requested_by_id=user_id,
        )
    return purchase_import


def in_background(purchase_import: PurchaseImport) -> bool:
    """Whether the import's checking and confirming run as jobs (too many lines for a request)."""
    return purchase_import.line_count > BATCH_SIZE


def current_job(db: Session, import_id: int) -> Job | None:
    """The import's newest job (checking or confirming), if it had any."""
    return queue.latest_for(db, subject(import_id))


def start_confirm(db: Session, *, actor: Actor, user_id: int, import_id: int) -> Job:
    """Queue the confirmation of a checked import; Conflict if it is under way or done."""
    purchase_import = get_import(db, import_id)
    if purchase_import.status in (CONFIRMED, CONFIRMING):
        raise Conflict(_("This import has already been confirmed."))
    if purchase_import.status != PREVIEWED:
        raise InvalidInput(_("The file is still being checked."), field="file")
    claimed = db.execute(
        update(PurchaseImport)
        .where(col(PurchaseImport.id) == import_id, col(PurchaseImport.status) == PREVIEWED)
        .values(status=CONFIRMING)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise Conflict(_("This import has already been confirmed."))
    db.refresh(purchase_import)
    job = queue.enqueue(
        db,
        kind=CONFIRM_JOB,
        subject=subject(import_id),
        payload=_job_payload(actor, import_id=import_id, user_id=user_id),
        total=purchase_import.line_count,
        requested_by_id=user_id,
    )
    audit.record(
        db,
        actor=actor,
        action="purchase_import.confirm_started",
        entity_type="purchase_import",
        entity_id=import_id,
        after={"job_id": job.id, "lines": purchase_import.line_count},
    )
    return job


def cancel(db: Session, *, actor: Actor, import_id: int) -> PurchaseImport:
    """Stop the import's checking or confirming: nothing of the file is stored."""
    purchase_import = get_import(db, import_id)
    job = current_job(db, import_id)
    if job is None or job.ended or purchase_import.status not in (CHECKING, CONFIRMING):
        raise Conflict(_("There is nothing to cancel: this import is not being checked or stored."))
    asked = queue.request_cancel(db, job)
    if not asked:
        raise Conflict(_("There is nothing to cancel: this import is not being checked or stored."))
    step = "checking" if job.kind == CHECK_JOB else "confirming"
    audit.record(
        db,
        actor=actor,
        action="purchase_import.cancel_requested",
        entity_type="purchase_import",
        entity_id=import_id,
        after={"job_id": job.id, "step": step},
    )
    if asked == "cancelled":  # it had not started: no runner will settle it
        settle_stopped(db, import_id=import_id, kind=job.kind, outcome="cancelled", job_id=job.id)
    db.refresh(purchase_import)
    return purchase_import


def settle_stopped(
    db: Session,
    *,
    import_id: int,
    kind: str,
    outcome: str,
    job_id: int | None,
    error: str | None = None,
) -> None:
    """What a job that ended unfinished (cancelled or failed) leaves: checking is given up
    (its lines go), a confirmation returns the import to its preview, with nothing stored."""
    purchase_import = db.get(PurchaseImport, import_id)
    if purchase_import is None:
        return
    if kind == CHECK_JOB and purchase_import.status == CHECKING:
        purchase_import.status = CANCELLED if outcome == "cancelled" else FAILED
        importlines.remove(db, import_id=import_id)
    elif kind == CONFIRM_JOB and purchase_import.status == CONFIRMING:
        purchase_import.status = PREVIEWED
    db.add(purchase_import)
    db.flush()
    audit.record(
        db,
        actor=JOBS_ACTOR,
        action=f"purchase_import.{outcome}",
        entity_type="purchase_import",
        entity_id=import_id,
        after={
            "job_id": job_id,
            "step": "checking" if kind == CHECK_JOB else "confirming",
            "error": error,
        },
    )


JOBS_ACTOR = Actor(label="system: background jobs")


def get_import(db: Session, import_id: int) -> PurchaseImport:
    """The import, or NotFound."""
    found = db.get(PurchaseImport, import_id) if 0 < import_id < 2**31 else None
    if found is None:
        raise NotFound()
    return found


def check_next_batch(db: Session, *, import_id: int | None) -> PurchaseImport:
    """Check the next batch of lines; their outcomes are stored for the page to show."""
    purchase_import = get_import(db, import_id or 0)
    start = purchase_import.checked_count
    if purchase_import.status != CHECKING:
        return purchase_import
    end = min(start + BATCH_SIZE, purchase_import.line_count)
    claimed = db.execute(
        update(PurchaseImport)
        .where(
            col(PurchaseImport.id) == purchase_import.id,
            col(PurchaseImport.checked_count) == start,
            col(PurchaseImport.status) == CHECKING,
        )
        .values(checked_count=end)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        db.refresh(purchase_import)  # another request checked this batch meanwhile
        return purchase_import
    assert purchase_import.id is not None
    stored = importlines.between(db, import_id=purchase_import.id, start=start, end=end)
    outcomes = assess(
        db,
        [line.raw for line in stored],
        judge=Judge(get_ruleset()),
        seen=importlines.seen_before(db, import_id=purchase_import.id, before=start),
    )
    importlines.write_results(
        db,
        [(line, outcome.to_dict()) for line, outcome in zip(stored, outcomes, strict=True)],
        only_changed=False,
    )
    purchase_import.checked_count = end
    if end >= purchase_import.line_count:
        purchase_import.status = PREVIEWED
    db.add(purchase_import)
    db.flush()
    return purchase_import


Summary = Counts


def summary(db: Session, *, import_id: int) -> Summary:
    """Counts of the lines checked so far."""
    return importlines.counts(db, import_id=import_id)


def line_results(db: Session, *, import_id: int) -> list[dict[str, Any]]:
    """The outcome of every line checked so far, in the file's order."""
    return importlines.results(db, import_id=import_id)


@dataclass(frozen=True)
class Preview:
    """The lines a preview shows, and how many checked lines it leaves out."""

    lines: list[dict[str, Any]]
    hidden: int


def preview(db: Session, *, import_id: int, checked: int, rows: int, first: int) -> Preview:
    """Every checked line up to ROWS of them; beyond, the FIRST lines and those with problems."""
    if checked <= rows:
        return Preview(importlines.results(db, import_id=import_id), 0)
    problems = importlines.results(db, import_id=import_id, problems_only=True, limit=rows)
    head = importlines.results(db, import_id=import_id, limit=first)
    shown = sorted({r[ROW]: r for r in head + problems}.values(), key=lambda r: r[ROW])
    return Preview(shown, checked - len(shown))


def recent_imports(db: Session, limit: int = 10) -> list[PurchaseImport]:
    """The latest uploads (their lines are rows of their own)."""
    statement = select(PurchaseImport).order_by(col(PurchaseImport.id).desc()).limit(limit)
    return list(db.exec(statement).all())
