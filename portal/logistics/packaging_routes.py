"""The supplier's standing packaging per material (their profile; the ESG team and admins on
a supplier's behalf): the declared items, and the form to declare, change or withdraw one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import select
from starlette.datastructures import FormData

from portal.accounts.models import Role
from portal.db import DbSession
from portal.errors import InvalidInput, NotFound
from portal.i18n import _
from portal.logistics import packaging as service
from portal.logistics import pages
from portal.logistics.declared import DeclarationDraft
from portal.security import Principal, require_roles
from portal.suppliers.models import Supplier
from portal.web import redirect, render

router = APIRouter()
Declarer = Annotated[Principal, Depends(require_roles(Role.SUPPLIER, Role.ESG, Role.ADMIN))]


async def form_data(request: Request) -> FormData:
    """The posted form (already read, and cached, by the CSRF check)."""
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def _text(form: FormData, name: str, limit: int = 80) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def _supplier(db: DbSession, user: Principal, code: str) -> Supplier | None:
    """A supplier's user declares for their own company; staff name the supplier."""
    if user.role == Role.SUPPLIER:
        own = db.get(Supplier, user.supplier_id) if user.supplier_id else None
        if own is None:  # never the list of every supplier to choose from
            raise NotFound()
        return own
    if not code.strip():
        return None
    found = db.exec(select(Supplier).where(Supplier.code == code.strip().upper())).first()
    if found is None or found.is_own_plant:
        raise NotFound()
    return found


def _chosen(db: DbSession, user: Principal, form: FormData) -> Supplier:
    company = _supplier(db, user, _text(form, "supplier", 32))
    if company is None or company.id is None:
        raise InvalidInput(_("Choose the supplier."), field="supplier")
    return company


def _done(request: Request, user: Principal, company: Supplier, what: str) -> Response:
    suffix = "" if user.role == Role.SUPPLIER else f"&supplier={company.code}"
    return redirect(f"/logistics/packaging?{what}=1{suffix}", request)


def _refused(
    request: Request, db: DbSession, company: Supplier, form: FormData, invalid: InvalidInput
) -> Response:
    db.rollback()
    return render(
        request,
        "logistics/packaging.html",
        {
            **pages.packaging_page(db, company),
            "form": {k: v for k, v in form.items() if isinstance(v, str)},
            "errors": {invalid.field or "form": invalid.message},
        },
        422,
    )


@router.get("/logistics/packaging", name="packaging_declarations")
def packaging_declarations(
    request: Request, db: DbSession, user: Declarer, supplier: str = ""
) -> Response:
    """The packaging a supplier declares comes with each tonne of a material."""
    company = _supplier(db, user, supplier[:32])
    return render(
        request,
        "logistics/packaging.html",
        {**pages.packaging_page(db, company), "form": {}, "errors": {}},
    )


@router.post("/logistics/packaging", name="save_packaging_declaration")
def save_packaging_declaration(
    request: Request, db: DbSession, user: Declarer, form: Form
) -> Response:
    """Declare (or change) one packaging item of a material, in kg per tonne delivered."""
    company = _chosen(db, user, form)
    draft = DeclarationDraft(
        material=_text(form, "material", 64),
        packaging=_text(form, "packaging", 40),
        kg_per_t=_text(form, "kg_per_t", 40),
        reusable="yes" if form.get("reusable") else "no",
        recyclable="yes" if form.get("recyclable") else "no",
        recyclable_basis=_text(form, "recyclable_basis", 20),
        recycled_content_pct=_text(form, "recycled_content_pct", 40),
        trips=_text(form, "trips", 20),
    )
    try:
        service.save_declaration(
            db,
            actor=user.actor(request),
            user_id=user.user.id,
            supplier_id=company.id or 0,
            draft=draft,
        )
    except InvalidInput as invalid:
        return _refused(request, db, company, form, invalid)
    return _done(request, user, company, "saved")


@router.post("/logistics/packaging/remove", name="remove_packaging_declaration")
def remove_packaging_declaration(
    request: Request, db: DbSession, user: Declarer, form: Form
) -> Response:
    """Withdraw a declared item; deliveries recorded with it keep it."""
    company = _chosen(db, user, form)
    try:
        service.remove_declaration(
            db,
            actor=user.actor(request),
            supplier_id=company.id or 0,
            material=_text(form, "material", 64),
            packaging=_text(form, "packaging", 40),
        )
    except InvalidInput as invalid:
        return _refused(request, db, company, form, invalid)
    return _done(request, user, company, "removed")
