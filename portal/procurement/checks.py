"""Buyer checks: the decision recorded, and what the pages show about a check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.checking import Label, RuleSet
from portal.checking.ruleset import Material
from portal.db import utcnow
from portal.declarations.models import Declaration
from portal.procurement.decision import (
    Answer,
    CheckVerdict,
    Judge,
    version_note,
)
from portal.procurement.lookup import (
    CheckInput,
    candidate_of,
    find_supplier_by_id,
    invalid_field,
    load_candidates,
)
from portal.procurement.models import BuyerCheck, Purchase
from portal.suppliers.models import Supplier

# --- checks -------------------------------------------------------------------------------


def check_values(
    answer: Answer, *, supplier_id: int, user_id: int, via_api: bool, at: datetime | None = None
) -> dict[str, Any]:
    """The columns of the record of one answer."""
    return {
        "at": at or utcnow(),
        "user_id": user_id,
        "via_api": via_api,
        "supplier_id": supplier_id,
        "material_code": answer.material.code,
        "quantity_t": answer.quantity_t,
        "check_date": answer.on,
        "product_line": answer.product_line.value,
        "verdict": answer.verdict.value,
        "reasons": [reason.to_dict() for reason in answer.reasons],
        "declaration_id": answer.declaration.id if answer.declaration else None,
        "factor_source": answer.factor_source.value,
        "pcf_t_per_t": answer.pcf_t_per_t,
        "recycled_fraction": answer.recycled_fraction,
        "emissions_t": answer.emissions_t,
        "recycled_t": answer.recycled_t,
        "low_carbon_label": answer.label.code if answer.label else None,
        "ruleset_revision": answer.ruleset_revision,
    }


@lru_cache(maxsize=1)
def _insert_check() -> Any:
    table = BuyerCheck.__table__  # type: ignore[attr-defined]
    return insert(table).returning(table.c.id)


@dataclass(frozen=True)
class CheckResult:
    """A recorded check with its answer."""

    check: BuyerCheck
    answer: Answer
    supplier: Supplier


def check_purchase(
    db: Session, *, actor: Actor, user_id: int, question: CheckInput, via_api: bool = False
) -> CheckResult:
    """Answer the question and record the check (who, when, input, answer)."""
    ruleset = get_ruleset()
    supplier = question.supplier
    assert supplier.id is not None
    key = (supplier.id, question.material_code)
    candidates = load_candidates(db, [(key, question.on)]).get(key, [])
    answer = Judge(ruleset).decide(
        candidates,
        material_code=question.material_code,
        quantity_t=question.quantity_t,
        on=question.on,
        product_line=question.product_line,
    )
    values = check_values(answer, supplier_id=supplier.id, user_id=user_id, via_api=via_api)
    # A plain INSERT: the ORM's unit of work cost more than the rest of the write.
    check = BuyerCheck(id=db.execute(_insert_check(), values).scalar_one(), **values)
    audit.record(
        db,
        actor=actor,
        action="check.recorded",
        entity_type="buyer_check",
        entity_id=check.id,
        after={
            "supplier": supplier.code,
            "material": check.material_code,
            "quantity_t": check.quantity_t,
            "date": check.check_date,
            "product_line": check.product_line,
            "verdict": check.verdict,
            "declaration_id": check.declaration_id,
            "emissions_t": check.emissions_t,
            "via_api": via_api,
        },
    )
    return CheckResult(check=check, answer=answer, supplier=supplier)


# --- what the pages show about a check ----------------------------------------------------


@dataclass(frozen=True)
class CheckCard:
    """A recorded check as the answer card shows it."""

    check: BuyerCheck
    supplier: Supplier
    material: Material | None
    declaration: Declaration | None
    label: Label | None
    purchase: Purchase | None
    declaration_note: tuple[str, str] | None = None  # which version applied and why (zh, en)

    @property
    def passed(self) -> bool:
        """Whether the purchase may go ahead without an exception."""
        return self.check.verdict == CheckVerdict.PASS

    @property
    def ruleset_short(self) -> str:
        """The rule-set revision as shown to people."""
        return self.check.ruleset_revision[:12]


def _label(ruleset: RuleSet, code: str | None) -> Label | None:
    if not code:
        return None
    for rule in ruleset.rules:
        for tier in rule.tiers:
            if tier.code == code:
                return Label(code, tier.name_zh, tier.name_en, rule.id, "", "", tier.source)
    return Label(code, code, code, "", "", "", "")


def check_card(db: Session, check: BuyerCheck) -> CheckCard:
    """Everything the answer card shows about CHECK."""
    ruleset = get_ruleset()
    supplier = find_supplier_by_id(db, check.supplier_id)
    declaration = db.get(Declaration, check.declaration_id) if check.declaration_id else None
    purchase = db.exec(select(Purchase).where(Purchase.check_id == check.id)).first()
    return CheckCard(
        check=check,
        supplier=supplier,
        material=ruleset.materials.get(check.material_code),
        declaration=declaration,
        label=_label(ruleset, check.low_carbon_label),
        purchase=purchase,
        declaration_note=_note(db, check, declaration),
    )


def _note(
    db: Session, check: BuyerCheck, declaration: Declaration | None
) -> tuple[str, str] | None:
    """Which version the check used and why, told from the declarations as they stand now."""
    if declaration is None:
        return None
    key = (check.supplier_id, check.material_code)
    candidates = load_candidates(db, [(key, check.check_date)]).get(key, [])
    chosen = next((c for c in candidates if c.id == declaration.id), None)
    if chosen is None:
        chosen = candidate_of(declaration, None)
    return version_note(chosen, candidates, check.check_date)


def get_check(db: Session, check_id: int | str | None) -> BuyerCheck:
    """The check with this id, or InvalidInput naming `check_id`."""
    key = str(check_id or "").strip()
    check = db.get(BuyerCheck, int(key)) if key.isdigit() and len(key) < 10 else None
    if check is None:
        raise invalid_field("check_id", "unknown_check")
    return check
