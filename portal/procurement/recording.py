"""Recording a purchase from its check (once), and what the audit trail keeps of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.checking import RuleSet, UnknownMaterialError
from portal.db import utcnow
from portal.errors import Conflict, NotFound
from portal.procurement import inputs
from portal.procurement.checks import get_check
from portal.procurement.decision import (
    CheckVerdict,
)
from portal.procurement.lookup import invalid_field, read_field
from portal.procurement.messages import problem_text
from portal.procurement.models import BuyerCheck, Purchase
from portal.suppliers.models import Supplier
from portal.tracking import summaries

# --- purchases ----------------------------------------------------------------------------


def purchase_values(
    check: Mapping[str, Any],
    *,
    check_id: int,
    ruleset: RuleSet,
    po_number: str,
    po_line: int,
    exception_reason: str | None,
    user_id: int,
    import_id: int | None = None,
    recorded_at: datetime | None = None,
) -> dict[str, Any]:
    """The columns of a purchase that copies everything its check decided."""
    return {
        "supplier_id": check["supplier_id"],
        "material_code": check["material_code"],
        "material_category": ruleset.material(check["material_code"]).category.value,
        "quantity_t": check["quantity_t"],
        "purchase_date": check["check_date"],
        "purchase_year": check["check_date"].year,
        "product_line": check["product_line"],
        "po_number": po_number,
        "po_line": po_line,
        "check_id": check_id,
        "declaration_id": check["declaration_id"],
        "factor_source": check["factor_source"],
        "pcf_t_per_t": check["pcf_t_per_t"],
        "recycled_fraction": check["recycled_fraction"],
        "emissions_t": check["emissions_t"],
        "recycled_t": check["recycled_t"],
        "ruleset_revision": check["ruleset_revision"],
        "exception_reason": exception_reason if check["verdict"] == CheckVerdict.FAIL else None,
        "import_id": import_id,
        "recorded_by_id": user_id,
        "recorded_at": recorded_at or utcnow(),
    }


def purchase_from_check(
    check: BuyerCheck,
    *,
    ruleset: RuleSet,
    po_number: str,
    po_line: int,
    exception_reason: str | None,
    user_id: int,
) -> Purchase:
    """A purchase that copies everything the check decided (not yet added to the session)."""
    assert check.id is not None
    return Purchase(
        **purchase_values(
            check.model_dump(),
            check_id=check.id,
            ruleset=ruleset,
            po_number=po_number,
            po_line=po_line,
            exception_reason=exception_reason,
            user_id=user_id,
        )
    )


def purchase_facts(purchase: Purchase, supplier_code: str) -> dict[str, Any]:
    """What the audit trail keeps about a purchase."""
    return {
        "po_number": purchase.po_number,
        "po_line": purchase.po_line,
        "supplier": supplier_code,
        "material": purchase.material_code,
        "quantity_t": purchase.quantity_t,
        "date": purchase.purchase_date,
        "product_line": purchase.product_line,
        "check_id": purchase.check_id,
        "declaration_id": purchase.declaration_id,
        "factor_source": purchase.factor_source,
        "pcf_t_per_t": purchase.pcf_t_per_t,
        "emissions_t": purchase.emissions_t,
        "recycled_t": purchase.recycled_t,
        "exception_reason": purchase.exception_reason,
        "import_id": purchase.import_id,
    }


@dataclass(frozen=True)
class Recorded:
    """A purchase and whether this request recorded it (else it was recorded before)."""

    purchase: Purchase
    created: bool


def _purchase_of(db: Session, check_id: int) -> Purchase | None:
    statement = select(Purchase).where(Purchase.check_id == check_id)
    return db.exec(statement.execution_options(populate_existing=True)).first()


def _same_or_conflict(existing: Purchase, number: str, line: int) -> Recorded:
    """A repeat of the recorded purchase answers it; another PO line for its check is refused."""
    if (existing.po_number, existing.po_line) == (number, line):
        return Recorded(existing, created=False)
    raise Conflict(problem_text("check_id", "check_used"), field="check_id")


def _recorded_meanwhile(db: Session, check_id: int, number: str, line: int) -> Recorded:
    """The PO line is taken: by this check's purchase (a parallel repeat), or by another."""
    existing = _purchase_of(db, check_id)  # committed since this request first looked
    if existing is not None:
        return _same_or_conflict(existing, number, line)
    raise Conflict(problem_text("po_number", "po_recorded", f"{number}/{line}"), field="po_number")


