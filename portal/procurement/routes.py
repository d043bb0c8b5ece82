"""Pages for buyers: the purchase check, the purchase ledger and ERP imports."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from portal.accounts.models import Role
from portal.catalog import get_ruleset
from portal.clock import plant_today
from portal.config import get_settings
from portal.db import DbSession
from portal.errors import Conflict, InvalidInput
from portal.i18n import current_locale
from portal.jobs.runner import live_progress
from portal.listing import ListQuery, Page
from portal.procurement import importfile, imports, importstore, inputs, service
from portal.procurement.decision import FactorSource, ProductLine
from portal.procurement.importfile import COLUMNS, template_csv
from portal.procurement.messages import field_label, file_problem_text, problem_text
from portal.security import Principal, require_roles
from portal.textrules import MULTILINE
from portal.web import ExportHeaders, is_htmx, redirect, render

router = APIRouter()
Buyer = Annotated[Principal, Depends(require_roles(Role.BUYER))]
LedgerReader = Annotated[Principal, Depends(require_roles(Role.BUYER, Role.ESG))]
PAGE_SIZE = 100
PREVIEW_ROWS = 2000  # a larger file's table shows its problem lines and the first lines
MIB = 1024 * 1024


def _user_id(principal: Principal) -> int:
    assert principal.user.id is not None
    return principal.user.id


# --- the check ----------------------------------------------------------------------------


def _checks_page(request: Request, form: dict[str, Any], **extra: Any) -> Response:
    status = 422 if extra.get("errors") else 409 if extra.get("conflict") else 200
    context: dict[str, Any] = {
        "form": form,
        "errors": {},
        "product_lines": list(ProductLine),
        "card": None,
    }
    context.update(extra)
    return render(request, "procurement/checks.html", context, status)


@router.get("/checks", name="checks")
def checks(request: Request, _buyer: Buyer) -> Response:
    """The purchase check form."""
    form = {"date": plant_today().isoformat(), "product_line": ProductLine.ALLOY.value}
    return _checks_page(request, form)


@router.post("/checks", name="run_check")
def run_check(
    request: Request,
    db: DbSession,
    buyer: Buyer,
    supplier: Annotated[str, Form(max_length=200)] = "",
    material: Annotated[str, Form(max_length=200)] = "",
    quantity_t: Annotated[str, Form(max_length=50)] = "",
    date: Annotated[str, Form(max_length=50)] = "",
    product_line: Annotated[str, Form(max_length=50)] = "",
) -> Response:
    """Answer the check and show the answer card (in place for htmx)."""
    form = {
        "supplier": supplier,
        "material": material,
        "quantity_t": quantity_t,
        "date": date,
        "product_line": product_line,
    }
    try:
        question = service.read_check(
            db,
            supplier=supplier,
            material=material,
            quantity_t=quantity_t,
            on=date,
            product_line=product_line,
        )
        result = service.check_purchase(
            db, actor=buyer.actor(request), user_id=_user_id(buyer), question=question
        )
    except InvalidInput as invalid:
        errors = {invalid.field or "form": invalid.message}
        if is_htmx(request):
            return render(
                request,
                "procurement/_check_error.html",
                {"errors": errors, "field_label": field_label},
            )
        return _checks_page(request, form, errors=errors)
    card = service.check_card(db, result.check)
    if is_htmx(request):
        return render(request, "procurement/_answer.html", {"card": card, "record": {}})
    return _checks_page(request, form, card=card, record={})


@router.get("/checks/suppliers", name="suggest_suppliers")
def suggest_suppliers(
    request: Request, db: DbSession, _buyer: Buyer, q: str = "", supplier: str = ""
) -> Response:
    """Suppliers matching what the buyer typed (code or name)."""
    found = service.search_suppliers(db, q or supplier)
    options = [(s.code, f"{s.code} · {s.name(current_locale.get())}") for s in found]
    return render(
        request, "procurement/_suggestions.html", {"target": "supplier", "options": options}
    )


@router.get("/checks/materials", name="suggest_materials")
def suggest_materials(request: Request, _buyer: Buyer, q: str = "", material: str = "") -> Response:
    """Catalog materials matching what the buyer typed (code or name)."""
    found = service.search_materials(get_ruleset(), q or material)
    options = [(m.code, f"{m.code} · {m.name(current_locale.get())}") for m in found]
    return render(
        request, "procurement/_suggestions.html", {"target": "material", "options": options}
    )


@router.post("/purchases", name="record_purchase")
def record_purchase(
    request: Request,
    db: DbSession,
    buyer: Buyer,
    check_id: Annotated[str, Form(max_length=20)] = "",
    po_number: Annotated[str, Form(max_length=200)] = "",
    po_line: Annotated[str, Form(max_length=20)] = "1",
    exception_reason: Annotated[str, Form(max_length=4000, json_schema_extra=MULTILINE)] = "",
) -> Response:
    """Record the purchase a check allowed (a failed check needs a reason)."""
    record = {"po_number": po_number, "po_line": po_line, "exception_reason": exception_reason}
    check = service.get_check(db, check_id)
    try:
        purchase = service.record_purchase(
            db,
            actor=buyer.actor(request),
            user_id=_user_id(buyer),
            check_id=check.id,
            po_number=po_number,
            po_line=po_line,
            exception_reason=exception_reason,
        )
    except (InvalidInput, Conflict) as refused:
        card = service.check_card(db, check)
        context = {
            "card": card,
            "record": record,
            "record_errors": {refused.field or "form": refused.message},
        }
        if is_htmx(request):
            return render(request, "procurement/_answer.html", context)
        return _checks_page(
            request,
            {
                "supplier": card.supplier.code,
                "material": check.material_code,
                "quantity_t": check.quantity_t,
                "date": check.check_date.isoformat(),
                "product_line": check.product_line,
            },
            errors={} if isinstance(refused, Conflict) else {"record": refused.message},
            conflict=isinstance(refused, Conflict),
            **context,
        )
    if is_htmx(request):
        return render(
            request,
            "procurement/_recorded.html",
            {"purchase": purchase, "card": service.check_card(db, check)},
        )
    return redirect(f"/purchases?recorded={purchase.id}", request)


# --- the ledger ---------------------------------------------------------------------------


def _optional_day(text: str | None) -> date | None:
    try:
        return inputs.day(text) if text else None
    except inputs.BadValue:
        return None


def filters_from(query: QueryParams) -> service.PurchaseFilters:
    """Filters from a list page's query string; values that make no sense are ignored."""
    year = query.get("year", "")
    line = query.get("product_line", "")
    source = query.get("factor_source", "")
    import_id = query.get("import_id", "")
    return service.PurchaseFilters(
        year=int(year) if year.isdigit() and len(year) == 4 else None,
        product_line=line if line in {p.value for p in ProductLine} else None,
        supplier=query.get("supplier", "").strip()[:32] or None,
        material=query.get("material", "").strip()[:64] or None,
        factor_source=source if source in {f.value for f in FactorSource} else None,
        exceptions_only=query.get("exceptions_only") in ("1", "true", "on"),
        date_from=_optional_day(query.get("date_from")),
        date_to=_optional_day(query.get("date_to")),
        import_id=int(import_id) if import_id.isdigit() and len(import_id) < 10 else None,
    )


