"""JSON API of declarations: submit with PDFs, read with verdict and readings, decide, export."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from portal.accounts.models import Role
from portal.catalog import get_ruleset
from portal.clock import plant_today
from portal.config import get_settings
from portal.db import DbSession
from portal.declarations import corrections, pact, service
from portal.declarations.downloads import pdf_response
from portal.declarations.schemas import (
    CorrectionIn,
    DecisionIn,
    DeclarationOut,
    DeclarationPage,
    FileKind,
    Problem,
    Status,
    correction_out,
    declaration_out,
    summary_out,
)
from portal.declarations.service import DeclarationInvalid, Scope, Upload
from portal.i18n import _
from portal.security import Principal, require_roles
from portal.textrules import MULTILINE

router = APIRouter(tags=["declarations"])
SupplierOnly = Annotated[Principal, Depends(require_roles(Role.SUPPLIER))]
Reviewer = Annotated[Principal, Depends(require_roles(Role.ESG, Role.BUYER))]
Reader = Annotated[Principal, Depends(require_roles(Role.SUPPLIER, Role.ESG, Role.BUYER))]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body could not be parsed"},
    404: {"model": Problem, "description": "No such declaration, or not yours"},
    422: {"model": Problem, "description": "Invalid fields or refused files"},
}
DECLARATION_PART = (
    "The declaration as a JSON object with the field names of the web form (PACT-aligned): "
    "material_code, product_name, site_name, geography_country, declared_unit_of_measurement "
    "(kilogram | tonne), declared_unit_amount, pcf_excluding_biogenic (kgCO2e per declared "
    "unit), boundary, standards (list), reference_period_start, reference_period_end, "
    "validity_period_end, primary_data_share_pct, recycled_pre_consumer_pct, "
    "recycled_post_consumer_pct, recycled_method (segregated | mass_balance), "
    "electricity_source, low_carbon_electricity_claimed (boolean), electricity_instrument, "
    "verifier_name, verification_statement_number, verification_date, comment. Dates as "
    "YYYY-MM-DD; numbers as JSON numbers or strings (a comma only groups thousands)."
)


def _scope(principal: Principal) -> Scope:
    return Scope.of(principal.role.value, principal.supplier_id)


def _problem(invalid: DeclarationInvalid) -> JSONResponse:
    return JSONResponse(
        {
            "detail": invalid.message,
            "field": invalid.field,
            "errors": [{"field": name, "message": text} for name, text in invalid.errors.items()],
        },
        status_code=422,
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _declaration_json(text: str) -> dict[str, object]:
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise DeclarationInvalid({"declaration": _("The declaration part must be a JSON object.")})
    return data


def _upload(field: str, upload: UploadFile | None, limit: int) -> Upload | None:
    if upload is None:
        return None
    data = upload.file.read(limit + 1)
    if not upload.filename and not data:
        return None
    return Upload(field=field, filename=upload.filename or "", data=data)


def _full(db: DbSession, declaration: Any) -> DeclarationOut:
    return declaration_out(
        declaration,
        service.supplier_of(db, declaration),
        service.evidence_of(db, declaration),
        getattr(service.successor_of(db, declaration), "id", None),
        plant_today(),
        [
            correction_out(correction, by.email if by else None)
            for correction, by in corrections.corrections_of(db, declaration)
        ],
    )


@router.post(
    "/declarations",
    response_model=DeclarationOut,
    status_code=201,
    name="api_submit_declaration",
    responses={
        **PROBLEMS,
        409: {"model": Problem, "description": "Replaced meanwhile"},
        503: {"model": Problem, "description": "Too many files are being read; try again"},
    },
)
def submit_declaration(
    request: Request,
    db: DbSession,
    principal: SupplierOnly,
    declaration: Annotated[
        str, Form(description=DECLARATION_PART, min_length=2, json_schema_extra=MULTILINE)
    ],
    declaration_pdf: Annotated[
        UploadFile, File(description="The declaration or CFP study report (PDF)")
    ],
    # Optional parts are typed without None so the schema does not invite a "null" text part.
    recycled_evidence_pdf: Annotated[
        UploadFile, File(description="Recycled-content evidence, e.g. ASI CoC (PDF)")
    ] = None,  # type: ignore[assignment]
    verification_pdf: Annotated[
        UploadFile, File(description="Third-party verification statement (PDF)")
    ] = None,  # type: ignore[assignment]
    supersedes_id: Annotated[
        int,  # noqa: RUF013 - optional, but never "null" (see above)
        Form(
            description=(
                "Id of the version this one follows: a rejected, withdrawn or expired one "
                "(superseded at once) or an accepted one renewed (superseded once this is "
                "accepted); its PDFs are kept unless attached again"
            ),
            ge=1,
            le=service.MAX_ID,
        ),
    ] = None,  # type: ignore[assignment]
) -> Any:
    """Submit a declaration with its PDFs; it is read, cross-checked and judged at once."""
    settings = get_settings()
    limit = service.max_upload_bytes(settings)
    uploads = [
        upload
        for upload in (
            _upload("declaration_pdf", declaration_pdf, limit),
            _upload("recycled_evidence_pdf", recycled_evidence_pdf, limit),
            _upload("verification_pdf", verification_pdf, limit),
        )
        if upload is not None
    ]
    read = service.read_uploads(db, uploads, settings)
    assert principal.supplier_id is not None
    try:
        created = service.submit(
            db,
            actor=principal.actor(request),
            supplier_id=principal.supplier_id,
            submitted_by_id=principal.user.id,
            raw=_declaration_json(declaration),
            uploads=read,
            settings=settings,
            strict=True,
            supersedes_id=supersedes_id,
        )
    except DeclarationInvalid as invalid:
        return _problem(invalid)
    return _full(db, created)


@router.get(
    "/declarations",
    response_model=DeclarationPage,
    name="api_list_declarations",
    responses={422: {"model": Problem}},
)
def list_declarations(
    db: DbSession,
    principal: Reader,
    supplier: Annotated[
        str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,32}$", description="Supplier code")
    ] = None,
    material: Annotated[
        str | None, Query(pattern=r"^[a-z0-9_]{1,64}$", description="Material code")
    ] = None,
    status: Annotated[Status | None, Query()] = None,
    expiry: Annotated[
        Literal["expired", "valid", "within_60_days"] | None,
        Query(description="valid_until before today, from today, or within 60 days"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DeclarationPage:
    """Declarations, newest first; a supplier token sees only its company's."""
    today = plant_today()
    listing = service.list_declarations(
        db,
        scope=_scope(principal),
        supplier_code=supplier,
        material_code=material,
        status=status,
        expiry=expiry,
        today=today,
        limit=limit,
        offset=offset,
    )
    return DeclarationPage(
        items=[summary_out(item, company, today) for item, company in listing.rows],
        total=listing.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/declarations/{declaration_id}",
    response_model=DeclarationOut,
    name="api_get_declaration",
    responses=PROBLEMS,
)
def get_declaration(db: DbSession, principal: Reader, declaration_id: int) -> DeclarationOut:
    """One declaration with its verdict, findings, PDF readings and mismatches."""
    return _full(db, service.get(db, scope=_scope(principal), declaration_id=declaration_id))


