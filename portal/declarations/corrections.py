"""A reviewer corrects a declared footprint, or accepts it against a plausibility finding."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal import audit
from portal.accounts.models import User
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.checking import DeclarationFacts, evaluate
from portal.checking.facts import KG_PER_UNIT
from portal.db import utcnow
from portal.declarations.facts import facts_of
from portal.declarations.forms import CONTROL_CHARACTERS, FieldInvalid, parse_decimal
from portal.declarations.models import (
    Declaration,
    DeclarationCorrection,
    DeclarationStatus,
    EvidenceFile,
)
from portal.errors import Conflict, InvalidInput, NotFound
from portal.i18n import _
from portal.pdfreading import PdfReading
from portal.pdfreading.footprint_check import chosen_footprint

SIX_PLACES = Decimal("0.000001")
MAX_REASON = 2000
HOLDING = ("review", "fail", "warn")  # finding outcomes that mean "this value looks wrong"


def plausibility_findings(declaration: Declaration) -> list[dict[str, Any]]:
    """The plausibility findings (unit slips and the like) of the stored verdict."""
    detail: dict[str, Any] = declaration.verdict_detail or {}
    return [
        finding
        for finding in detail.get("findings", [])
        if finding.get("kind") == "plausibility" and finding.get("outcome") in HOLDING
    ]


def _reason(text: str, field: str) -> str:
    text = text.strip()
    if CONTROL_CHARACTERS.search(text):
        raise InvalidInput(_("Remove the control characters from this field."), field=field)
    if len(text) > MAX_REASON:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": MAX_REASON}, field=field)
    return text


def override_for_accept(declaration: Declaration, *, accepting: bool, reason: str) -> str | None:
    """The written reason to store when accepting against a plausibility finding, else None.

    InvalidInput (field override_reason) when the declaration has such a finding and no
    reason is given: the reviewer corrects the value or unit, or says why it stands.
    """
    reason = _reason(reason, "override_reason")
    if not accepting:
        return None
    if declaration.verdict == "fail":  # only after a correction: the rules reject the figures
        raise InvalidInput(
            _(
                "The rules reject the corrected figures: "
                "reject the declaration, or correct it again."
            ),
            field="decision",
        )
    if not plausibility_findings(declaration):
        return None
    if not reason:
        raise InvalidInput(
            _(
                "The declared footprint is outside the plausible range (a unit slip?). "
                "Correct the declared value or unit, or write why it is accepted as declared."
            ),
            field="override_reason",
        )
    return reason


def _parsed(raw: object, field: str) -> Decimal:
    try:
        number = parse_decimal(raw)
    except FieldInvalid as invalid:
        raise InvalidInput(str(invalid), field=field) from None
    if number <= 0:
        raise InvalidInput(_("Must be greater than %(n)s.") % {"n": 0}, field=field)
    return number


def _mismatches(
    declaration: Declaration, evidence: list[EvidenceFile], facts: DeclarationFacts
) -> list[dict[str, Any]]:
    """The PDFs' differences with the footprint checked again against the corrected figure."""
    found = list(declaration.pdf_mismatches)
    for item in evidence:
        reading = PdfReading.from_dict(item.reading)
        if not reading.candidates:
            continue  # nothing read to compare: the earlier difference (if any) stands
        found = [
            m for m in found if not (m.get("document") == item.kind and m.get("field") == "pcf")
        ]
        found += [
            {"document": item.kind, **mismatch.to_dict()}
            for mismatch in chosen_footprint(facts, reading.footprint, reading.candidates)
        ]
    return found


