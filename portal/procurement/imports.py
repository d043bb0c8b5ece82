"""ERP imports: upload a file, check its lines in batches, then store them all or nothing.

Every line is checked like a buyer check (portal.procurement.importcheck says when a line is
invalid). A file with any invalid line stores nothing. Lines already recorded with
the same data are skipped, so importing a file again adds nothing twice. The checks that
allow the purchases are recorded when the import is confirmed (previews are dry runs).

The file is read in a bounded worker process (portal.procurement.importreader) while the
request holds no database transaction; its lines are stored a row each (importlines).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.db import REQUEST_SLOTS, utcnow
from portal.errors import Busy, Conflict, InvalidInput, NotFound
from portal.i18n import _
from portal.procurement import importlines, importreader
from portal.procurement.checks import check_values
from portal.procurement.decision import Judge
from portal.procurement.importcheck import assess
from portal.procurement.importfile import ROW, FileRefused
from portal.procurement.importlines import INVALID, NEW, RECORDED, Counts
from portal.procurement.messages import file_problem_text
from portal.procurement.models import BuyerCheck, Purchase, PurchaseImport
from portal.procurement.recording import purchase_values
from portal.tracking import summaries

__all__ = ["INVALID", "NEW", "RECORDED"]

# Lines checked per step (a second or two); larger files show progress between steps.
BATCH_SIZE = 5000
CHECKING, PREVIEWED, CONFIRMING, CONFIRMED = "checking", "previewed", "confirming", "confirmed"
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


def read_file(db: Session, *, filename: str, data: bytes) -> list[dict[str, Any]]:
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


def upload(
    db: Session, *, actor: Actor, user_id: int, filename: str, data: bytes
) -> PurchaseImport:
    """Read the file and start checking it; small files are checked at once."""
    lines = read_file(db, filename=filename, data=data)
    purchase_import = PurchaseImport(
        filename=_safe_filename(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=user_id,
        status=CHECKING,
        line_count=len(lines),
    )
    db.add(purchase_import)
    db.flush()
    assert purchase_import.id is not None
    importlines.store(db, import_id=purchase_import.id, lines=lines)
    audit.record(
        db,
        actor=actor,
        action="purchase_import.uploaded",
        entity_type="purchase_import",
        entity_id=purchase_import.id,
        after={
            "filename": purchase_import.filename,
            "sha256": purchase_import.sha256,
            "lines": len(lines),
        },
    )
    if len(lines) <= BATCH_SIZE:
        check_next_batch(db, import_id=purchase_import.id)
    return purchase_import


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


@dataclass(frozen=True)
class Confirmation:
    """What confirming stored, or why nothing was stored."""

    stored: int
    skipped: int
    exceptions: int
    invalid: int


def confirm(db: Session, *, actor: Actor, user_id: int, import_id: int) -> Confirmation:
    """Check every line again and store the new ones in this transaction, or store nothing."""
    purchase_import = get_import(db, import_id)
    if purchase_import.status == CONFIRMED:
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
    ruleset = get_ruleset()
    stored = importlines.between(db, import_id=import_id, with_results=True)
    outcomes = assess(db, [line.raw for line in stored], judge=Judge(ruleset), seen={})
    # Only lines whose outcome changed since the preview are written again.
    importlines.write_results(
        db,
        [(line, outcome.to_dict()) for line, outcome in zip(stored, outcomes, strict=True)],
        only_changed=True,
    )
    invalid = sum(line.status == INVALID for line in outcomes)
    if invalid:
        # Something changed since the preview (a declaration, the rules, another import).
        purchase_import.status = PREVIEWED
        db.add(purchase_import)
        db.flush()
        return Confirmation(stored=0, skipped=0, exceptions=0, invalid=invalid)
    new = [line for line in outcomes if line.status == NEW]
    now = utcnow()
    checks = [
        check_values(
            line.answer, supplier_id=line.supplier.id, user_id=user_id, via_api=False, at=now
        )
        for line in new
        if line.answer is not None and line.supplier is not None and line.supplier.id
    ]
    check_ids = _insert_many(db, BuyerCheck, checks, user_id=user_id, at=now)
    purchases = [
        purchase_values(
            check,
            check_id=check_id,
            ruleset=ruleset,
            po_number=line.po_number or "",
            po_line=line.po_line or 1,
            exception_reason=line.exception_reason,
            user_id=user_id,
            import_id=purchase_import.id,
            recorded_at=now,
        )
        for check, check_id, line in zip(checks, check_ids, new, strict=True)
    ]
    try:
        _insert_many(db, Purchase, purchases)
        summaries.add_purchases(db, col(Purchase.import_id) == purchase_import.id)
    except IntegrityError:  # another import recorded some of these PO lines meanwhile
        raise Conflict(
            _("Some of these PO lines were recorded meanwhile. Upload the file again.")
        ) from None
    codes = {line.supplier.id: line.supplier.code for line in new if line.supplier}
    exceptions = db.exec(
        select(Purchase)
        .where(
            col(Purchase.import_id) == purchase_import.id,
            col(Purchase.exception_reason).is_not(None),
        )
        .order_by(col(Purchase.id))
    ).all()
    purchase_import.status = CONFIRMED
    purchase_import.confirmed_at = utcnow()
    db.add(purchase_import)
    db.flush()
    # One entry for the whole file, listing each exception with its reason: a back-filled
    # history can hold thousands, and one audit entry each would take minutes.
    audit.record(
        db,
        actor=actor,
        action="purchase_import.confirmed",
        entity_type="purchase_import",
        entity_id=purchase_import.id,
        after={
            "filename": purchase_import.filename,
            "sha256": purchase_import.sha256,
            "stored": len(purchases),
            "skipped_already_recorded": len(outcomes) - len(new),
            "exceptions": [
                {
                    "purchase_id": purchase.id,
                    "po_number": purchase.po_number,
                    "po_line": purchase.po_line,
                    "supplier": codes.get(purchase.supplier_id, ""),
                    "material": purchase.material_code,
                    "quantity_t": purchase.quantity_t,
                    "exception_reason": purchase.exception_reason,
                }
                for purchase in exceptions
            ],
        },
    )
    return Confirmation(
        stored=len(purchases),
        skipped=len(outcomes) - len(new),
        exceptions=len(exceptions),
        invalid=0,
    )


def _insert_many(
    db: Session,
    model: type[SQLModel],
    rows: Sequence[Mapping[str, Any]],
    *,
    user_id: int | None = None,
    at: datetime | None = None,
) -> list[int]:
    """Insert ROWS in bulk (Core executemany, no per-object ORM work).

    With USER_ID and AT, returns the new ids in the order of ROWS: the rows were inserted in
    order in this transaction and no other check carries this user and this exact instant.
    """
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    db.execute(insert(table), list(rows))
    if user_id is None or at is None:
        return []
    ids = list(
        db.exec(
            select(BuyerCheck.id)
            .where(BuyerCheck.user_id == user_id, BuyerCheck.at == at)
            .order_by(col(BuyerCheck.id))
        ).all()
    )
    if len(ids) != len(rows):  # pragma: no cover - would need two imports in one microsecond
        raise Conflict(_("Someone else changed this first. Reload the page and try again."))
    return [row_id for row_id in ids if row_id is not None]


def recent_imports(db: Session, limit: int = 10) -> list[PurchaseImport]:
    """The latest uploads (their lines are rows of their own)."""
    statement = select(PurchaseImport).order_by(col(PurchaseImport.id).desc()).limit(limit)
    return list(db.exec(statement).all())
