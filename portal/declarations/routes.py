"""Declaration pages: supplier dashboard and form, detail, PDFs, reviewers' list and queue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from portal.accounts.models import Role, User
from portal.catalog import get_ruleset
from portal.clock import plant_today
from portal.config import get_settings
from portal.db import DbSession
from portal.declarations import corrections, footprint_pick, forms, service
from portal.declarations.downloads import pdf_response
from portal.declarations.models import Declaration, DeclarationStatus
from portal.declarations.queries import LIST_SORTS
from portal.declarations.service import EXPIRY_FILTERS, DeclarationInvalid, Scope, Upload
from portal.errors import InvalidInput
from portal.i18n import _
from portal.listing import ListQuery, Page, page_items
from portal.pact.received import received_for
from portal.pdfreading import FieldName, Mismatch, PdfReading
from portal.pdfreading.cues import reason_zh
from portal.security import Principal, require_roles
from portal.textrules import MULTILINE
from portal.web import redirect, render

router = APIRouter(include_in_schema=False)
SupplierOnly = Annotated[Principal, Depends(require_roles(Role.SUPPLIER))]
Reviewer = Annotated[Principal, Depends(require_roles(Role.ESG, Role.BUYER))]
Reader = Annotated[Principal, Depends(require_roles(Role.SUPPLIER, Role.ESG, Role.BUYER))]
PAGE_SIZE = 50
FILE_KINDS = tuple(forms.FILE_FIELDS.values())


async def form_data(request: Request) -> FormData:
    """The request's form (parsed once; the CSRF check may already have read it)."""
    return await request.form()


# forms.parse_fields names a bad character under its field on the re-rendered form, so the
# door check (portal.inputs_guard) leaves this form's fields to it.
form_data.checks_own_text = True  # type: ignore[attr-defined]

Posted = Annotated[FormData, Depends(form_data)]


def _scope(principal: Principal) -> Scope:
    return Scope.of(principal.role.value, principal.supplier_id)


def _reviewer(principal: Principal) -> bool:
    return principal.role in (Role.ESG, Role.BUYER)


def _choices() -> dict[str, Any]:
    ruleset = get_ruleset()
    return {
        "materials": list(ruleset.materials.values()),
        "materials_by_code": ruleset.materials,
        "labels": forms.field_labels(),
        "unit_labels": forms.unit_labels(),
        "boundary_labels": forms.boundary_labels(),
        "method_labels": forms.method_labels(),
        "electricity_labels": forms.electricity_labels(),
        "standards": forms.STANDARDS,
        "status_labels": service.status_labels(),
        "file_fields": forms.FILE_FIELDS,
        "max_upload_mb": get_settings().max_upload_mb,
    }


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


# --- supplier dashboard and reviewers' list -------------------------------------------------


