"""Green electricity share per month and year against the target path of rules/energy.toml.

Green electricity is what green power contracts and green certificates count for the month
(never more than its grid electricity: portal.energy.carbon.allocate_green) plus the plant's
own PV generation; the share is that over the site's electricity (grid + own PV).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, select

from portal.energy.emissions import YearEnergy, months_of, year_energy
from portal.energy.factors import EnergyRules
from portal.energy.models import Meter
from portal.energy.rules import energy_rules
from portal.i18n import pick


@dataclass(frozen=True)
class GreenPeriod:
    """A month's or the year's electricity and its green part (kWh)."""

    period: str
    electricity_kwh: float  # grid + own PV
    instruments_kwh: float  # contracts and certificates counted
    pv_kwh: float

    @property
    def green_kwh(self) -> float:
        """Green electricity: instruments counted and own PV."""
        return self.instruments_kwh + self.pv_kwh

    @property
    def share(self) -> float | None:
        """The green share, or None without electricity."""
        return self.green_kwh / self.electricity_kwh if self.electricity_kwh > 0 else None


@dataclass(frozen=True)
class GreenShare:
    """A year's green share per month and in all, against the year's target."""

    year: int
    months: list[GreenPeriod]
    total: GreenPeriod
    target_pct: Decimal | None
    target_source: str

    @property
    def target(self) -> float | None:
        """The target as a fraction."""
        return None if self.target_pct is None else float(self.target_pct) / 100

    @property
    def on_track(self) -> bool | None:
        """Whether the year's share reaches its target (None without one or without data)."""
        share = self.total.share
        if self.target is None or share is None:
            return None
        return share + 1e-9 >= self.target

    def gap_pct(self) -> float | None:
        """Percentage points above (+) or below (−) the target."""
        share = self.total.share
        if self.target is None or share is None:
            return None
        return (share - self.target) * 100


def green_share(energy: YearEnergy, rules: EnergyRules) -> GreenShare:
    """The green share of ENERGY's year, per month and in all."""
    months = []
    for month in months_of(energy.year):
        pv = energy.pv_kwh.get(month, 0.0)
        months.append(
            GreenPeriod(
                month,
                energy.grid_kwh.get(month, 0.0) + pv,
                energy.green_kwh.get(month, 0.0),
                pv,
            )
        )
    total = GreenPeriod(
        str(energy.year),
        sum(m.electricity_kwh for m in months),
        sum(m.instruments_kwh for m in months),
        sum(m.pv_kwh for m in months),
    )
    sources = {t.year: pick(t.source_zh or t.source, t.source) for t in rules.green_targets}
    listed = [year for year in sources if year <= energy.year]
    return GreenShare(
        energy.year,
        months,
        total,
        rules.green_target_for(energy.year),
        sources[max(listed)] if listed else "",
    )


def green_share_of_year(db: Session, *, year: int) -> GreenShare | None:
    """The year's green share from the meters, or None when no meter measures electricity."""
    if db.exec(select(Meter.id).where(Meter.medium == "electricity").limit(1)).first() is None:
        return None
    return green_share(year_energy(db, year=year), energy_rules())
