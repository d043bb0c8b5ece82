"""Pages of transport and packaging: a purchase's shipments, outbound deliveries, a
shipment's figures, suppliers' dispatch sites and warehouse-record imports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlmodel import select
from starlette.datastructures import FormData, UploadFile

from portal.accounts.models import Role
from portal.clock import plant_today
from portal.db import DbSession
from portal.errors import Conflict, InvalidInput, NotFound
from portal.exportcolumns import BOM
from portal.i18n import _
from portal.logistics import imports, pages, service
from portal.logistics import tracking as logistics_tracking
from portal.logistics.checkcard import packaging_for, transport_for
from portal.logistics.core import INBOUND, OUTBOUND, PACKAGING_MATERIALS
from portal.logistics.inputs import MAX_KM, LegDraft, PackagingDraft, ShipmentDraft, amount
from portal.logistics.labels import packaging_label
from portal.logistics.packaging_routes import router as packaging_router
from portal.logistics.rules import logistics_rules
from portal.logistics.tracking_routes import router as tracking_router
from portal.procurement.models import Purchase
from portal.security import Principal, require_roles
from portal.suppliers.models import Supplier
from portal.web import ExportHeaders, environment, redirect, render

router = APIRouter()
# The check card (procurement/_answer.html) and these pages call them.
environment().globals.update(
    transport_for=transport_for,
    packaging_for=packaging_for,
    packaging_label=packaging_label,
    logistics_year=logistics_tracking.year_for_page,
)
# The tracking pages' routes as this router's own (an included router is not listed in the
# app's route table, which refuses routes without roles).
router.routes.extend(tracking_router.routes)
router.routes.extend(packaging_router.routes)
Recorder = Annotated[Principal, Depends(require_roles(Role.BUYER, Role.ESG))]
SiteEditor = Annotated[
    Principal, Depends(require_roles(Role.SUPPLIER, Role.BUYER, Role.ESG, Role.ADMIN))
]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
MIB = 1024 * 1024
FORM_LEGS = 2


def _text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def draft_from_form(form: FormData, direction: str, **fixed: str) -> ShipmentDraft:
    """The shipment a form describes (two leg rows, one packaging row)."""
    legs = [
        LegDraft(
            _text(form, f"leg{i}_mode", 40),
            _text(form, f"leg{i}_distance_km", 40),
            _text(form, f"leg{i}_carrier_co2e_t", 40),
        )
        for i in range(1, FORM_LEGS + 1)
    ]
    legs = [leg for i, leg in enumerate(legs) if i == 0 or leg.mode or leg.distance_km]
    packaging = []
    if _text(form, "pack_packaging", 40) or _text(form, "pack_mass_kg", 40):
        packaging.append(
            PackagingDraft(
                _text(form, "pack_packaging", 40),
                _text(form, "pack_mass_kg", 40),
                "yes" if form.get("pack_reusable") else "no",
                "yes" if form.get("pack_recyclable") else "no",
                _text(form, "pack_recyclable_basis", 20),
                _text(form, "pack_recycled_content_pct", 40),
                _text(form, "pack_trips", 20),
            )
        )
    return ShipmentDraft(
        direction=direction,
        reference=_text(form, "reference", 100),
        customer=_text(form, "customer"),
        shipped_on=_text(form, "shipped_on", 50),
        tonnes=_text(form, "tonnes", 50),
        legs=legs,
        packaging=packaging,
        **fixed,
    )


def _form_context() -> dict[str, Any]:
    rules = logistics_rules()
    return {
        "modes": list(rules.modes.values()),
        "packaging_materials": PACKAGING_MATERIALS,
        "leg_rows": range(1, FORM_LEGS + 1),
    }


def _purchase(db: DbSession, purchase_id: int) -> Purchase:
    purchase = db.get(Purchase, purchase_id)
    if purchase is None:
        raise NotFound()
    return purchase


@router.get("/purchases/{purchase_id}/shipments", name="purchase_shipments")
def purchase_shipments(
    request: Request, db: DbSession, _user: Recorder, purchase_id: Id
) -> Response:
    """A purchase's deliveries with their legs, and the form to record one."""
    purchase = _purchase(db, purchase_id)
    form = {"shipped_on": plant_today().isoformat(), "tonnes": str(purchase.quantity_t)}
    context = pages.purchase_page(db, purchase)
    return render(
        request,
        "logistics/purchase.html",
        {**context, **_form_context(), "form": form, "errors": {}},
    )