# One-off notes of a redirect, not filters: sorting or paging the list drops them.
NOTE_PARAMS = ("recorded", "stored", "skipped")


def _ledger_query(request: Request) -> ListQuery:
    query = ListQuery.read(
        request, sorts=service.LEDGER_SORTS, default=service.LEDGER_DEFAULT, per_page=PAGE_SIZE
    )
    kept = tuple((name, value) for name, value in query.params if name not in NOTE_PARAMS)
    return replace(query, params=kept)


@router.get("/purchases", name="purchases")
def purchases(request: Request, db: DbSession, reader: LedgerReader) -> Response:
    """The purchase ledger with filters, search, sortable columns, pages, totals and CSV export."""
    filters = filters_from(request.query_params)
    query = _ledger_query(request)
    ledger = service.list_purchases(db, filters, query=query)
    recorded = request.query_params.get("recorded", "")
    context = {
        "filters": filters,
        "ledger": ledger,
        "list_page": Page(ledger.rows, ledger.total, query),
        # The export takes the filters, search and order, never the page: every matching row.
        "export_link": replace(query, path="/purchases/export.csv").link(page=None),
        "materials": list(get_ruleset().materials.values()),
        "product_lines": list(ProductLine),
        "factor_sources": list(FactorSource),
        "recorded": int(recorded) if recorded.isdigit() and len(recorded) < 10 else None,
        "can_record": reader.role is Role.BUYER,
        "emails": service.recorder_emails(db, [r.purchase.recorded_by_id for r in ledger.rows]),
    }
    return render(request, "procurement/purchases.html", context)


