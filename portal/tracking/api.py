"""JSON API of tracking: the yearly report and the ESG inputs (production, Scope 1+2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from portal.accounts.models import Role
from portal.db import DbSession
from portal.procurement.models import ProductLine
from portal.security import Principal, require_roles
from portal.tracking import service
from portal.tracking.schemas import LineYearIn, LineYearOut, YearReport, line_year_out
from portal.tracking.yearly import full_year_report

router = APIRouter(tags=["tracking"])
EsgOnly = Annotated[Principal, Depends(require_roles(Role.ESG))]
Year = Annotated[int, Path(ge=service.YEAR_MIN, le=service.YEAR_MAX, description="calendar year")]


@router.get("/reports/{year}", response_model=YearReport, name="api_year_report")
def report(year: Year, db: DbSession, _esg: EsgOnly) -> YearReport:
    """Scope 3.1 and Scope 1+2 intensities, supplier-specific and recycled shares for YEAR."""
    return full_year_report(db, year)


@router.get("/production/{line}/{year}", response_model=LineYearOut, name="api_line_year")
def line_year(line: ProductLine, year: Year, db: DbSession, _esg: EsgOnly) -> LineYearOut:
    """Production and Scope 1+2 of LINE in YEAR (the plan's baseline until one is entered)."""
    return line_year_out(service.input_row(db, line=line.value, year=year))


@router.put("/production/{line}/{year}", response_model=LineYearOut, name="api_save_line_year")
def save_line_year(
    request: Request,
    line: ProductLine,
    year: Year,
    body: LineYearIn,
    db: DbSession,
    esg: EsgOnly,
) -> LineYearOut:
    """Set production and Scope 1+2 of LINE in YEAR; every change is audited."""
    service.save_line_year(
        db,
        actor=esg.actor(request),
        line=line.value,
        year=year,
        production_t=body.production_t,
        scope12_t=body.scope12_t,
        source=body.source,
    )
    return line_year_out(service.input_row(db, line=line.value, year=year))
