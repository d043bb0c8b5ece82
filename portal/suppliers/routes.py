"""Supplier company administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import select

from portal.accounts import service
from portal.accounts.models import Role
from portal.db import DbSession
from portal.errors import InvalidInput
from portal.security import Principal, require_roles
from portal.suppliers.models import Supplier
from portal.web import redirect, render

router = APIRouter()
AdminOnly = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def _page(request: Request, db: DbSession, **extra: object) -> Response:
    suppliers = db.exec(select(Supplier).order_by(Supplier.code)).all()
    context: dict[str, object] = {"suppliers": suppliers, "form": {}, "errors": {}}
    context.update(extra)
    return render(request, "suppliers/list.html", context, 422 if extra.get("errors") else 200)


@router.get("/admin/suppliers", name="suppliers")
def suppliers(request: Request, db: DbSession, _admin: AdminOnly) -> Response:
    """All supplier companies and the form to add one."""
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
