"""Pages: PACT clients (administrators) and the plant's published footprints (ESG team)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from portal.accounts.models import Role
from portal.catalog import get_ruleset
from portal.db import DbSession, get_engine
from portal.errors import Conflict, InvalidInput
from portal.i18n import _
from portal.pact import auth, publishing, pulling, uploads
from portal.pact.config import get_pact_settings
from portal.security import Principal, require_roles
from portal.tracking import service as tracking
from portal.web import redirect, render

router = APIRouter()
AdminOnly = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
EsgOnly = Annotated[Principal, Depends(require_roles(Role.ESG))]
EsgOrAdmin = Annotated[Principal, Depends(require_roles(Role.ESG, Role.ADMIN))]


def _clients_page(
    request: Request,
    db: DbSession,
    *,
    created: auth.NewClient | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "pact/clients.html",
        {
            "clients": auth.list_clients(db),
            "suppliers": [supplier for supplier, _host in pulling.hosts_by_supplier(db)],
            "created": created,
            "errors": errors or {},
            "form": form or {},
            "token_url": request.url_for("pact_token"),
        },
        status,
    )


@router.get("/admin/pact/clients", name="pact_clients")
def pact_clients(request: Request, db: DbSession, _admin: AdminOnly) -> Response:
    """The customer companies' PACT clients."""
    return _clients_page(request, db)


