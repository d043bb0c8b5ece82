"""From monthly energy to Scope 1 and Scope 2 (location- and market-based) per line (pure).

Scope 2 follows the GHG Protocol Scope 2 Guidance. The site's grid electricity is its metered
consumption less its own PV generation (consumed on site, zero emissions either way).
Location-based: grid electricity × the year's grid average factor. Market-based: grid
electricity less the green power contracts and certificates allocated to the month, at the
residual-mix factor; instruments never count beyond the month's grid electricity. Each product
line gets the site's grid, green and PV electricity in proportion to its own consumption.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from portal.energy.factors import EnergyRules

QUALITIES = ("measured", "estimated", "entered")


@dataclass(frozen=True)
class MeterMonth:
    """One meter's energy in one month, by quality, in the medium's unit."""

    meter_id: int
    medium: str
    role: str
    shares: Mapping[str, float]
    month: str
    measured: float
    estimated: float
    entered: float

    @property
    def total(self) -> float:
        """All the meter's energy of the month."""
        return self.measured + self.estimated + self.entered


@dataclass(frozen=True)
class Instrument:
    """A green power contract or certificate batch: MWh for a range of months."""

    id: int
    kind: str
    mwh: float
    months: tuple[str, ...]


@dataclass
class LineMonth:
    """A product line's energy and emissions in one month."""

    line: str
    month: str
    energy: dict[str, float] = field(default_factory=dict)  # per medium, in its unit
    scope1_t: float = 0.0
    scope2_location_t: float = 0.0
    scope2_market_t: float = 0.0
    electricity_kwh: float = 0.0
    green_kwh: float = 0.0
    pv_kwh: float = 0.0
    quality_t: dict[str, float] = field(default_factory=lambda: dict.fromkeys(QUALITIES, 0.0))

    def scope12_t(self, method: str) -> float:
        """Scope 1 + Scope 2 by METHOD (location or market), in tCO2e."""
        return self.scope1_t + (
            self.scope2_market_t if method == "market" else self.scope2_location_t
        )

    def add(self, other: LineMonth) -> None:
        """Add OTHER's figures to these (for quarters and years)."""
        for medium, amount in other.energy.items():
            self.energy[medium] = self.energy.get(medium, 0.0) + amount
        self.scope1_t += other.scope1_t
        self.scope2_location_t += other.scope2_location_t
        self.scope2_market_t += other.scope2_market_t
        self.electricity_kwh += other.electricity_kwh
        self.green_kwh += other.green_kwh
        self.pv_kwh += other.pv_kwh
        for quality in QUALITIES:
            self.quality_t[quality] += other.quality_t[quality]


def allocate_green(
    instruments: Iterable[Instrument], grid_kwh: Mapping[str, float]
) -> tuple[dict[str, float], dict[int, float]]:
    """Green kWh counted per month, and per instrument the kWh that found no consumption.

    Each instrument, oldest first, is spread over the months of its period in proportion to
    the grid electricity still uncovered in each; never more than that.
    """
    counted = dict.fromkeys(grid_kwh, 0.0)
    unused: dict[int, float] = {}
    for instrument in sorted(instruments, key=lambda item: item.id):
        remaining = {
            month: max(0.0, grid_kwh[month] - counted[month])
            for month in instrument.months
            if month in grid_kwh
        }
        room = sum(remaining.values())
        wanted = instrument.mwh * 1000
        used = min(wanted, room)
        if used > 0:
            for month, free in remaining.items():
                counted[month] += used * free / room
        unused[instrument.id] = wanted - used
    return counted, unused


def line_months(
    meter_months: Iterable[MeterMonth],
    rules: EnergyRules,
    *,
    year: int,
    green_kwh: Mapping[str, float],
) -> tuple[dict[tuple[str, str], LineMonth], dict[str, float], dict[str, float]]:
    """Per (line, month) figures; and per month the site's grid and PV electricity (kWh)."""
    grid_factor, _proxy = rules.grid_for(year)
    location = float(grid_factor.location_kg_per_kwh) / 1000 if grid_factor else 0.0
    residual = float(grid_factor.residual_kg_per_kwh) / 1000 if grid_factor else 0.0
    consumed: dict[str, float] = {}
    generated: dict[str, float] = {}
    items = list(meter_months)
    for item in items:
        if item.medium != "electricity":
            continue
        target = generated if item.role == "generation" else consumed
        target[item.month] = target.get(item.month, 0.0) + item.total
    grid = {month: max(0.0, total - generated.get(month, 0.0)) for month, total in consumed.items()}
    out: dict[tuple[str, str], LineMonth] = {}
    for item in items:
        if item.role == "generation":
            continue
        medium = rules.media.get(item.medium)
        for line, share in item.shares.items():
            figures = out.setdefault((line, item.month), LineMonth(line, item.month))
            amount = item.total * share
            figures.energy[item.medium] = figures.energy.get(item.medium, 0.0) + amount
            if item.medium == "electricity":
                total = consumed.get(item.month, 0.0)
                part = amount / total if total else 0.0
                site_grid = grid.get(item.month, 0.0)
                green = min(green_kwh.get(item.month, 0.0), site_grid)
                figures.electricity_kwh += amount
                figures.pv_kwh += part * generated.get(item.month, 0.0)
                figures.green_kwh += part * green
                figures.scope2_location_t += part * site_grid * location
                figures.scope2_market_t += part * (site_grid - green) * residual
                per_unit = (site_grid / total if total else 0.0) * location
            elif medium is not None and medium.kg_per_unit is not None:
                per_unit = float(medium.kg_per_unit) / 1000
                figures.scope1_t += amount * per_unit
            else:
                per_unit = 0.0
            for quality in QUALITIES:
                figures.quality_t[quality] += getattr(item, quality) * share * per_unit
    return out, grid, generated


def intensity(tco2e: float, production_t: Decimal | None) -> float | None:
    """tCO2e per tonne, or None without production."""
    if production_t is None or production_t <= 0:
        return None
    return tco2e / float(production_t)


def quarter_of(month: str) -> str:
    """The quarter key ("2023-Q1") of a month key."""
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
