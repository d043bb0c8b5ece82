"""The JSON shapes of the declarations API (what the OpenAPI schema promises)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer

from portal.declarations.models import Declaration, DeclarationCorrection, EvidenceFile
from portal.suppliers.models import Supplier
from portal.textrules import MULTILINE


def plain(number: Decimal) -> str:
    """A decimal as people write it: no exponent, no trailing zeros (4.200000 -> "4.2")."""
    return format(number.normalize(), "f")


Number = Annotated[Decimal, PlainSerializer(plain, return_type=str, when_used="json")]
Status = Literal["in_review", "accepted", "rejected", "superseded", "withdrawn"]
VerdictOutcome = Literal["pass", "fail", "review"]
FileKind = Literal["declaration", "recycled_evidence", "verification"]


class FieldProblem(BaseModel):
    """One field that was refused, and why (in the caller's Accept-Language)."""

    field: str
    message: str


class Problem(BaseModel):
    """An error: the first problem in `detail`/`field`, all of them in `errors`."""

    detail: str
    field: str | None = None
    errors: list[FieldProblem] = []


class FindingOut(BaseModel):
    """What one rule found."""

    rule_id: str
    kind: str
    severity: str
    outcome: Literal["pass", "fail", "review", "warn", "not_applicable"]
    observed: str
    expected: str
    message_zh: str
    message_en: str
    period_from: date | None
    period_to: date | None


class LabelOut(BaseModel):
    """A tier the footprint earned, e.g. low-carbon aluminium."""

    code: str
    name_zh: str
    name_en: str
    rule_id: str
    observed: str
    threshold: str
    source: str


class VerdictOut(BaseModel):
    """The rules engine's decision at submission, with the policy revision that made it."""

    outcome: VerdictOutcome
    evaluated_on: date | None
    ruleset_revision: str
    labels: list[LabelOut]
    findings: list[FindingOut]


class FoundFieldOut(BaseModel):
    """A value read from a PDF, with the page it is on."""

    name: str
    value: str
    unit: str | None
    t_per_t: Number | None = Field(description="footprints only: tCO2e per tonne")
    page: int
    snippet: str
    source: str = Field("text", description='"text", or "ocr" when read from a scan image')


class ReadingOut(BaseModel):
    """What the portal read from one PDF."""

    page_count: int
    has_text_layer: bool
    text_chars: int
    fields: list[FoundFieldOut]
    ocr_pages: list[int] = Field(default=[], description="pages read by OCR from scan images")


class EvidenceFileOut(BaseModel):
    """An attached PDF; fetch it from `url` and compare its SHA-256."""

    kind: FileKind
    original_name: str
    sha256: str
    size_bytes: int
    page_count: int
    has_text_layer: bool
    uploaded_at: datetime
    url: str
    reading: ReadingOut


class MismatchOut(BaseModel):
    """A field where a PDF does not bear out the declaration."""

    document: FileKind
    field: str
    form_value: str | None
    pdf_value: str | None
    page: int | None
    reason_en: str
    reason_zh: str
    kind: Literal["differs", "not_found", "needs_person"]


class DeclarationSummary(BaseModel):
    """A declaration in a list."""

    id: int
    pact_id: str
    supplier_id: int
    supplier_code: str
    material_code: str
    product_name: str
    version: int
    supersedes_id: int | None
    pcf_t_per_t: Number = Field(description="tCO2e per tonne (= kgCO2e per kg)")
    recycled_fraction: Number = Field(description="0–1, recycled aluminium per tonne")
    status: Status
    verdict: VerdictOutcome
    valid_until: date
    expired: bool
    submitted_on: date


class DeclarationOut(DeclarationSummary):
    """A declaration with everything the portal knows about it."""

    superseded_by_id: int | None
    site_name: str
    geography_country: str
    declared_unit_of_measurement: Literal["kilogram", "tonne"]
    declared_unit_amount: Number
    pcf_excluding_biogenic: Number = Field(description="kgCO2e per declared unit")
    boundary: str
    standards: list[str]
    reference_period_start: date
    reference_period_end: date
    validity_period_end: date | None
    primary_data_share_pct: Number | None
    recycled_pre_consumer_pct: Number | None
    recycled_post_consumer_pct: Number | None
    recycled_method: str | None
    electricity_source: str | None
    low_carbon_electricity_claimed: bool
    electricity_instrument: str | None
    verifier_name: str | None
    verification_statement_number: str | None
    verification_date: date | None
    comment: str
    ruleset_revision: str
    verdict_detail: VerdictOut
    pdf_mismatches: list[MismatchOut]
    files: list[EvidenceFileOut]
    submitted_at: datetime
    decided_at: datetime | None
    decision_comment: str | None
    plausibility_override: str | None = Field(
        default=None, description="why a reviewer accepted it against a plausibility finding"
    )
    corrections: list[CorrectionOut] = Field(
        default=[], description="reviewers' corrections of the declared footprint, oldest first"
    )


class DeclarationPage(BaseModel):
    """One page of a filtered list."""

    items: list[DeclarationSummary]
    total: int
    limit: int
    offset: int


class DecisionIn(BaseModel):
    """A reviewer's decision on a declaration in review; rejecting needs a comment."""

    decision: Literal["accept", "reject"]
    comment: str = Field(default="", max_length=2000, json_schema_extra=MULTILINE)
    override_reason: str = Field(
        default="",
        max_length=2000,
        json_schema_extra=MULTILINE,
        description="required to accept against a plausibility finding (e.g. a unit slip)",
    )


class CorrectionIn(BaseModel):
    """A reviewer's correction of the declared footprint; the rules judge it again."""

    pcf_excluding_biogenic: Number = Field(description="kgCO2e per declared unit")
    declared_unit_amount: Number
    declared_unit_of_measurement: Literal["kilogram", "tonne"]
    reason: str = Field(max_length=2000, json_schema_extra=MULTILINE)


class CorrectionOut(BaseModel):
    """A correction: what the supplier declared, what a reviewer corrected it to, and why."""

    id: int
    original_pcf_excluding_biogenic: Number
    original_declared_unit_amount: Number
    original_declared_unit_of_measurement: str
    original_pcf_t_per_t: Number
    corrected_pcf_excluding_biogenic: Number
    corrected_declared_unit_amount: Number
    corrected_declared_unit_of_measurement: str
    corrected_pcf_t_per_t: Number
    verdict_before: str
    verdict_after: str
    reason: str
    corrected_by: str | None
    corrected_at: datetime


def correction_out(correction: DeclarationCorrection, corrected_by: str | None) -> CorrectionOut:
    """The API view of a correction."""
    assert correction.id is not None
    return CorrectionOut(
        id=correction.id,
        original_pcf_excluding_biogenic=correction.original_pcf,
        original_declared_unit_amount=correction.original_amount,
        original_declared_unit_of_measurement=correction.original_unit,
        original_pcf_t_per_t=correction.original_t_per_t,
        corrected_pcf_excluding_biogenic=correction.corrected_pcf,
        corrected_declared_unit_amount=correction.corrected_amount,
        corrected_declared_unit_of_measurement=correction.corrected_unit,
        corrected_pcf_t_per_t=correction.corrected_t_per_t,
        verdict_before=correction.verdict_before,
        verdict_after=correction.verdict_after,
        reason=correction.reason,
        corrected_by=corrected_by,
        corrected_at=correction.corrected_at,
    )


def summary_out(declaration: Declaration, supplier: Supplier, today: date) -> DeclarationSummary:
    """The list view of a declaration."""
    assert declaration.id is not None
    return DeclarationSummary(
        id=declaration.id,
        pact_id=declaration.pact_id,
        supplier_id=declaration.supplier_id,
        supplier_code=supplier.code,
        material_code=declaration.material_code,
        product_name=declaration.product_name,
        version=declaration.version,
        supersedes_id=declaration.supersedes_id,
        pcf_t_per_t=declaration.pcf_t_per_t,
        recycled_fraction=declaration.recycled_fraction,
        status=declaration.status,
        verdict=declaration.verdict,
        valid_until=declaration.valid_until,
        expired=declaration.valid_until < today,
        submitted_on=declaration.submitted_on,
    )


def _verdict_out(declaration: Declaration) -> VerdictOut:
    detail: dict[str, Any] = declaration.verdict_detail or {}
    evaluated = detail.get("evaluated_on")
    return VerdictOut(
        outcome=detail.get("outcome", declaration.verdict),
        evaluated_on=date.fromisoformat(evaluated) if evaluated else None,
        ruleset_revision=detail.get("ruleset_revision", declaration.ruleset_revision),
        labels=[LabelOut(**label) for label in detail.get("labels", [])],
        findings=[FindingOut(**finding) for finding in detail.get("findings", [])],
    )


def file_url(declaration_id: int, kind: str) -> str:
    """Where the API serves one PDF of a declaration."""
    return f"/api/v1/declarations/{declaration_id}/files/{kind}"


def declaration_out(
    declaration: Declaration,
    supplier: Supplier,
    evidence: list[EvidenceFile],
    successor_id: int | None,
    today: date,
    corrections: list[CorrectionOut] | None = None,
) -> DeclarationOut:
    """The full view of a declaration."""
    assert declaration.id is not None
    declaration_id = declaration.id
    return DeclarationOut(
        **summary_out(declaration, supplier, today).model_dump(),
        superseded_by_id=successor_id,
        site_name=declaration.site_name,
        geography_country=declaration.geography_country,
        declared_unit_of_measurement=declaration.declared_unit_of_measurement,
        declared_unit_amount=declaration.declared_unit_amount,
        pcf_excluding_biogenic=declaration.pcf_excluding_biogenic,
        boundary=declaration.boundary,
        standards=list(declaration.standards),
        reference_period_start=declaration.reference_period_start,
        reference_period_end=declaration.reference_period_end,
        validity_period_end=declaration.validity_period_end,
        primary_data_share_pct=declaration.primary_data_share_pct,
        recycled_pre_consumer_pct=declaration.recycled_pre_consumer_pct,
        recycled_post_consumer_pct=declaration.recycled_post_consumer_pct,
        recycled_method=declaration.recycled_method,
        electricity_source=declaration.electricity_source,
        low_carbon_electricity_claimed=declaration.low_carbon_electricity_claimed,
        electricity_instrument=declaration.electricity_instrument,
        verifier_name=declaration.verifier_name,
        verification_statement_number=declaration.verification_statement_number,
        verification_date=declaration.verification_date,
        comment=declaration.comment,
        ruleset_revision=declaration.ruleset_revision,
        verdict_detail=_verdict_out(declaration),
        pdf_mismatches=[MismatchOut(**mismatch) for mismatch in declaration.pdf_mismatches],
        files=[
            EvidenceFileOut(
                kind=item.kind,
                original_name=item.original_name,
                sha256=item.sha256,
                size_bytes=item.size_bytes,
                page_count=item.page_count,
                has_text_layer=item.has_text_layer,
                uploaded_at=item.uploaded_at,
                url=file_url(declaration_id, item.kind),
                reading=ReadingOut(
                    page_count=item.page_count,
                    has_text_layer=item.has_text_layer,
                    text_chars=item.reading.get("text_chars", 0),
                    fields=item.reading.get("fields", []),
                    ocr_pages=item.reading.get("ocr_pages", []),
                ),
            )
            for item in evidence
        ],
        submitted_at=declaration.submitted_at,
        decided_at=declaration.decided_at,
        decision_comment=declaration.decision_comment,
        plausibility_override=declaration.plausibility_override,
        corrections=corrections or [],
    )