@router.get("/purchases/export.csv", name="purchases_csv")
def purchases_csv(
    request: Request, db: DbSession, _reader: LedgerReader, headers: ExportHeaders
) -> Response:
    """The filtered, searched ledger as a CSV file: every matching purchase, in the list's order."""
    body = service.purchases_csv(
        db, filters_from(request.query_params), headers, _ledger_query(request)
    )
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="purchases.csv"'},
    )


# --- imports ------------------------------------------------------------------------------


def _import_form(request: Request, db: DbSession, **extra: Any) -> Response:
    context: dict[str, Any] = {
        "columns": COLUMNS,
        "errors": {},
        "recent": imports.recent_imports(db),
        "max_lines": imports.BATCH_SIZE,
        "limits": {
            "lines": f"{importfile.MAX_LINES:,}",
            "rows": f"{importfile.MAX_ROWS:,}",
            "megabytes": get_settings().max_import_mb,
        },
    }
    context.update(extra)
    return render(request, "procurement/import.html", context, 422 if extra.get("errors") else 200)


@router.get("/purchases/import", name="purchase_import_form")
def purchase_import_form(request: Request, db: DbSession, _buyer: Buyer) -> Response:
    """Upload an ERP export; the columns are documented on this page."""
    return _import_form(request, db)