def record_purchase(
    db: Session,
    *,
    actor: Actor,
    user_id: int,
    check_id: int | str | None,
    po_number: str | None,
    po_line: str | int | None,
    exception_reason: str | None,
) -> Purchase:
    """Record the purchase a check allowed; a failed check needs the buyer's reason."""
    return record_purchase_once(
        db,
        actor=actor,
        user_id=user_id,
        check_id=check_id,
        po_number=po_number,
        po_line=po_line,
        exception_reason=exception_reason,
    ).purchase


def record_purchase_once(
    db: Session,
    *,
    actor: Actor,
    user_id: int,
    check_id: int | str | None,
    po_number: str | None,
    po_line: str | int | None,
    exception_reason: str | None,
) -> Recorded:
    """Record the check's purchase once: the same PO line again answers the recorded one.

    A check holds one purchase (a unique index): of parallel requests with one check, one
    records it and the others get it (same PO line) or a Conflict naming `check_id`.
    """
    number = read_field("po_number", inputs.po_number, po_number)
    line = read_field("po_line", inputs.po_line, po_line)
    reason = read_field("exception_reason", inputs.exception_reason, exception_reason)
    check = get_check(db, check_id)
    assert check.id is not None
    existing = _purchase_of(db, check.id)
    if existing is not None:
        return _same_or_conflict(existing, number, line)
    if check.verdict == CheckVerdict.FAIL and reason is None:
        raise invalid_field("exception_reason", "exception_needed")
    po_taken = db.exec(
        select(Purchase.id).where(Purchase.po_number == number, Purchase.po_line == line)
    ).first()
    if po_taken is not None:
        return _recorded_meanwhile(db, check.id, number, line)
    supplier = db.get(Supplier, check.supplier_id)
    assert supplier is not None
    try:
        purchase = purchase_from_check(
            check,
            ruleset=get_ruleset(),
            po_number=number,
            po_line=line,
            exception_reason=reason,
            user_id=user_id,
        )
    except UnknownMaterialError:
        raise invalid_field("material", "unknown_material", check.material_code) from None
    try:
        # A savepoint: after a parallel request won, the transaction goes on to say which.
        with db.begin_nested():
            db.add(purchase)
            db.flush()
            summaries.add_purchases(db, col(Purchase.id) == purchase.id)
    except IntegrityError:
        return _recorded_meanwhile(db, check.id, number, line)
    audit.record(
        db,
        actor=actor,
        action="purchase.recorded_exception" if purchase.exception_reason else "purchase.recorded",
        entity_type="purchase",
        entity_id=purchase.id,
        after=purchase_facts(purchase, supplier.code),
    )
    return Recorded(purchase, created=True)


def delete_purchase(db: Session, *, actor: Actor, purchase_id: int, reason: str | None) -> Purchase:
    """Remove a purchase recorded by mistake (administrators): audited with its facts and why.

    Its summaries change in the same transaction; the buyer check it came from stays on record.
    """
    why = read_field("reason", inputs.exception_reason, reason)
    if why is None:
        raise invalid_field("reason", "missing")
    purchase = db.get(Purchase, purchase_id)
    if purchase is None:
        raise NotFound()
    supplier = db.get(Supplier, purchase.supplier_id)
    facts = purchase_facts(purchase, supplier.code if supplier else "")
    db.expunge(purchase)
    summaries.delete_purchases(db, col(Purchase.id) == purchase_id)
    audit.record(
        db,
        actor=actor,
        action="purchase.deleted",
        entity_type="purchase",
        entity_id=purchase_id,
        before=facts,
        after={"reason": why},
    )
    return purchase