async def form_data(request: Request) -> FormData:
    """The posted form (already read, and cached, by the CSRF check)."""
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def _actor_id(principal: Principal) -> int | None:
    return principal.user.id


@router.post("/purchases/{purchase_id}/shipments", name="record_purchase_shipment")
def record_purchase_shipment(
    request: Request, db: DbSession, user: Recorder, purchase_id: Id, form: Form
) -> Response:
    """Record a delivery of the purchase; a refusal shows the form again naming the field."""
    purchase = _purchase(db, purchase_id)
    draft = draft_from_form(
        form, INBOUND, po_number=purchase.po_number, po_line=str(purchase.po_line)
    )
    try:
        recorded = service.record_shipment(
            db, actor=user.actor(request), user_id=_actor_id(user), draft=draft, source="form"
        )
    except (InvalidInput, Conflict) as refused:
        db.rollback()
        context = pages.purchase_page(db, purchase)
        return render(
            request,
            "logistics/purchase.html",
            {
                **context,
                **_form_context(),
                "form": {k: v for k, v in form.items() if isinstance(v, str)},
                "errors": {refused.field or "form": refused.message},
            },
            422 if isinstance(refused, InvalidInput) else 409,
        )
    return redirect(f"/shipments/{recorded.shipment.id}?recorded=1", request)


@router.get("/shipments/{shipment_id}", name="shipment")
def shipment(request: Request, db: DbSession, _user: Recorder, shipment_id: Id) -> Response:
    """A shipment's legs with each factor and its source, packaging and the findings."""
    return render(request, "logistics/shipment.html", pages.shipment_page(db, shipment_id))


@router.get("/logistics/outbound", name="outbound")
def outbound(request: Request, db: DbSession, _user: Recorder) -> Response:
    """Outbound deliveries of extrusions, and the form to record one."""
    form = {"shipped_on": plant_today().isoformat()}
    return render(
        request,
        "logistics/outbound.html",
        {**pages.outbound_page(db), **_form_context(), "form": form, "errors": {}},
    )


@router.post("/logistics/outbound", name="record_outbound")
def record_outbound(request: Request, db: DbSession, user: Recorder, form: Form) -> Response:
    """Record an outbound delivery."""
    draft = draft_from_form(form, OUTBOUND)
    try:
        recorded = service.record_shipment(
            db, actor=user.actor(request), user_id=_actor_id(user), draft=draft, source="form"
        )
    except (InvalidInput, Conflict) as refused:
        db.rollback()
        return render(
            request,
            "logistics/outbound.html",
            {
                **pages.outbound_page(db),
                **_form_context(),
                "form": {k: v for k, v in form.items() if isinstance(v, str)},
                "errors": {refused.field or "form": refused.message},
            },
            422 if isinstance(refused, InvalidInput) else 409,
        )
    return redirect(f"/shipments/{recorded.shipment.id}?recorded=1", request)


# --- dispatch sites (the supplier's profile) ------------------------------------------------


def _site_supplier(db: DbSession, user: Principal, code: str) -> Supplier | None:
    if user.role == Role.SUPPLIER:
        return db.get(Supplier, user.supplier_id) if user.supplier_id else None
    if not code:
        return None
    found = db.exec(select(Supplier).where(Supplier.code == code.strip().upper())).first()
    if found is None:
        raise NotFound()
    return found


@router.get("/logistics/sites", name="dispatch_sites")
def dispatch_sites(
    request: Request, db: DbSession, user: SiteEditor, supplier: str = ""
) -> Response:
    """A supplier's usual dispatch sites and modes (suppliers see their own)."""
    company = _site_supplier(db, user, supplier[:32])
    return render(request, "logistics/sites.html", {**pages.sites_page(db, company), "errors": {}})


