"""Submitting a declaration, or a new version of one: read, judge and store it with its PDFs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal import audit
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.checking import DeclarationFacts, Outcome, RuleSet, Verdict, evaluate
from portal.clock import plant_today
from portal.config import Settings
from portal.declarations import files, filestore
from portal.declarations.forms import facts_from, parse_fields
from portal.declarations.lifecycle import (
    new_version_refusal,
    renewable,
    supersede,
    supersede_renewed,
)
from portal.declarations.models import Declaration, DeclarationStatus, EvidenceFile
from portal.declarations.queries import Scope, evidence_of, get
from portal.declarations.reading import (
    ReadUploads,
    Upload,
    _read_uploads,
    missing_declaration_message,
)
from portal.errors import Conflict, InvalidInput
from portal.i18n import _
from portal.notifications import hooks as notify_hooks
from portal.pdfreading import PdfReading, cross_check

SIX_PLACES = Decimal("0.000001")
ONE = Decimal(1)
STATUS_OF_OUTCOME = {
    Outcome.PASS: DeclarationStatus.ACCEPTED,
    Outcome.REVIEW: DeclarationStatus.IN_REVIEW,
    Outcome.FAIL: DeclarationStatus.REJECTED,
}


class DeclarationInvalid(InvalidInput):
    """Some fields or files of a submission are wrong; ERRORS maps field -> message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        first = next(iter(errors))
        super().__init__(errors[first], field=first)
        self.errors = dict(errors)


def recycled_fraction_of(facts: DeclarationFacts, ruleset: RuleSet) -> Decimal:
    """Recycled aluminium per tonne, 0–1: scrap counts whole, other aluminium pre + post."""
    material = ruleset.material(facts.material_code)
    if material.recycled_by_nature:
        return ONE
    if not material.aluminium_bearing:
        return Decimal(0)
    content = facts.recycled_content_pct or Decimal(0)
    return min(ONE, content / 100).quantize(SIX_PLACES, ROUND_HALF_EVEN)