@router.get("/purchases/import/template.csv", name="purchase_import_template")
def purchase_import_template(_buyer: Buyer, headers: ExportHeaders) -> Response:
    """An example import file, its headers in the user's language (or as chosen)."""
    return Response(
        template_csv(headers).encode("utf-8" if headers.keys else "utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="purchase-import-template.csv"'},
    )


@router.post("/purchases/import", name="upload_purchase_import")
def upload_purchase_import(
    request: Request, db: DbSession, buyer: Buyer, file: UploadFile | None = None
) -> Response:
    """Read the file and check it (large files in the background, with progress)."""
    limit_mb = get_settings().max_import_mb
    # A plain function in the thread pool: the spooled upload is read here, never on the loop.
    data = file.file.read(limit_mb * MIB + 1) if file is not None else b""
    if len(data) > limit_mb * MIB:
        return _import_form(
            request, db, errors={"file": file_problem_text("too_large", n=limit_mb)}
        )
    try:
        purchase_import = imports.upload(
            db,
            actor=buyer.actor(request),
            user_id=_user_id(buyer),
            filename=(file.filename or "") if file is not None else "",
            data=data,
        )
    except InvalidInput as invalid:
        return _import_form(request, db, errors={"file": invalid.message})
    return redirect(f"/purchases/import/{purchase_import.id}", request)


def _progress_context(db: DbSession, purchase_import: Any) -> dict[str, Any]:
    job = imports.current_job(db, purchase_import.id)
    done, total = (job.done, job.total) if job is not None else (0, purchase_import.line_count)
    if job is not None and job.id is not None:
        done, total = live_progress(job.id) or (done, total)
    return {
        "imp": purchase_import,
        "job": job,
        "done": done,
        "total": total or purchase_import.line_count,
        "storing": purchase_import.status == imports.CONFIRMING,
    }


def _working(purchase_import: Any) -> bool:
    return purchase_import.status in (imports.CHECKING, imports.CONFIRMING)


def _preview(
    request: Request, db: DbSession, purchase_import: Any, status: int = 200, **extra: Any
) -> Response:
    if _working(purchase_import):
        context = _progress_context(db, purchase_import)
        context.update(extra)
        return render(request, "procurement/import_preview.html", context, status)
    job = imports.current_job(db, purchase_import.id)
    shown = imports.preview(
        db,
        import_id=purchase_import.id,
        checked=purchase_import.checked_count,
        rows=PREVIEW_ROWS,
        first=200,
    )
    context = {
        "imp": purchase_import,
        "job": job,
        "summary": imports.summary(db, import_id=purchase_import.id),
        "lines": shown.lines,
        "hidden": shown.hidden,
        "problem_text": problem_text,
        "field_label": field_label,
        "changed": bool(
            job is not None
            and job.kind == imports.CONFIRM_JOB
            and job.state == "done"
            and (job.result or {}).get("invalid")
            and purchase_import.status == imports.PREVIEWED
        ),
    }
    context.update(extra)
    return render(request, "procurement/import_preview.html", context, status)


@router.get("/purchases/import/{import_id}", name="purchase_import")
def purchase_import(request: Request, db: DbSession, _buyer: Buyer, import_id: int) -> Response:
    """An import's progress, or its per-line verdicts and errors before confirming."""
    return _preview(request, db, imports.get_import(db, import_id))


def _finished_url(db: DbSession, purchase_import: Any) -> str:
    job = imports.current_job(db, purchase_import.id)
    if purchase_import.status == imports.CONFIRMED and job is not None and job.result:
        stored, skipped = job.result.get("stored", 0), job.result.get("skipped", 0)
        return f"/purchases?import_id={purchase_import.id}&stored={stored}&skipped={skipped}"
    return f"/purchases/import/{purchase_import.id}"


@router.get("/purchases/import/{import_id}/progress", name="purchase_import_progress")
def purchase_import_progress(
    request: Request, db: DbSession, _buyer: Buyer, import_id: int
) -> Response:
    """How far the import's background job got; htmx polls this until it ends."""
    found = imports.get_import(db, import_id)
    if not _working(found):
        return redirect(_finished_url(db, found), request)
    if not is_htmx(request):
        return redirect(f"/purchases/import/{import_id}", request)
    return render(request, "procurement/_import_progress.html", _progress_context(db, found))


@router.post("/purchases/import/{import_id}/cancel", name="cancel_purchase_import")
def cancel_purchase_import(
    request: Request, db: DbSession, buyer: Buyer, import_id: int
) -> Response:
    """Stop checking or storing the file: nothing of it is stored."""
    imports.cancel(db, actor=buyer.actor(request), import_id=import_id)
    return redirect(f"/purchases/import/{import_id}", request)


@router.post("/purchases/import/{import_id}/confirm", name="confirm_purchase_import")
def confirm_purchase_import(
    request: Request, db: DbSession, buyer: Buyer, import_id: int
) -> Response:
    """Store the file's new lines in one transaction, or nothing if any line is invalid.

    A large file is stored by a background job, whose progress the import's page shows.
    """
    found = imports.get_import(db, import_id)
    if imports.in_background(found) and found.status != imports.CONFIRMED:
        imports.start_confirm(
            db, actor=buyer.actor(request), user_id=_user_id(buyer), import_id=import_id
        )
        return redirect(f"/purchases/import/{import_id}", request)
    outcome = importstore.confirm(
        db, actor=buyer.actor(request), user_id=_user_id(buyer), import_id=import_id
    )
    if outcome.invalid:
        return _preview(request, db, imports.get_import(db, import_id), 422, changed=True)
    return redirect(
        f"/purchases?import_id={import_id}&stored={outcome.stored}&skipped={outcome.skipped}",
        request,
    )