@router.post("/logistics/sites", name="save_dispatch_site")
def save_dispatch_site(request: Request, db: DbSession, user: SiteEditor, form: Form) -> Response:
    """State a dispatch site, its usual mode and whether rail is possible."""
    company = _site_supplier(db, user, _text(form, "supplier", 32))
    if company is None or company.id is None:
        raise InvalidInput(_("Choose the supplier."), field="supplier")
    distance = _text(form, "distance_km", 40).strip()
    try:
        km = amount("distance_km", distance, limit=MAX_KM) if distance else None
        service.set_dispatch_site(
            db,
            actor=user.actor(request),
            user_id=_actor_id(user),
            supplier_id=company.id,
            place=_text(form, "place", 64).strip(),
            usual_mode=_text(form, "usual_mode", 40).strip(),
            rail_available=bool(form.get("rail_available")),
            distance_km=km,
            name=_text(form, "name"),
        )
    except InvalidInput as invalid:
        db.rollback()
        return render(
            request,
            "logistics/sites.html",
            {**pages.sites_page(db, company), "errors": {invalid.field or "form": invalid.message}},
            422,
        )
    suffix = "" if user.role == Role.SUPPLIER else f"&supplier={company.code}"
    return redirect(f"/logistics/sites?saved=1{suffix}", request)


# --- warehouse in/out records ------------------------------------------------------------


@router.get("/logistics/import", name="logistics_import_form")
def import_form(request: Request, db: DbSession, _user: Recorder) -> Response:
    """Upload the warehouse's in/out records (CSV or XLSX)."""
    return render(request, "logistics/import.html", pages.import_page(db, None))


@router.get("/logistics/import/template.csv", name="logistics_import_template")
def import_template(_user: Recorder, headers: ExportHeaders) -> Response:
    """A CSV with the columns the import reads, headed in the user's language (or as chosen)."""
    return Response(
        ("" if headers.keys else BOM) + imports.template_csv(headers),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="warehouse-records.csv"'},
    )


@router.post("/logistics/import", name="upload_logistics_import")
def upload_import(request: Request, db: DbSession, user: Recorder, form: Form) -> Response:
    """Read the file (in a bounded worker) and show its preview; nothing is stored yet."""
    upload = form.get("file")
    direction = _text(form, "direction", 10) or INBOUND
    if not isinstance(upload, UploadFile) and not hasattr(upload, "read"):
        return render(
            request,
            "logistics/import.html",
            {**pages.import_page(db, None), "errors": {"file": imports.no_file_message()}},
            422,
        )
    data = upload.file.read(imports.MAX_BYTES + 1)  # type: ignore[union-attr]
    try:
        found = imports.upload(
            db,
            actor=user.actor(request),
            user_id=_actor_id(user),
            filename=upload.filename or "upload",  # type: ignore[union-attr]
            data=data,
            direction=direction,
        )
    except InvalidInput as invalid:
        return render(
            request,
            "logistics/import.html",
            {**pages.import_page(db, None), "errors": {invalid.field or "file": invalid.message}},
            422,
        )
    return redirect(f"/logistics/import/{found.id}", request)


@router.get("/logistics/import/{import_id}", name="logistics_import")
def import_preview(request: Request, db: DbSession, _user: Recorder, import_id: Id) -> Response:
    """The preview: each line's shipment and findings, or its problem with its line number."""
    return render(request, "logistics/import.html", pages.import_page(db, import_id))


@router.post("/logistics/import/{import_id}/confirm", name="confirm_logistics_import")
def confirm_import(
    request: Request, db: DbSession, user: Recorder, import_id: Id, _form: Form
) -> Response:
    """Store every line of a previewed file at once (refused if any line is refused)."""
    try:
        imports.confirm(db, actor=user.actor(request), user_id=_actor_id(user), import_id=import_id)
    except (InvalidInput, Conflict) as refused:
        db.rollback()
        return render(
            request,
            "logistics/import.html",
            {**pages.import_page(db, import_id), "errors": {"confirm": refused.message}},
            422 if isinstance(refused, InvalidInput) else 409,
        )
    return redirect(f"/logistics/import/{import_id}?confirmed=1", request)