@router.get("/declarations", name="declarations")
def declarations(
    request: Request,
    db: DbSession,
    principal: Reader,
    supplier: str = "",
    material: str = "",
    status: str = "",
    expiry: str = "",
    page: str = "1",
) -> Response:
    """A supplier's own declarations, or (reviewers) all of them with filters."""
    reviewer = _reviewer(principal)
    filters = {
        "supplier": str(_int(supplier) or "") if reviewer else "",
        "material": material if material in get_ruleset().materials else "",
        "status": status if status in service.status_labels() else "",
        "expiry": expiry if expiry in EXPIRY_FILTERS else "",
    }
    query = ListQuery.read(request, sorts=LIST_SORTS, default="-submitted", per_page=PAGE_SIZE)
    number = query.page
    today = plant_today()
    listing = service.list_declarations(
        db,
        scope=_scope(principal),
        supplier_id=_int(filters["supplier"]),
        material_code=filters["material"] or None,
        status=filters["status"] or None,
        expiry=filters["expiry"] or None,
        today=today,
        query=query,
    )
    followed = service.followed_ids(db, [item.id for item, _supplier in listing.rows])
    return render(
        request,
        "declarations/list.html",
        {
            **_choices(),
            "reviewer": reviewer,
            "listing": listing,
            "list_page": Page(listing.rows, listing.total, query),
            "filters": filters,
            "page": number,
            "pages": max(1, -(-listing.total // PAGE_SIZE)),
            "suppliers": service.suppliers(db) if reviewer else [],
            "today": today,
            "replaceable": lambda item: (
                item.id not in followed
                and (service.replaceable(item, today) or service.renewable(item, today))
            ),
        },
    )


# --- the form -------------------------------------------------------------------------------


def _raw(posted: FormData) -> dict[str, object]:
    raw: dict[str, object] = {
        name: posted.get(name) for name in forms.FIELD_NAMES if name != "standards"
    }
    raw["standards"] = posted.getlist("standards")
    return raw


def _uploads(posted: FormData) -> list[Upload]:
    limit = service.max_upload_bytes(get_settings())
    found = []
    for field in forms.FILE_FIELDS:
        value = posted.get(field)
        if not isinstance(value, UploadFile):
            continue
        data = value.file.read(limit + 1)
        if value.filename or data:
            found.append(Upload(field=field, filename=value.filename or "", data=data))
    return found


def _form_page(
    request: Request,
    *,
    form: dict[str, Any],
    errors: dict[str, str],
    replacing: Declaration | None = None,
    files_dropped: bool = False,
    status_code: int = 200,
    db: DbSession | None = None,
) -> Response:
    ruleset = get_ruleset()
    kept = (
        {item.kind: item for item in service.evidence_of(db, replacing)}
        if replacing is not None and db is not None
        else {}
    )
    parsed = forms.parse_fields(form, ruleset, partial=True)
    return render(
        request,
        "declarations/form.html",
        {
            **_choices(),
            "form": form,
            "errors": errors,
            "replacing": replacing,
            "renewing": replacing is not None and service.renewable(replacing, plant_today()),
            "kept_files": {
                field: kept[kind] for field, kind in forms.FILE_FIELDS.items() if kind in kept
            },
            "files_dropped": files_dropped,
            "preview": service.preview(parsed.values),
            "typed": parsed.values,
            "action": f"/declarations/{replacing.id}/replace" if replacing else "/declarations",
        },
        status_code,
    )


@router.get("/declarations/new", name="new_declaration")
def new_declaration(request: Request, principal: SupplierOnly, material: str = "") -> Response:
    """An empty declaration form (optionally for one material)."""
    form = forms.form_values({"material_code": material})
    return _form_page(request, form=form, errors={})


def _submit(
    request: Request,
    db: DbSession,
    principal: Principal,
    posted: FormData,
    replacing: Declaration | None,
) -> Response:
    raw = _raw(posted)
    uploads = _uploads(posted)
    read = service.read_uploads(db, uploads, get_settings())
    assert principal.supplier_id is not None
    try:
        declaration = service.submit(
            db,
            actor=principal.actor(request),
            supplier_id=principal.supplier_id,
            submitted_by_id=principal.user.id,
            raw=raw,
            uploads=read,
            settings=get_settings(),
            supersedes_id=replacing.id if replacing else None,
        )
    except DeclarationInvalid as invalid:
        return _form_page(
            request,
            form=forms.form_values(raw),
            errors=invalid.errors,
            replacing=replacing,
            files_dropped=bool(uploads),
            status_code=422,
            db=db,
        )
    return redirect(f"/declarations/{declaration.id}", request)


@router.post("/declarations", name="submit_declaration")
def submit_declaration(
    request: Request, db: DbSession, principal: SupplierOnly, posted: Posted
) -> Response:
    """Submit the form with its PDFs; the verdict page follows, or the form with errors."""
    return _submit(request, db, principal, posted, None)


@router.post("/declarations/validate", name="validate_declaration")
def validate_declaration(request: Request, principal: SupplierOnly, posted: Posted) -> Response:
    """Field errors and the threshold that will apply, for htmx as the supplier types."""
    parsed = forms.parse_fields(_raw(posted), get_ruleset(), partial=True)
    return render(
        request,
        "declarations/_feedback.html",
        {
            **_choices(),
            "errors": parsed.errors,
            "preview": service.preview(parsed.values),
            "typed": parsed.values,
            "field_names": forms.FIELD_NAMES,
        },
    )


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _form_of(declaration: Declaration) -> dict[str, Any]:
    form: dict[str, Any] = {name: _plain(getattr(declaration, name)) for name in forms.FIELD_NAMES}
    form["standards"] = list(declaration.standards)
    form["low_carbon_electricity_claimed"] = declaration.low_carbon_electricity_claimed
    return form


@router.get("/declarations/{declaration_id}/replace", name="replace_declaration_form")
def replace_form(
    request: Request, db: DbSession, principal: SupplierOnly, declaration_id: int
) -> Response:
    """The form for a new version, filled in; or, if none may be made now, a page saying why."""
    old = service.get(db, scope=_scope(principal), declaration_id=declaration_id)
    refusal = service.new_version_refusal(db, old, plant_today())
    if refusal is not None:
        return render(
            request,
            "declarations/replace_refused.html",
            {
                **_choices(),
                "declaration": old,
                "refusal": refusal,
                "successor": service.successor_of(db, old),
            },
            409,
        )
    return _form_page(request, form=_form_of(old), errors={}, replacing=old, db=db)


@router.post("/declarations/{declaration_id}/replace", name="replace_declaration")
def replace_declaration(
    request: Request, db: DbSession, principal: SupplierOnly, declaration_id: int, posted: Posted
) -> Response:
    """Submit a new version; the old one stays, marked superseded."""
    old = service.get(db, scope=_scope(principal), declaration_id=declaration_id)
    return _submit(request, db, principal, posted, old)


# --- one declaration ------------------------------------------------------------------------


def _found_labels() -> dict[str, str]:
    return {
        FieldName.STANDARD: _("Standard"),
        FieldName.PCF: _("Carbon footprint"),
        FieldName.CO2E_PER_MASS: _("CO2e per mass (not labelled as the footprint)"),
        FieldName.VERIFIER: _("Verifier"),
        FieldName.STATEMENT_NUMBER: _("Statement number"),
        FieldName.CERTIFICATE_NUMBER: _("Certificate number"),
        FieldName.REFERENCE_PERIOD_START: _("Reference period start"),
        FieldName.REFERENCE_PERIOD_END: _("Reference period end"),
        FieldName.VALIDITY_START: _("Valid from"),
        FieldName.VALIDITY_END: _("Valid until"),
        FieldName.VERIFICATION_DATE: _("Verification date"),
        FieldName.ISSUE_DATE: _("Date of issue"),
        FieldName.DATE: _("Date (not labelled)"),
        FieldName.RECYCLED_PRE_CONSUMER_PCT: _("Pre-consumer recycled content"),
        FieldName.RECYCLED_POST_CONSUMER_PCT: _("Post-consumer recycled content"),
        FieldName.RECYCLED_CONTENT_PCT: _("Total recycled content"),
    }


def _kind_labels() -> dict[str, str]:
    labels = forms.field_labels()
    return {kind: labels[field] for field, kind in forms.FILE_FIELDS.items()}


def _detail(
    request: Request,
    db: DbSession,
    principal: Principal,
    declaration: Declaration,
    *,
    review_mode: bool = False,
    shown_file: str = "declaration",
    decision_errors: dict[str, str] | None = None,
    typed_comment: str = "",
    typed: dict[str, str] | None = None,
    status_code: int = 200,
    withdraw_error: str = "",
) -> Response:
    today = plant_today()
    evidence = service.evidence_of(db, declaration)
    material = get_ruleset().materials.get(declaration.material_code)
    decided_by = db.get(User, declaration.decided_by_id) if declaration.decided_by_id else None
    submitted_by = (
        db.get(User, declaration.submitted_by_id) if declaration.submitted_by_id else None
    )
    kinds = [item.kind for item in evidence]
    successor = service.successor_of(db, declaration)
    return render(
        request,
        "declarations/detail.html",
        {
            **_choices(),
            "declaration": declaration,
            "supplier": service.supplier_of(db, declaration),
            "material": material,
            "verdict": service.stored_verdict(declaration),
            "mismatches": [
                (item.get("document", ""), Mismatch.from_dict(_mismatch_fields(item)))
                for item in declaration.pdf_mismatches
            ],
            "evidence": [(item, PdfReading.from_dict(item.reading)) for item in evidence],
            "chain": service.version_chain(db, declaration),
            "successor": successor,
            "can_replace": principal.role is Role.SUPPLIER
            and service.replaceable(declaration, today)
            and successor is None,
            "can_renew": principal.role is Role.SUPPLIER
            and service.renewable(declaration, today)
            and successor is None,
            "can_withdraw": principal.role is Role.SUPPLIER
            and declaration.status == DeclarationStatus.IN_REVIEW,
            "renewal_pending": successor is not None
            and declaration.status == DeclarationStatus.ACCEPTED,
            "withdraw_error": withdraw_error,
            "reviewer": _reviewer(principal),
            "review_mode": review_mode,
            "shown_file": shown_file if shown_file in kinds else (kinds[0] if kinds else ""),
            "decided_by": decided_by,
            "submitted_by": submitted_by,
            "expired": declaration.valid_until < today,
            "found_labels": _found_labels(),
            "reason_zh": reason_zh,
            "kind_labels": _kind_labels(),
            "decision_errors": decision_errors or {},
            "typed_comment": typed_comment,
            "in_review": declaration.status == DeclarationStatus.IN_REVIEW,
            "corrections": corrections.corrections_of(db, declaration),
            "received_over_pact": received_for(db, declaration.id or 0),
            "implausible": corrections.plausibility_findings(declaration),
            "typed": {
                "pcf_excluding_biogenic": _plain(declaration.pcf_excluding_biogenic),
                "declared_unit_amount": _plain(declaration.declared_unit_amount),
                "declared_unit_of_measurement": declaration.declared_unit_of_measurement,
                **(typed or {}),
            },
        },
        status_code,
    )


def _mismatch_fields(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key != "document"}


@router.get("/declarations/{declaration_id}", name="declaration")
def declaration_page(
    request: Request, db: DbSession, principal: Reader, declaration_id: int
) -> Response:
    """The declaration, its verdict, what was read from its PDFs and its versions."""
    declaration = service.get(db, scope=_scope(principal), declaration_id=declaration_id)
    return _detail(request, db, principal, declaration)


@router.get("/declarations/{declaration_id}/files/{kind}", name="declaration_file")
def declaration_file(db: DbSession, principal: Reader, declaration_id: int, kind: str) -> Response:
    """One attached PDF, for the browser to show (only to those who may see the declaration)."""
    evidence = service.evidence_file(
        db, scope=_scope(principal), declaration_id=declaration_id, kind=kind
    )
    return pdf_response(db, evidence, get_settings())


@router.post("/declarations/{declaration_id}/withdraw", name="withdraw_declaration")
def withdraw_declaration(
    request: Request,
    db: DbSession,
    principal: SupplierOnly,
    declaration_id: int,
    reason: Annotated[str, Form(json_schema_extra=MULTILINE)] = "",
) -> Response:
    """Take back a declaration in review (reviewers no longer see it); it can then be replaced."""
    assert principal.supplier_id is not None
    try:
        service.withdraw(
            db,
            actor=principal.actor(request),
            supplier_id=principal.supplier_id,
            user_id=principal.user.id,
            declaration_id=declaration_id,
            reason=reason,
        )
    except InvalidInput as invalid:
        declaration = service.get(db, scope=_scope(principal), declaration_id=declaration_id)
        return _detail(
            request, db, principal, declaration, withdraw_error=invalid.message, status_code=422
        )
    return redirect(f"/declarations/{declaration_id}", request)


# --- reviewers ------------------------------------------------------------------------------


@router.get("/review", name="review_queue")
def review_queue(request: Request, db: DbSession, principal: Reviewer) -> Response:
    """Declarations the rules sent to a person, oldest first; searched, sorted, paged."""
    query = ListQuery.read(request, sorts=QUEUE_SORTS, default="submitted", per_page=PAGE_SIZE)
    materials = get_ruleset().materials

    def texts(row: tuple[Declaration, Any]) -> tuple[str, ...]:
        declaration, supplier = row
        material = materials.get(declaration.material_code)
        names = (material.name_zh, material.name_en) if material else ()
        return (supplier.code, supplier.name_zh, supplier.name_en, declaration.product_name, *names)

    page = page_items(service.review_queue(db), query, texts=texts, keys=QUEUE_SORTS)
    return render(
        request,
        "declarations/review_queue.html",
        {**_choices(), "queue": page.rows, "list_page": page, "today": plant_today()},
    )


QUEUE_SORTS: dict[str, Any] = {
    "supplier": lambda row: row[1].code,
    "material": lambda row: row[0].material_code,
    "product": lambda row: row[0].product_name,
    "pcf": lambda row: row[0].pcf_t_per_t,
    "submitted": lambda row: (row[0].submitted_at, row[0].id),
}


@router.get("/review/{declaration_id}", name="review_declaration")
def review_page(
    request: Request, db: DbSession, principal: Reviewer, declaration_id: int, file: str = ""
) -> Response:
    """A declaration with its PDF beside the findings, and the decision form."""
    declaration = service.get(db, scope=_scope(principal), declaration_id=declaration_id)
    return _detail(
        request, db, principal, declaration, review_mode=True, shown_file=file or "declaration"
    )


@router.post("/review/{declaration_id}/decision", name="decide_declaration")
def decide(
    request: Request,
    db: DbSession,
    principal: Reviewer,
    declaration_id: int,
    decision: Annotated[str, Form()] = "",
    comment: Annotated[str, Form(json_schema_extra=MULTILINE)] = "",
    override_reason: Annotated[str, Form(json_schema_extra=MULTILINE)] = "",
) -> Response:
    """Accept or reject; the loser of two reviewers deciding at once gets a 409 page."""
    try:
        service.decide(
            db,
            actor=principal.actor(request),
            reviewer_id=principal.user.id,
            declaration_id=declaration_id,
            decision=decision,
            comment=comment,
            override_reason=override_reason,
        )
    except InvalidInput as invalid:
        declaration = service.get(db, scope=_scope(principal), declaration_id=declaration_id)
        return _detail(
            request,
            db,
            principal,
            declaration,
            review_mode=True,
            decision_errors={invalid.field or "decision": invalid.message},
            typed_comment=comment,
            typed={"override_reason": override_reason},
            status_code=422,
        )
    return redirect(f"/declarations/{declaration_id}", request)


@router.post("/review/{declaration_id}/footprint", name="pick_footprint")
def pick_footprint(
    request: Request,
    db: DbSession,
    principal: Reviewer,
    declaration_id: int,
    document: Annotated[str, Form()] = "",
    candidate: Annotated[str, Form()] = "",
) -> Response:
    """Take one of a document's candidate figures as its footprint (recorded in the audit)."""
    try:
        footprint_pick.pick_footprint(
            db,
            actor=principal.actor(request),
            declaration_id=declaration_id,
            document_kind=document,
            candidate_index=int(candidate) if candidate.isdigit() else -1,
        )
    except InvalidInput as invalid:
        declaration = service.get(db, scope=_scope(principal), declaration_id=declaration_id)
        return _detail(
            request,
            db,
            principal,
            declaration,
            review_mode=True,
            decision_errors={invalid.field or "candidate": invalid.message},
            status_code=422,
        )
    return redirect(f"/review/{declaration_id}?file={document}", request)


@router.post("/review/{declaration_id}/correction", name="correct_declaration")
def correct_declaration(
    request: Request,
    db: DbSession,
    principal: Reviewer,
    declaration_id: int,
    pcf_excluding_biogenic: Annotated[str, Form()] = "",
    declared_unit_amount: Annotated[str, Form()] = "",
    declared_unit_of_measurement: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(json_schema_extra=MULTILINE)] = "",
) -> Response:
    """Correct the declared footprint (recorded, shown to the supplier) and judge it again."""
    typed = {
        "pcf_excluding_biogenic": pcf_excluding_biogenic,
        "declared_unit_amount": declared_unit_amount,
        "declared_unit_of_measurement": declared_unit_of_measurement,
        "reason": reason,
    }
    try:
        corrections.correct(
            db,
            actor=principal.actor(request),
            corrector_id=principal.user.id,
            declaration_id=declaration_id,
            pcf_excluding_biogenic=pcf_excluding_biogenic,
            declared_unit_amount=declared_unit_amount,
            declared_unit_of_measurement=declared_unit_of_measurement,
            reason=reason,
        )
    except InvalidInput as invalid:
        declaration = service.get(db, scope=_scope(principal), declaration_id=declaration_id)
        return _detail(
            request,
            db,
            principal,
            declaration,
            review_mode=True,
            decision_errors={invalid.field or "pcf_excluding_biogenic": invalid.message},
            typed=typed,
            status_code=422,
        )
    return redirect(f"/review/{declaration_id}", request)
