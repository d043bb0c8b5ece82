"""Supplier companies in the JSON API (what the ERP matches its vendor codes against)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import col, or_, select

from portal.accounts.models import Role
from portal.db import DbSession
from portal.errors import NotFound
from portal.security import Principal, require_roles
from portal.suppliers.models import Supplier

router = APIRouter(tags=["suppliers"])
Staff = Annotated[Principal, Depends(require_roles(Role.BUYER, Role.ESG, Role.ADMIN))]


class SupplierOut(BaseModel):
    """A supplier company."""

    code: str
    name_zh: str
    name_en: str
    country: str
    is_own_plant: bool


def _out(supplier: Supplier) -> SupplierOut:
    return SupplierOut(
        code=supplier.code,
        name_zh=supplier.name_zh,
        name_en=supplier.name_en,
        country=supplier.country,
        is_own_plant=supplier.is_own_plant,
    )


@router.get("/suppliers", response_model=list[SupplierOut], name="api_suppliers")
def list_suppliers(
    db: DbSession,
    _staff: Staff,
    q: Annotated[str, Query(max_length=100, description="Part of the code or name")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[SupplierOut]:
    """Supplier companies whose code or name contains Q."""
    query = select(Supplier).order_by(Supplier.code).limit(limit)
    if q.strip():
        pattern = f"%{q.strip()}%"
        query = query.where(
            or_(
                col(Supplier.code).ilike(pattern),
                col(Supplier.name_zh).ilike(pattern),
                col(Supplier.name_en).ilike(pattern),
            )
        )
    return [_out(supplier) for supplier in db.exec(query)]


# Built once: the ERP asks for suppliers by code by the hundred a second.
_BY_CODE = core_select(
    col(Supplier.code),
    col(Supplier.name_zh),
    col(Supplier.name_en),
    col(Supplier.country),
    col(Supplier.is_own_plant),
).where(col(Supplier.code) == bindparam("code"))


@router.get("/suppliers/{code}", response_model=SupplierOut, name="api_supplier")
def get_supplier(db: DbSession, _staff: Staff, code: str) -> SupplierOut:
    """One supplier company by its code (a single indexed read)."""
    row = db.execute(_BY_CODE, {"code": code.upper()}).first()
    if row is None:
        raise NotFound()
    return SupplierOut(
        code=row.code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        country=row.country,
        is_own_plant=row.is_own_plant,
    )
