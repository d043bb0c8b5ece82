"""Supplier company administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.background import BackgroundTask

from portal.accounts import service
from portal.accounts.models import Role
from portal.config import get_settings
from portal.db import DbSession
from portal.errors import InvalidInput
from portal.listing import ListQuery
from portal.security import Principal, require_roles
from portal.suppliers import contacts
from portal.suppliers import service as supplier_service
from portal.textrules import MULTILINE
from portal.web import redirect, render

router = APIRouter()
AdminOnly = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def _page(request: Request, db: DbSession, **extra: object) -> Response:
    query = ListQuery.read(request, sorts=supplier_service.LIST_SORTS, default="code")
    found = supplier_service.list_suppliers(db, query)
    context: dict[str, object] = {
        "suppliers": found.rows,
        "list_page": found,
        "form": {},
        "errors": {},
    }
    context.update(extra)
    return render(request, "suppliers/list.html", context, 422 if extra.get("errors") else 200)


@router.get("/admin/suppliers", name="suppliers")
def suppliers(request: Request, db: DbSession, _admin: AdminOnly) -> Response:
    """The supplier companies, searched, sorted and paged, and the form to add one."""
    return _page(request, db)


@router.post("/admin/suppliers", name="create_supplier")
def create_supplier(
    request: Request,
    db: DbSession,
    admin: AdminOnly,
    code: Annotated[str, Form()] = "",
    name_zh: Annotated[str, Form()] = "",
    name_en: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "CN",
) -> Response:
    """Add a supplier company."""
    form = {"code": code, "name_zh": name_zh, "name_en": name_en, "country": country}
    try:
        service.create_supplier(
            db,
            actor=admin.actor(request),
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            country=country,
        )
    except InvalidInput as invalid:
        return _page(request, db, form=form, errors={invalid.field: invalid.message})
    return redirect("/admin/suppliers", request)


# --- one supplier: its profile, and the administrators' changes -----------------------------

Staff = Annotated[Principal, Depends(require_roles(Role.ESG, Role.BUYER, Role.ADMIN))]


def _profile_page(
    request: Request,
    db: DbSession,
    principal: Principal,
    supplier_id: int,
    status: int = 200,
    **extra: object,
) -> Response:
    from portal.catalog import get_ruleset
    from portal.declarations.service import status_labels

    context: dict[str, object] = {
        "profile": supplier_service.profile(db, supplier_id),
        "is_admin": principal.role is Role.ADMIN,
        "materials_by_code": get_ruleset().materials,
        "status_labels": status_labels(),
        "form": {},
        "errors": {},
        "contact_problems": [],
        "contact_labels": contacts.field_labels(),
        "contacts_text": "",
        "invited": [],
        "mailed": False,
    }
    context.update(extra)
    return render(request, "suppliers/profile.html", context, status)


@router.get("/suppliers/{supplier_id}", name="supplier_profile")
def supplier_profile(
    request: Request, db: DbSession, principal: Staff, supplier_id: int
) -> Response:
    """A supplier's contacts, materials, declarations, purchases, PACT host and reminders."""
    return _profile_page(request, db, principal, supplier_id)


@router.post("/admin/suppliers/{supplier_id}", name="update_supplier")
def update_supplier(
    request: Request,
    db: DbSession,
    admin: AdminOnly,
    supplier_id: int,
    name_zh: Annotated[str, Form()] = "",
    name_en: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "",
) -> Response:
    """Change a company's names and country."""
    form = {"name_zh": name_zh, "name_en": name_en, "country": country}
    try:
        supplier_service.update_supplier(
            db,
            actor=admin.actor(request),
            supplier_id=supplier_id,
            name_zh=name_zh,
            name_en=name_en,
            country=country,
        )
    except InvalidInput as invalid:
        return _profile_page(
            request, db, admin, supplier_id, 422, form=form, errors={invalid.field: invalid.message}
        )
    return redirect(f"/suppliers/{supplier_id}", request)


@router.post("/admin/suppliers/{supplier_id}/active", name="set_supplier_active")
def set_supplier_active(
    request: Request,
    db: DbSession,
    admin: AdminOnly,
    supplier_id: int,
    active: Annotated[str, Form()] = "false",
) -> Response:
    """Deactivate (its users are signed out and their tokens revoked) or reactivate a company."""
    try:
        supplier_service.set_supplier_active(
            db, actor=admin.actor(request), supplier_id=supplier_id, active=active == "true"
        )
    except InvalidInput as invalid:
        return _profile_page(
            request, db, admin, supplier_id, 422, errors={invalid.field: invalid.message}
        )
    return redirect(f"/suppliers/{supplier_id}", request)


@router.post("/admin/suppliers/{supplier_id}/contacts", name="invite_contacts")
def invite_contacts(
    request: Request,
    db: DbSession,
    admin: AdminOnly,
    supplier_id: int,
    contacts_text: Annotated[str, Form(json_schema_extra=MULTILINE)] = "",
    contacts_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Invite everyone on a pasted list or CSV file, or nobody if a line is wrong."""
    settings = get_settings()
    try:
        text = contacts_text
        if contacts_file is not None and contacts_file.filename:
            text = contacts.decode(contacts_file.file.read(contacts.MAX_FILE_BYTES + 1))
        invited = contacts.invite_all(
            db, actor=admin.actor(request), supplier_id=supplier_id, text=text, settings=settings
        )
    except contacts.ContactsInvalid as invalid:
        return _profile_page(
            request,
            db,
            admin,
            supplier_id,
            422,
            contact_problems=invalid.problems,
            contacts_text=contacts_text,
        )
    page = _profile_page(
        request, db, admin, supplier_id, invited=invited, mailed=bool(settings.smtp_host)
    )
    page.headers["Cache-Control"] = "no-store"  # the links work once; no cache keeps them
    page.background = BackgroundTask(contacts.mail_all, invited, settings)
    return page
