"""Confirming an ERP import: every line checked again and stored in the caller's transaction,
or nothing stored (portal.procurement.imports says why nothing is ever half-written).

Checks and purchases go in a batch at a time, in bulk (COPY on PostgreSQL, with their ids
taken from the sequence first; one executemany on SQLite).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from portal import audit, bulk
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.db import utcnow
from portal.errors import Conflict, InvalidInput
from portal.i18n import _
from portal.procurement import importlines, imports
from portal.procurement.checks import check_values
from portal.procurement.decision import Judge
from portal.procurement.importcheck import assess
from portal.procurement.importlines import INVALID, NEW
from portal.procurement.models import BuyerCheck, Purchase, PurchaseImport
from portal.procurement.recording import purchase_values
from portal.tracking import summaries


@dataclass(frozen=True)
class Confirmation:
    """What confirming stored, or why nothing was stored."""

    stored: int
    skipped: int
    exceptions: int
    invalid: int


def confirm(
    db: Session,
    *,
    actor: Actor,
    user_id: int,
    import_id: int,
    progress: imports.Progress | None = None,
) -> Confirmation:
    """Check every line again and store the new ones in this transaction, or store nothing.

    Lines are read, checked and inserted a batch at a time; PROGRESS hears after each batch
    (and may raise to stop: the caller's transaction is then rolled back).
    """
    purchase_import = imports.get_import(db, import_id)
    if purchase_import.status == imports.CONFIRMED:
        raise Conflict(_("This import has already been confirmed."))
    if purchase_import.status not in (imports.PREVIEWED, imports.CONFIRMING):
        raise InvalidInput(_("The file is still being checked."), field="file")
    claimed = db.execute(
        update(PurchaseImport)
        .where(
            col(PurchaseImport.id) == import_id,
            col(PurchaseImport.status) == purchase_import.status,
        )
        .values(status=imports.CONFIRMING)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise Conflict(_("This import has already been confirmed."))
    ruleset = get_ruleset()
    judge = Judge(ruleset)
    total = purchase_import.line_count
    invalid = new_count = 0
    check_ids: list[int] = []
    codes: dict[int, str] = {}
    at: datetime | None = None
    batch_size = imports.BATCH_SIZE
    for start in range(0, total, batch_size):
        end = min(start + batch_size, total)
        stored = importlines.between(
            db, import_id=import_id, start=start, end=end, with_results=True
        )
        outcomes = assess(
            db,
            [line.raw for line in stored],
            judge=judge,
            seen=importlines.seen_before(db, import_id=import_id, before=start),
        )
        # Only lines whose outcome changed since the preview are written again.
        importlines.write_results(
            db,
            [(line, outcome.to_dict()) for line, outcome in zip(stored, outcomes, strict=True)],
            only_changed=True,
        )
        invalid += sum(line.status == INVALID for line in outcomes)
        new = [line for line in outcomes if line.status == NEW]
        new_count += len(new)
        if not invalid:  # once a line is invalid nothing is stored; the rest is still checked
            at = _next_instant(at)
            check_ids += _store_batch(
                db, new, ruleset=ruleset, user_id=user_id, import_id=import_id, at=at
            )
            codes.update(
                {line.supplier.id or 0: line.supplier.code for line in new if line.supplier}
            )
        if progress is not None:
            progress(end, total)
    if invalid:
        # Something changed since the preview (a declaration, the rules, another import).
        _unstore(db, import_id=import_id, check_ids=check_ids)
        purchase_import.status = imports.PREVIEWED
        db.add(purchase_import)
        db.flush()
        return Confirmation(stored=0, skipped=0, exceptions=0, invalid=invalid)
    summaries.add_purchases(db, col(Purchase.import_id) == purchase_import.id)
    exceptions = db.exec(
        select(Purchase)
        .where(
            col(Purchase.import_id) == purchase_import.id,
            col(Purchase.exception_reason).is_not(None),
        )
        .order_by(col(Purchase.id))
    ).all()
    db.refresh(purchase_import)
    purchase_import.status = imports.CONFIRMED
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
            "stored": new_count,
            "skipped_already_recorded": total - new_count,
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
        stored=new_count,
        skipped=total - new_count,
        exceptions=len(exceptions),
        invalid=0,
    )


def _next_instant(previous: datetime | None) -> datetime:
    """Now, or just after PREVIOUS: each batch's checks are found again by their instant."""
    now = utcnow()
    if previous is not None and now <= previous:
        now = previous + timedelta(microseconds=1)
    return now


def _store_batch(
    db: Session,
    new: Sequence[Any],
    *,
    ruleset: Any,
    user_id: int,
    import_id: int,
    at: datetime,
) -> list[int]:
    """Insert the checks and purchases of a batch's new lines; the checks' ids."""
    checks = [
        check_values(
            line.answer, supplier_id=line.supplier.id, user_id=user_id, via_api=False, at=at
        )
        for line in new
        if line.answer is not None and line.supplier is not None and line.supplier.id
    ]
    check_ids = _insert_many(db, BuyerCheck, checks, user_id=user_id, at=at)
    purchases = [
        purchase_values(
            check,
            check_id=check_id,
            ruleset=ruleset,
            po_number=line.po_number or "",
            po_line=line.po_line or 1,
            exception_reason=line.exception_reason,
            user_id=user_id,
            import_id=import_id,
            recorded_at=at,
        )
        for check, check_id, line in zip(checks, check_ids, new, strict=True)
    ]
    try:
        _insert_many(db, Purchase, purchases)
    except IntegrityError:  # another import recorded some of these PO lines meanwhile
        raise Conflict(
            _("Some of these PO lines were recorded meanwhile. Upload the file again.")
        ) from None
    return check_ids


def _unstore(db: Session, *, import_id: int, check_ids: list[int]) -> None:
    """Take out what earlier batches of this transaction inserted (none of it was visible)."""
    db.execute(delete(Purchase).where(col(Purchase.import_id) == import_id))
    for start in range(0, len(check_ids), importlines.CHUNK):
        chunk = check_ids[start : start + importlines.CHUNK]
        db.execute(delete(BuyerCheck).where(col(BuyerCheck.id).in_(chunk)))


def _insert_many(
    db: Session,
    model: type[SQLModel],
    rows: Sequence[Mapping[str, Any]],
    *,
    user_id: int | None = None,
    at: datetime | None = None,
) -> list[int]:
    """Insert ROWS in bulk (COPY on PostgreSQL, Core executemany elsewhere; no ORM work).

    With USER_ID and AT, returns the new ids in the order of ROWS: on PostgreSQL they are
    taken from the sequence first; elsewhere the rows were inserted in order in this
    transaction and no other check carries this user and this exact instant.
    """
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    wanted = user_id is not None and at is not None
    if wanted and bulk.is_postgres(db):
        return bulk.insert_with_ids(db, table, rows)
    bulk.insert_rows(db, table, rows)
    if not wanted:
        return []
    found = list(
        db.exec(
            select(BuyerCheck.id)
            .where(BuyerCheck.user_id == user_id, BuyerCheck.at == at)
            .order_by(col(BuyerCheck.id))
        ).all()
    )
    if len(found) != len(rows):  # pragma: no cover - would need two imports in one microsecond
        raise Conflict(_("Someone else changed this first. Reload the page and try again."))
    return [row_id for row_id in found if row_id is not None]