def correct(
    db: Session,
    *,
    actor: Actor,
    corrector_id: int | None,
    declaration_id: int,
    pcf_excluding_biogenic: object,
    declared_unit_amount: object,
    declared_unit_of_measurement: str,
    reason: str,
) -> DeclarationCorrection:
    """Correct the declared footprint of a declaration in review and judge it again.

    The supplier's figures stay on record in the correction; the declaration carries the
    corrected ones and the new verdict, and still waits for the reviewer's decision.
    """
    declaration = db.get(Declaration, declaration_id) if 0 < declaration_id < 2**31 else None
    if declaration is None:
        raise NotFound()
    if declaration.status != DeclarationStatus.IN_REVIEW:
        raise Conflict(_("This declaration is not waiting for a decision."))
    pcf = _parsed(pcf_excluding_biogenic, "pcf_excluding_biogenic")
    amount = _parsed(declared_unit_amount, "declared_unit_amount")
    unit = str(declared_unit_of_measurement or "").strip()
    if unit not in KG_PER_UNIT:
        raise InvalidInput(
            _("Choose one of: %(options)s.") % {"options": ", ".join(KG_PER_UNIT)},
            field="declared_unit_of_measurement",
        )
    reason = _reason(reason, "reason")
    if (pcf, amount, unit) == (
        declaration.pcf_excluding_biogenic,
        declaration.declared_unit_amount,
        declaration.declared_unit_of_measurement,
    ):
        raise InvalidInput(
            _("This is what the supplier declared: change the value or the unit."),
            field="pcf_excluding_biogenic",
        )
    if not reason:
        raise InvalidInput(_("Say why the declared value is corrected."), field="reason")

    evidence = list(
        db.exec(select(EvidenceFile).where(col(EvidenceFile.declaration_id) == declaration.id))
    )
    facts = replace(
        facts_of(declaration, [item.kind for item in evidence]),
        pcf_excluding_biogenic=pcf,
        declared_unit_amount=amount,
        declared_unit_of_measurement=unit,
    )
    verdict = evaluate(facts, get_ruleset(), on=declaration.submitted_on)
    t_per_t = facts.pcf_t_per_t.quantize(SIX_PLACES, ROUND_HALF_EVEN)
    correction = DeclarationCorrection(
        declaration_id=declaration_id,
        original_pcf=declaration.pcf_excluding_biogenic,
        original_amount=declaration.declared_unit_amount,
        original_unit=declaration.declared_unit_of_measurement,
        original_t_per_t=declaration.pcf_t_per_t,
        corrected_pcf=pcf,
        corrected_amount=amount,
        corrected_unit=unit,
        corrected_t_per_t=t_per_t,
        verdict_before=declaration.verdict,
        verdict_after=verdict.outcome.value,
        reason=reason,
        corrected_by_id=corrector_id,
        corrected_at=utcnow(),
    )
    # Conditional, so a correction cannot change a declaration someone decided meanwhile.
    result = db.execute(
        update(Declaration)
        .where(
            col(Declaration.id) == declaration_id,
            col(Declaration.status) == DeclarationStatus.IN_REVIEW.value,
        )
        .values(
            pcf_excluding_biogenic=pcf,
            declared_unit_amount=amount,
            declared_unit_of_measurement=unit,
            pcf_t_per_t=t_per_t,
            verdict=verdict.outcome.value,
            verdict_detail=verdict.to_dict(),
            ruleset_revision=verdict.ruleset_revision,
            pdf_mismatches=_mismatches(declaration, evidence, facts),
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("This declaration is not waiting for a decision."))
    db.refresh(declaration)
    db.add(correction)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="declaration.corrected",
        entity_type="declaration",
        entity_id=declaration_id,
        before={
            "pcf_excluding_biogenic": correction.original_pcf,
            "declared_unit_amount": correction.original_amount,
            "declared_unit_of_measurement": correction.original_unit,
            "pcf_t_per_t": correction.original_t_per_t,
            "verdict": correction.verdict_before,
        },
        after={
            "pcf_excluding_biogenic": pcf,
            "declared_unit_amount": amount,
            "declared_unit_of_measurement": unit,
            "pcf_t_per_t": t_per_t,
            "verdict": correction.verdict_after,
            "reason": reason,
            "correction_id": correction.id,
        },
    )
    return correction


def corrections_of(
    db: Session, declaration: Declaration
) -> list[tuple[DeclarationCorrection, User | None]]:
    """The corrections of a declaration, oldest first, with who made each."""
    rows = db.exec(
        select(DeclarationCorrection, User)
        .join(User, col(DeclarationCorrection.corrected_by_id) == User.id, isouter=True)
        .where(col(DeclarationCorrection.declaration_id) == declaration.id)
        .order_by(col(DeclarationCorrection.id))
    ).all()
    return [(correction, user) for correction, user in rows]