def _mismatches(
    facts: DeclarationFacts, readings: Mapping[str, PdfReading]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for kind, reading in readings.items():
        for mismatch in cross_check(
            facts,
            list(reading.fields),
            document_kind=kind,
            has_text_layer=reading.has_text_layer,
            footprint=reading.footprint,
            candidates=reading.candidates,
            garbled_pages=reading.garbled_pages,
        ):
            found.append({"document": kind, **mismatch.to_dict()})
    return found


def _status(verdict: Verdict, mismatches: list[dict[str, Any]]) -> DeclarationStatus:
    status = STATUS_OF_OUTCOME[verdict.outcome]
    if status is DeclarationStatus.ACCEPTED and mismatches:
        return DeclarationStatus.IN_REVIEW  # the machine passed it, the documents disagree
    return status


def _clean_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(c for c in base if c.isprintable()).strip()
    return printable[:255] or "evidence.pdf"


def submit(
    db: Session,
    *,
    actor: Actor,
    supplier_id: int,
    submitted_by_id: int | None,
    raw: Mapping[str, object],
    uploads: Sequence[Upload] | ReadUploads,
    settings: Settings,
    strict: bool = False,
    supersedes_id: int | None = None,
    today: date | None = None,
) -> Declaration:
    """Check, read, judge and store a declaration with its PDFs; DeclarationInvalid if bad.

    STRICT reads RAW as API JSON (types matter, unknown keys are refused). UPLOADS may come
    already read (`read_uploads`), as the web routes do. With SUPERSEDES_ID the declaration
    is a new version: it keeps the old version's files the supplier did not attach again; a
    rejected, withdrawn or expired old version is superseded at once, an accepted one still
    valid (a renewal) only once the new version is accepted.
    """
    today = today or plant_today()
    ruleset = get_ruleset()
    old = None
    kept: dict[str, EvidenceFile] = {}
    if supersedes_id is not None:
        old = get(db, scope=Scope(supplier_id), declaration_id=supersedes_id)
        refusal = new_version_refusal(db, old, today)
        if refusal is not None:
            raise Conflict(refusal)
        kept = {evidence.kind: evidence for evidence in evidence_of(db, old)}
    parsed = parse_fields(raw, ruleset, strict=strict, today=today)
    if (
        old is not None
        and parsed.values.get("material_code", old.material_code) != old.material_code
    ):
        parsed.errors["material_code"] = _("A new version must be for the same material.")
    if isinstance(uploads, ReadUploads):
        readings = uploads.readings
        for field, message in uploads.errors.items():
            if "declaration" in kept and message == missing_declaration_message():
                continue  # not attached again: the old version's declaration PDF is kept
            parsed.errors.setdefault(field, message)
    else:
        readings = _read_uploads(
            uploads, settings, parsed.errors, declaration_required="declaration" not in kept
        )
    kept = {kind: evidence for kind, evidence in kept.items() if kind not in readings}
    if parsed.errors:
        raise DeclarationInvalid(parsed.errors)

    attachments = frozenset(readings) | frozenset(kept)
    facts = facts_from(parsed.values, submitted_on=today, attachments=attachments)
    verdict = evaluate(facts, ruleset, on=today)
    read_now = {kind: reading for kind, (_upload, reading) in readings.items()}
    read_before = {kind: PdfReading.from_dict(item.reading) for kind, item in kept.items()}
    mismatches = _mismatches(facts, {**read_now, **read_before})
    status = _status(verdict, mismatches)

    renewal = old is not None and renewable(old, today)
    if old is not None and not renewal:
        supersede(db, actor=actor, old=old)
    declaration = _row(
        facts,
        ruleset,
        verdict=verdict,
        status=status,
        mismatches=mismatches,
        supplier_id=supplier_id,
        submitted_by_id=submitted_by_id,
        old=old,
        comment=parsed.values.get("comment", ""),
        today=today,
    )
    if status is DeclarationStatus.ACCEPTED:
        # Accepted without a person: by the rule set's revision, at submission.
        declaration.decided_at = declaration.submitted_at
        declaration.decided_by_ruleset = verdict.ruleset_revision
    db.add(declaration)
    _flush_or_conflict(db)
    _store_files(db, actor, declaration, readings, kept, len(mismatches), settings, old)
    if old is not None and status is DeclarationStatus.ACCEPTED:
        supersede_renewed(db, actor=actor, accepted=declaration)
    notify_hooks.after_submit(db, actor=actor, declaration=declaration)
    return declaration


def _row(
    facts: DeclarationFacts,
    ruleset: RuleSet,
    *,
    verdict: Verdict,
    status: DeclarationStatus,
    mismatches: list[dict[str, Any]],
    supplier_id: int,
    submitted_by_id: int | None,
    old: Declaration | None,
    comment: str,
    today: date,
) -> Declaration:
    return Declaration(
        supplier_id=supplier_id,
        material_code=facts.material_code,
        version=old.version + 1 if old is not None else 1,
        supersedes_id=old.id if old is not None else None,
        product_name=facts.product_name,
        site_name=facts.site_name,
        geography_country=facts.geography_country,
        declared_unit_of_measurement=facts.declared_unit_of_measurement,
        declared_unit_amount=facts.declared_unit_amount,
        pcf_excluding_biogenic=facts.pcf_excluding_biogenic,
        pcf_t_per_t=facts.pcf_t_per_t.quantize(SIX_PLACES, ROUND_HALF_EVEN),
        boundary=facts.boundary,
        standards=list(facts.standards),
        reference_period_start=facts.reference_period_start,
        reference_period_end=facts.reference_period_end,
        validity_period_end=facts.validity_period_end,
        valid_until=facts.effective_validity_end,
        primary_data_share_pct=facts.primary_data_share_pct,
        recycled_pre_consumer_pct=facts.recycled_pre_consumer_pct,
        recycled_post_consumer_pct=facts.recycled_post_consumer_pct,
        recycled_method=facts.recycled_method,
        recycled_fraction=recycled_fraction_of(facts, ruleset),
        electricity_source=facts.electricity_source,
        low_carbon_electricity_claimed=facts.low_carbon_electricity_claimed,
        electricity_instrument=facts.electricity_instrument,
        verifier_name=facts.verifier_name,
        verification_statement_number=facts.verification_statement_number,
        verification_date=facts.verification_date,
        comment=comment,
        status=status.value,
        verdict=verdict.outcome.value,
        verdict_detail=verdict.to_dict(),
        ruleset_revision=verdict.ruleset_revision,
        pdf_mismatches=mismatches,
        submitted_on=today,
        submitted_by_id=submitted_by_id,
    )


def _store_files(
    db: Session,
    actor: Actor,
    declaration: Declaration,
    readings: Mapping[str, tuple[Upload, PdfReading]],
    kept: Mapping[str, EvidenceFile],
    mismatch_count: int,
    settings: Settings,
    old: Declaration | None,
) -> None:
    assert declaration.id is not None
    stored: list[dict[str, Any]] = [
        {
            "kind": kind,
            "sha256": files.sha256_of(upload.data),
            "name": _clean_filename(upload.filename),
        }
        for kind, (upload, _reading) in readings.items()
    ]
    stored += [
        {"kind": kind, "sha256": item.sha256, "name": item.original_name, "kept_from": old.id}
        for kind, item in kept.items()
        if old is not None
    ]
    # The audit entry takes the trail's write lock, which serialises writers until commit:
    # files are written only after it, so no other transaction can come across a file that
    # this one may still remove on rollback (see files.py).
    audit.record(
        db,
        actor=actor,
        action="declaration.submitted",
        entity_type="declaration",
        entity_id=declaration.id,
        after={**summary(declaration), "files": stored, "mismatches": mismatch_count},
    )
    for item, (kind, (upload, reading)) in zip(stored, readings.items(), strict=False):
        filestore.store(db, settings, upload.data)
        db.add(
            EvidenceFile(
                declaration_id=declaration.id,
                kind=kind,
                original_name=item["name"],
                sha256=item["sha256"],
                size_bytes=len(upload.data),
                page_count=reading.page_count,
                has_text_layer=reading.has_text_layer,
                reading=reading.to_dict(),
            )
        )
    for kind, evidence in kept.items():
        # The same stored file (by its hash), attached again to the new version.
        db.add(
            EvidenceFile(
                declaration_id=declaration.id,
                kind=kind,
                original_name=evidence.original_name,
                sha256=evidence.sha256,
                size_bytes=evidence.size_bytes,
                page_count=evidence.page_count,
                has_text_layer=evidence.has_text_layer,
                reading=dict(evidence.reading),
            )
        )
    db.flush()


def _flush_or_conflict(db: Session) -> None:
    try:
        db.flush()
    except IntegrityError:
        # uq_declaration_supersedes: another new version of the same declaration won.
        raise Conflict(
            _("This declaration was replaced or decided meanwhile. Reload the page.")
        ) from None


def summary(declaration: Declaration) -> dict[str, Any]:
    """The audit trail's view of a declaration."""
    return {
        "supplier_id": declaration.supplier_id,
        "material_code": declaration.material_code,
        "product_name": declaration.product_name,
        "version": declaration.version,
        "supersedes_id": declaration.supersedes_id,
        "pcf_t_per_t": declaration.pcf_t_per_t,
        "status": declaration.status,
        "verdict": declaration.verdict,
        "ruleset_revision": declaration.ruleset_revision,
        "valid_until": declaration.valid_until,
    }