@router.post("/admin/pact/clients", name="create_pact_client")
def create_pact_client(
    request: Request,
    db: DbSession,
    admin: AdminOnly,
    name: Annotated[str, Form(max_length=200)],
    callback_base_url: Annotated[str, Form(max_length=500)] = "",
    callback_client_id: Annotated[str, Form(max_length=200)] = "",
    callback_secret: Annotated[str, Form(max_length=500)] = "",
    supplier: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Create a client; its secret is shown on this answer only."""
    form = {
        "name": name,
        "callback_base_url": callback_base_url,
        "callback_client_id": callback_client_id,
    }
    try:
        supplier_id = pulling.supplier_id_of(db, supplier) if supplier else None
        created = auth.create_client(
            db,
            actor=admin.actor(request),
            name=name,
            callback_base_url=callback_base_url,
            callback_client_id=callback_client_id,
            callback_secret=callback_secret,
            supplier_id=supplier_id,
        )
    except InvalidInput as invalid:
        return _clients_page(
            request, db, errors={invalid.field or "name": invalid.message}, form=form, status=422
        )
    response = _clients_page(request, db, created=created)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/pact/clients/{client_id}/revoke", name="revoke_pact_client")
def revoke_pact_client(
    request: Request, db: DbSession, admin: AdminOnly, client_id: str
) -> Response:
    """Revoke a client: its tokens stop working at once."""
    auth.revoke_client(db, actor=admin.actor(request), client_id=client_id)
    return redirect("/admin/pact/clients", request)


def _published_page(
    request: Request,
    db: DbSession,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "pact/published.html",
        {
            "publications": publishing.publications(db),
            "lines": tracking.lines(),
            "targets_lines": publishing.get_targets().lines,
            "default_year": tracking.current_year() - 1,
            "errors": errors or {},
            "form": form or {},
            "domain": get_pact_settings().plant_domain,
        },
        status,
    )


@router.get("/pact/published", name="pact_published")
def pact_published(request: Request, db: DbSession, _who: EsgOrAdmin) -> Response:
    """What the plant published over PACT, and to whom each footprint was served."""
    return _published_page(request, db)


@router.post("/pact/published", name="publish_pact_footprint")
def publish_pact_footprint(
    request: Request,
    db: DbSession,
    esg: EsgOnly,
    line: Annotated[str, Form(max_length=16)],
    year: Annotated[int, Form()],
) -> Response:
    """Publish a product line's footprint for a year from today's figures."""
    try:
        publishing.publish(db, actor=esg.actor(request), line=line, year=tracking.check_year(year))
    except (InvalidInput, Conflict) as refused:
        db.rollback()
        return _published_page(
            request,
            db,
            errors={refused.field or "year": refused.message},
            form={"line": line, "year": year},
            status=refused.status_code,
        )
    return redirect("/pact/published", request)


@router.get("/pact/published/{footprint_id}.json", name="pact_published_json")
def pact_published_json(db: DbSession, _who: EsgOrAdmin, footprint_id: str) -> Response:
    """A published footprint as PACT v3 JSON, for download."""
    row = publishing.get_footprint(db, footprint_id)
    body = json.dumps(publishing.served_body(row), ensure_ascii=False, indent=2)
    filename = f"pact-{row.product_line}-{row.year}-{row.id[:8]}.json"
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _hosts_page(
    request: Request,
    db: DbSession,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "pact/hosts.html",
        {
            "rows": pulling.hosts_by_supplier(db),
            "materials": sorted(get_ruleset().materials),
            "errors": errors or {},
            "form": form or {},
        },
        status,
    )


@router.get("/admin/pact/hosts", name="pact_hosts")
def pact_hosts(request: Request, db: DbSession, _admin: AdminOnly) -> Response:
    """Suppliers' PACT hosts the portal pulls footprints from."""
    return _hosts_page(request, db)


def _products(text: str) -> dict[str, str]:
    products = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        urn, sep, material = line.rpartition("=")
        if not sep:
            raise InvalidInput(
                _("Write one product per line as URN = material code."), field="products"
            )
        products[urn.strip()] = material.strip()
    return products


@router.post("/admin/pact/hosts", name="set_pact_host")
def set_pact_host(
    request: Request,
    db: DbSession,
    admin: AdminOnly,
    supplier: Annotated[str, Form(max_length=32)],
    base_url: Annotated[str, Form(max_length=500)],
    client_id: Annotated[str, Form(max_length=200)],
    secret: Annotated[str, Form(max_length=500)],
    products: Annotated[str, Form(max_length=20000, json_schema_extra={"x-multiline": True})],
) -> Response:
    """Set a supplier's PACT host (the secret is stored encrypted and not shown again)."""
    form = {
        "supplier": supplier,
        "base_url": base_url,
        "client_id": client_id,
        "products": products,
    }
    try:
        pulling.set_host(
            db,
            actor=admin.actor(request),
            supplier_code=supplier,
            base_url=base_url,
            client_id=client_id,
            secret=secret,
            products=_products(products),
        )
    except InvalidInput as invalid:
        return _hosts_page(
            request,
            db,
            errors={invalid.field or "base_url": invalid.message},
            form=form,
            status=422,
        )
    return redirect("/admin/pact/hosts", request)


@router.post("/admin/pact/hosts/{code}/pull", name="pull_pact_host")
def pull_pact_host(request: Request, db: DbSession, admin: AdminOnly, code: str) -> Response:
    """Pull now: the supplier's footprints into declarations; the page shows the outcome."""
    # The pull calls another host and writes in transactions of its own: the request's is
    # ended first, so it holds no lock (SQLite's writer lock above all) while it waits.
    actor = admin.actor(request)
    db.rollback()
    pulling.pull(get_engine(), actor=actor, supplier_code=code)
    return redirect("/admin/pact/hosts", request)


SupplierOnly = Annotated[Principal, Depends(require_roles(Role.SUPPLIER))]
MAX_PACT_FILE_BYTES = 2 * 1024 * 1024


def _upload_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    created: list[int] | None = None,
    unchanged: int = 0,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    ruleset = get_ruleset()
    return render(
        request,
        "pact/upload.html",
        {
            "materials": sorted(ruleset.materials.values(), key=lambda m: m.code),
            "errors": errors or {},
            "created": created,
            "unchanged": unchanged,
            "form": form or {},
        },
        status,
    )


@router.get("/pact/upload", name="pact_upload_form")
def pact_upload_form(request: Request, _supplier: SupplierOnly) -> Response:
    """A PACT ProductFootprint JSON file instead of typing the declaration form."""
    return _upload_page(request)


@router.post("/pact/upload", name="pact_upload")
def pact_upload(
    request: Request,
    db: DbSession,
    supplier: SupplierOnly,
    material_code: Annotated[str, Form(max_length=64)],
    file: Annotated[UploadFile, File()],
) -> Response:
    """Declarations from the uploaded footprints; nothing stored when anything is wrong."""
    form = {"material_code": material_code}
    if material_code not in get_ruleset().materials:
        return _upload_page(
            request, errors={"material_code": _("Choose a material.")}, form=form, status=422
        )
    data = file.file.read(MAX_PACT_FILE_BYTES + 1)
    if len(data) > MAX_PACT_FILE_BYTES:
        message = _("The file is larger than %(n)s MB.") % {"n": MAX_PACT_FILE_BYTES // 2**20}
        return _upload_page(request, errors={"file": message}, form=form, status=413)
    assert supplier.supplier_id is not None
    try:
        report = uploads.upload(
            db,
            actor=supplier.actor(request),
            supplier_id=supplier.supplier_id,
            material_code=material_code,
            filename=file.filename or "footprint.json",
            data=data,
        )
    except uploads.UploadRefused as refused:
        db.rollback()
        return _upload_page(request, errors={"file": refused.message}, form=form, status=422)
    return _upload_page(request, created=report.created, unchanged=report.unchanged, form=form)