@router.get(
    "/declarations/{declaration_id}/pact",
    response_model=pact.PactProductFootprint,
    response_model_by_alias=True,
    response_model_exclude_none=True,
    name="api_declaration_pact",
    responses=PROBLEMS,
)
def get_pact(db: DbSession, principal: Reader, declaration_id: int) -> pact.PactProductFootprint:
    """The declaration as a PACT v3 ProductFootprint (what the portal lacks is left out)."""
    declaration = service.get(db, scope=_scope(principal), declaration_id=declaration_id)
    chain = service.version_chain(db, declaration)
    material = get_ruleset().materials.get(declaration.material_code)
    return pact.product_footprint(
        declaration,
        service.supplier_of(db, declaration),
        material_name=material.name_en if material else declaration.material_code,
        preceding_pact_ids=[earlier.pact_id for earlier in chain[: chain.index(declaration)]],
    )


@router.get(
    "/declarations/{declaration_id}/files/{kind}",
    name="api_declaration_file",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **PROBLEMS},
)
def get_file(db: DbSession, principal: Reader, declaration_id: int, kind: FileKind) -> Response:
    """One attached PDF, exactly as uploaded (its SHA-256 is in the declaration)."""
    evidence = service.evidence_file(
        db, scope=_scope(principal), declaration_id=declaration_id, kind=kind
    )
    return pdf_response(db, evidence, get_settings())


@router.post(
    "/declarations/{declaration_id}/decision",
    response_model=DeclarationOut,
    name="api_decide_declaration",
    responses={**PROBLEMS, 409: {"model": Problem, "description": "Someone decided first"}},
)
def decide(
    request: Request, db: DbSession, principal: Reviewer, declaration_id: int, body: DecisionIn
) -> DeclarationOut:
    """Accept or reject a declaration in review (rejecting needs a comment).

    Accepting a declaration with a plausibility finding (a likely unit slip) needs either a
    correction first (POST …/correction) or an `override_reason`.
    """
    decided = service.decide(
        db,
        actor=principal.actor(request),
        reviewer_id=principal.user.id,
        declaration_id=declaration_id,
        decision=body.decision,
        comment=body.comment,
        override_reason=body.override_reason,
    )
    return _full(db, decided)


@router.post(
    "/declarations/{declaration_id}/correction",
    response_model=DeclarationOut,
    name="api_correct_declaration",
    responses={**PROBLEMS, 409: {"model": Problem, "description": "Decided meanwhile"}},
)
def correct(
    request: Request, db: DbSession, principal: Reviewer, declaration_id: int, body: CorrectionIn
) -> DeclarationOut:
    """Correct the declared footprint of a declaration in review; the rules judge it again."""
    service.get(db, scope=_scope(principal), declaration_id=declaration_id)
    corrections.correct(
        db,
        actor=principal.actor(request),
        corrector_id=principal.user.id,
        declaration_id=declaration_id,
        pcf_excluding_biogenic=body.pcf_excluding_biogenic,
        declared_unit_amount=body.declared_unit_amount,
        declared_unit_of_measurement=body.declared_unit_of_measurement,
        reason=body.reason,
    )
    return _full(db, service.get(db, scope=_scope(principal), declaration_id=declaration_id))
