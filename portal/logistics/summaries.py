"""The yearly sums of legs and packaging, kept in the transaction that records them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from portal.logistics.core import PACKAGING, is_long_haul, packaging_class
from portal.logistics.factors import Policy
from portal.logistics.inputs import ShipmentPlan
from portal.logistics.models import LogisticsYearSum

MILLION = Decimal(1_000_000)
Key = tuple[int, str, int, str, bool]
SUMS = ("count", "trips", "tonnes_ut", "tkm_ut", "emissions_ut")


@dataclass
class Sums:
    """Counts and micro-unit sums of one key."""

    count: int = 0
    trips: int = 0
    tonnes_ut: int = 0
    tkm_ut: int = 0
    emissions_ut: int = 0


def _micro(value: Decimal) -> int:
    return int((value * MILLION).to_integral_value())


def add_plan(sums: dict[Key, Sums], plan: ShipmentPlan, policy: Policy | None) -> None:
    """Add PLAN's legs and packaging to SUMS (in memory)."""
    year = plan.shipped_on.year
    supplier = plan.supplier_id or 0
    long_haul = plan.direction != "outbound" and is_long_haul(
        [leg.as_policy_leg() for leg in plan.legs], policy
    )
    main = max(plan.legs, key=lambda leg: leg.distance_km)
    for leg in plan.legs:
        row = sums.setdefault((year, plan.direction, supplier, leg.mode, long_haul), Sums())
        row.count += 1
        if leg is main:  # a trip counts once, under its longest leg's mode
            row.trips += 1
            row.tonnes_ut += _micro(plan.tonnes)
        row.tkm_ut += _micro(leg.figure.tkm)
        row.emissions_ut += _micro(leg.figure.emissions_t)
    for item in plan.packaging:
        kind = packaging_class(item.as_policy_item())
        row = sums.setdefault((year, PACKAGING, supplier, kind, False), Sums())
        row.count += 1
        row.tonnes_ut += _micro(item.mass_kg)  # micro-kilograms of packaging
    if plan.packaging:
        # The tonnes of material the packaging came with, for "kg per tonne bought".
        row = sums.setdefault((year, PACKAGING, supplier, "_material", False), Sums())
        row.trips += 1
        row.tonnes_ut += _micro(plan.tonnes)


def write(db: Session, sums: dict[Key, Sums]) -> None:
    """Add SUMS to the stored yearly sums (insert or add, one statement per key)."""
    if not sums:
        return
    table = LogisticsYearSum.__table__  # type: ignore[attr-defined]
    dialect = db.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [
        {
            "year": key[0],
            "direction": key[1],
            "supplier_id": key[2],
            "mode": key[3],
            "long_haul": key[4],
            **{name: getattr(value, name) for name in SUMS},
        }
        for key, value in sorted(sums.items())
    ]
    statement = make(table)
    statement = statement.on_conflict_do_update(
        index_elements=["year", "direction", "supplier_id", "mode", "long_haul"],
        set_={name: table.c[name] + statement.excluded[name] for name in SUMS},
    )
    db.execute(statement, rows)


def add(
    db: Session, plans: Iterable[ShipmentPlan], policy_of: Callable[[date], Policy | None]
) -> None:
    """Add PLANS to the stored sums; POLICY_OF(date) gives the policy in force."""
    sums: dict[Key, Sums] = {}
    for plan in plans:
        add_plan(sums, plan, policy_of(plan.shipped_on))
    write(db, sums)
