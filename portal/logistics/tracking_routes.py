"""Tracking pages of transport and packaging (the ESG team): the year against the targets,
the drill-down to shipments, and its CSV export."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from portal.accounts.models import Role
from portal.clock import plant_today
from portal.db import DbSession
from portal.exportcolumns import BOM
from portal.logistics import pages, tracking
from portal.logistics.rules import logistics_rules
from portal.security import Principal, require_roles
from portal.web import ExportHeaders, render

router = APIRouter()
EsgOnly = Annotated[Principal, Depends(require_roles(Role.ESG))]
Year = Annotated[int | None, Query(ge=2000, le=2099)]
Direction = Annotated[str, Query(pattern="^(|inbound|outbound)$")]
Mode = Annotated[str, Query(max_length=40)]
SupplierId = Annotated[int | None, Query(ge=0, le=2**31 - 1)]


def _year(year: int | None) -> int:
    return year or plant_today().year


@router.get("/tracking/logistics", name="tracking_logistics")
def logistics(request: Request, db: DbSession, _esg: EsgOnly, year: Year = None) -> Response:
    """Categories 4 and 9, rail, electric and recyclable shares against their targets."""
    chosen = _year(year)
    path = tracking.years(db)
    figures = next((y for y in path if y.year == chosen), None) or tracking.year(db, chosen)
    names = tracking.supplier_names(db, [s.supplier_id for s in figures.suppliers])
    return render(
        request,
        "logistics/tracking.html",
        {
            "year": chosen,
            "f": figures,
            "path": path,
            "names": names,
            "rules": logistics_rules(),
            "charts": pages.tracking_charts(path),
        },
    )


def _filter(
    year: int | None, direction: str, supplier: int | None, mode: str
) -> tracking.ShipmentFilter:
    return tracking.ShipmentFilter(
        year=_year(year),
        direction=direction or None,
        supplier_id=supplier,
        mode=mode.strip() or None,
    )


@router.get("/tracking/logistics/shipments", name="tracking_logistics_shipments")
def logistics_shipments(
    request: Request,
    db: DbSession,
    _esg: EsgOnly,
    year: Year = None,
    direction: Direction = "",
    supplier: SupplierId = None,
    mode: Mode = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """The shipments behind a figure, each linking to its legs and factors."""
    chosen = _filter(year, direction, supplier, mode)
    total, rows = tracking.shipments(db, chosen, offset=offset)
    return render(
        request,
        "logistics/tracking_shipments.html",
        {
            "chosen": chosen,
            "total": total,
            "rows": rows,
            "offset": offset,
            "page": tracking.PAGE,
            "rules": logistics_rules(),
            "query": request.url.query,
        },
    )


@router.get("/tracking/logistics/export.csv", name="tracking_logistics_csv")
def logistics_csv(
    db: DbSession, _esg: EsgOnly, headers: ExportHeaders, year: Year = None
) -> Response:
    """The year's transport and packaging figures as CSV."""
    f = tracking.year(db, _year(year))
    out = io.StringIO()
    if not headers.keys:
        out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(headers.row(["figure", "value", "unit", "target"]))
    rows = [
        ("scope3_cat4_inbound", f.cat4_t, "tCO2e", ""),
        ("scope3_cat4_per_t_product", f.cat4_per_t, "tCO2e/t", ""),
        ("scope3_cat9_outbound", f.cat9_t, "tCO2e", ""),
        ("scope3_cat9_per_t_extrusion", f.cat9_per_t, "tCO2e/t", ""),
        ("rail_share_long_haul_tkm", f.rail_share_pct, "%", f.rail_target_pct),
        ("electric_share_outbound_tkm", f.electric_tkm_share_pct, "%", f.electric_target_pct),
        ("electric_share_outbound_trips", f.electric_trip_share_pct, "%", ""),
        ("recyclable_or_reusable_packaging", f.recyclable_share_pct, "%", ""),
        ("single_use_packaging_per_t", f.single_use_kg_per_t, "kg/t", ""),
    ]
    for name, value, unit, target in rows:
        figure = headers.label(name)  # the rows are named like the columns
        writer.writerow([figure, "" if value is None else value, unit, target or ""])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="logistics-{f.year}.csv"'},
    )
