"""Transport and packaging for tracking: the year's figures read from the yearly sums (never
from the shipments), the years' path against the targets, and the drill-down to shipments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from portal.logistics.figures import SumRow, YearLogistics, year_logistics
from portal.logistics.models import LogisticsYearSum, Shipment, ShipmentLeg
from portal.logistics.rules import logistics_rules
from portal.suppliers.models import Supplier
from portal.tracking.service import line_inputs

FIRST_YEAR, LAST_YEAR = 2025, 2030
PAGE = 100


def _rows(db: Session, first: int, last: int) -> dict[int, list[SumRow]]:
    found: dict[int, list[SumRow]] = {}
    table = LogisticsYearSum
    for r in db.exec(select(table).where(col(table.year) >= first, col(table.year) <= last)).all():
        found.setdefault(r.year, []).append(
            SumRow(
                r.direction, r.supplier_id, r.mode, r.long_haul, r.count, r.trips,
                r.tonnes_ut, r.tkm_ut, r.emissions_ut,
            )
        )  # fmt: skip
    return found


def years(db: Session, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> list[YearLogistics]:
    """Each year's figures from FIRST to LAST."""
    rules = logistics_rules()
    rows = _rows(db, first, last)
    inputs = line_inputs(db, first_year=first, last_year=last)
    result = []
    for year in range(first, last + 1):
        production = {line: value.production_t for (line, y), value in inputs.items() if y == year}
        result.append(year_logistics(year, rows.get(year, []), rules, production))
    return result


def year(db: Session, year: int) -> YearLogistics:
    """One year's figures."""
    return years(db, year, year)[0]


def supplier_names(db: Session, ids: Sequence[int]) -> dict[int, Supplier]:
    """Suppliers by id."""
    if not ids:
        return {}
    return {s.id or 0: s for s in db.exec(select(Supplier).where(col(Supplier.id).in_(ids)))}


@dataclass(frozen=True)
class ShipmentFilter:
    """What the drill-down lists."""

    year: int
    direction: str | None = None
    supplier_id: int | None = None
    mode: str | None = None


def shipments(
    db: Session, chosen: ShipmentFilter, *, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """The shipments behind a figure (their count and one page), newest first."""
    query = select(Shipment).where(Shipment.year == chosen.year)
    if chosen.direction:
        query = query.where(Shipment.direction == chosen.direction)
    if chosen.supplier_id is not None:
        query = query.where(Shipment.supplier_id == chosen.supplier_id)
    if chosen.mode:
        query = query.where(
            col(Shipment.id).in_(
                select(ShipmentLeg.shipment_id).where(ShipmentLeg.mode == chosen.mode)
            )
        )
    total = db.exec(select(func.count()).select_from(query.subquery())).one()
    page = db.exec(query.order_by(col(Shipment.id).desc()).offset(offset).limit(PAGE)).all()
    legs: dict[int, list[ShipmentLeg]] = {}
    if page:
        for leg in db.exec(
            select(ShipmentLeg)
            .where(col(ShipmentLeg.shipment_id).in_([s.id for s in page]))
            .order_by(col(ShipmentLeg.seq))
        ):
            legs.setdefault(leg.shipment_id, []).append(leg)
    return total, [{"shipment": s, "legs": legs.get(s.id or 0, [])} for s in page]


def year_for_page(chosen: int) -> YearLogistics:
    """One year's figures for the tracking dashboard and report (a template global): read
    in a read-only session of its own, so the tracking pages need no new argument."""
    from portal.db import READ_ONLY_OPTION, get_engine

    with Session(get_engine().execution_options(**{READ_ONLY_OPTION: True})) as db:
        return year(db, chosen)


def report(db: Session, chosen: int) -> Any:
    """The year's transport and packaging for the reports API."""
    from portal.logistics.schemas import LogisticsReport

    figures = year(db, chosen)
    names = supplier_names(db, [s.supplier_id for s in figures.suppliers])
    return LogisticsReport.of(figures, {i: s.code for i, s in names.items()})
