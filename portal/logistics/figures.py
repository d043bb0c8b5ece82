"""Transport and packaging per year from the yearly sums (pure): Scope 3 categories 4 and 9,
per tonne of product and per supplier, the rail, electric and recyclable shares against
their targets. Category 4 is reported beside, not inside, the Scope 3.1 intensity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from portal.logistics.core import (
    INBOUND,
    OUTBOUND,
    PACKAGING,
    RECYCLABLE,
    REUSABLE,
    SINGLE_USE,
    share_pct,
    target_met,
)
from portal.logistics.factors import LogisticsRules

MILLION = Decimal(1_000_000)


def _t(micro: int) -> Decimal:
    return (Decimal(micro) / MILLION).quantize(Decimal("0.000001"))


def _per(part: Decimal, whole: Decimal | None, places: str = "0.000001") -> Decimal | None:
    if not whole:
        return None
    return (part / whole).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SumRow:
    """One row of the yearly sums, as read."""

    direction: str
    supplier_id: int
    mode: str
    long_haul: bool
    count: int
    trips: int
    tonnes_ut: int
    tkm_ut: int
    emissions_ut: int


@dataclass
class SupplierFigures:
    """A supplier's inbound transport in the year."""

    supplier_id: int
    tonnes: Decimal = Decimal(0)
    tkm: Decimal = Decimal(0)
    emissions_t: Decimal = Decimal(0)
    long_haul_tkm: Decimal = Decimal(0)
    rail_tkm: Decimal = Decimal(0)

    @property
    def per_tonne(self) -> Decimal | None:
        """tCO2e of transport per tonne delivered."""
        return _per(self.emissions_t, self.tonnes)

    @property
    def rail_share_pct(self) -> Decimal | None:
        """Rail share of the supplier's long-haul tonne-km."""
        return share_pct(self.rail_tkm, self.long_haul_tkm)


@dataclass
class YearLogistics:
    """Everything the tracking page, the report and the API say about transport in a year."""

    year: int
    cat4_t: Decimal = Decimal(0)
    cat9_t: Decimal = Decimal(0)
    inbound_tonnes: Decimal = Decimal(0)
    outbound_tonnes: Decimal = Decimal(0)
    inbound_tkm: Decimal = Decimal(0)
    outbound_tkm: Decimal = Decimal(0)
    long_haul_tkm: Decimal = Decimal(0)
    long_haul_rail_tkm: Decimal = Decimal(0)
    outbound_trips: int = 0
    electric_trips: int = 0
    electric_tkm: Decimal = Decimal(0)
    packaging_kg: dict[str, Decimal] = field(default_factory=dict)
    packaged_material_t: Decimal = Decimal(0)
    production_t: Decimal | None = None  # both lines
    extrusion_t: Decimal | None = None
    rail_target_pct: Decimal | None = None
    electric_target_pct: Decimal | None = None
    suppliers: list[SupplierFigures] = field(default_factory=list)
    modes: list[tuple[str, str, Decimal, Decimal]] = field(default_factory=list)

    @property
    def cat4_per_t(self) -> Decimal | None:
        """Category 4 per tonne produced (both lines)."""
        return _per(self.cat4_t, self.production_t)

    @property
    def cat9_per_t(self) -> Decimal | None:
        """Category 9 per tonne of extrusions produced."""
        return _per(self.cat9_t, self.extrusion_t)

    @property
    def rail_share_pct(self) -> Decimal | None:
        """Rail share of long-haul inbound tonne-km."""
        return share_pct(self.long_haul_rail_tkm, self.long_haul_tkm)

    @property
    def rail_met(self) -> bool | None:
        """Whether the rail share reaches the year's target."""
        return target_met(self.rail_share_pct, self.rail_target_pct)

    @property
    def electric_tkm_share_pct(self) -> Decimal | None:
        """Electric share of outbound tonne-km."""
        return share_pct(self.electric_tkm, self.outbound_tkm)

    @property
    def electric_trip_share_pct(self) -> Decimal | None:
        """Electric share of outbound trips."""
        return share_pct(Decimal(self.electric_trips), Decimal(self.outbound_trips))

    @property
    def electric_met(self) -> bool | None:
        """Whether the electric share of outbound tonne-km reaches the year's target."""
        return target_met(self.electric_tkm_share_pct, self.electric_target_pct)

    @property
    def packaging_total_kg(self) -> Decimal:
        """All packaging received, kg."""
        return sum(self.packaging_kg.values(), Decimal(0))

    @property
    def recyclable_share_pct(self) -> Decimal | None:
        """Share of recyclable or reusable packaging by mass."""
        good = self.packaging_kg.get(RECYCLABLE, Decimal(0)) + self.packaging_kg.get(
            REUSABLE, Decimal(0)
        )
        return share_pct(good, self.packaging_total_kg)

    @property
    def single_use_kg_per_t(self) -> Decimal | None:
        """Single-use, non-recyclable packaging per tonne of material it came with."""
        return _per(
            self.packaging_kg.get(SINGLE_USE, Decimal(0)), self.packaged_material_t, "0.001"
        )

    @property
    def has_data(self) -> bool:
        """Whether anything was recorded for the year."""
        return bool(self.inbound_tkm or self.outbound_tkm or self.packaging_kg)


def year_logistics(
    year: int,
    rows: Iterable[SumRow],
    rules: LogisticsRules,
    production: Mapping[str, Decimal | None],
) -> YearLogistics:
    """The year's figures from its sums, production per line and the targets."""
    found = YearLogistics(year)
    target = rules.target(year)
    if target:
        found.rail_target_pct, found.electric_target_pct = (
            target.rail_share_pct,
            target.electric_share_pct,
        )
    known = [value for value in production.values() if value is not None]
    found.production_t = sum(known, Decimal(0)) if known else None
    found.extrusion_t = production.get("extrusion")
    suppliers: dict[int, SupplierFigures] = {}
    modes: dict[tuple[str, str], list[Decimal]] = {}
    for row in rows:
        tkm, emissions, tonnes = _t(row.tkm_ut), _t(row.emissions_ut), _t(row.tonnes_ut)
        if row.direction == PACKAGING:
            if row.mode == "_material":
                found.packaged_material_t += tonnes
            else:
                found.packaging_kg[row.mode] = found.packaging_kg.get(row.mode, Decimal(0)) + tonnes
            continue
        mode = rules.modes.get(row.mode)
        pair = modes.setdefault((row.direction, row.mode), [Decimal(0), Decimal(0)])
        pair[0] += tkm
        pair[1] += emissions
        if row.direction == INBOUND:
            found.cat4_t += emissions
            found.inbound_tkm += tkm
            found.inbound_tonnes += tonnes
            supplier = suppliers.setdefault(row.supplier_id, SupplierFigures(row.supplier_id))
            supplier.tonnes += tonnes
            supplier.tkm += tkm
            supplier.emissions_t += emissions
            if row.long_haul:
                found.long_haul_tkm += tkm
                supplier.long_haul_tkm += tkm
                if mode is not None and mode.is_rail:
                    found.long_haul_rail_tkm += tkm
                    supplier.rail_tkm += tkm
        elif row.direction == OUTBOUND:
            found.cat9_t += emissions
            found.outbound_tkm += tkm
            found.outbound_tonnes += tonnes
            found.outbound_trips += row.trips
            if mode is not None and mode.electric:
                found.electric_tkm += tkm
                found.electric_trips += row.trips
    found.suppliers = sorted(suppliers.values(), key=lambda s: -s.emissions_t)
    found.modes = [(d, m, v[0], v[1]) for (d, m), v in sorted(modes.items())]
    return found
