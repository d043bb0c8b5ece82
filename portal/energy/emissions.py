"""A year's Scope 1+2 per line and month from the meters' roll-ups, production and green power."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from portal.catalog import get_targets
from portal.energy import carbon, rollups
from portal.energy.carbon import Instrument, LineMonth, MeterMonth
from portal.energy.factors import GridFactor
from portal.energy.meters import shares_of
from portal.energy.models import GreenInstrument, Meter, Production
from portal.energy.rules import energy_rules
from portal.i18n import _
from portal.labels import scope2_method

METER = Meter.__table__  # type: ignore[attr-defined]


def months_of(year: int) -> list[str]:
    """The month keys of YEAR."""
    return [f"{year}-{number:02d}" for number in range(1, 13)]


def months_between(first: str, last: str) -> list[str]:
    """Every month key from FIRST to LAST."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year}-{month:02d}" <= last:
        out.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclass
class YearEnergy:
    """Every product line's energy and emissions per month of one year."""

    year: int
    method: str  # which Scope 2 figure counts against the targets
    grid: GridFactor | None
    grid_is_proxy: bool
    lines: dict[str, dict[str, LineMonth]]
    production: dict[tuple[str, str], Decimal]
    grid_kwh: dict[str, float]
    pv_kwh: dict[str, float]
    green_kwh: dict[str, float]
    unused_green_kwh: dict[int, float]
    instruments: list[GreenInstrument]

    def line_total(self, line: str, months: list[str] | None = None) -> LineMonth:
        """The line's figures summed over MONTHS (default: the whole year)."""
        total = LineMonth(line, str(self.year))
        for month, figures in self.lines.get(line, {}).items():
            if months is None or month in months:
                total.add(figures)
        return total

    def production_t(self, line: str, months: list[str] | None = None) -> Decimal | None:
        """Tonnes the line produced in MONTHS, or None if none is entered."""
        found = [
            tonnes
            for (code, month), tonnes in self.production.items()
            if code == line and (months is None or month in months)
        ]
        return sum(found, Decimal(0)) if found else None

    def has_data(self, line: str) -> bool:
        """Whether any meter measured energy for LINE in the year."""
        return any(
            sum(figures.energy.values()) > 0 for figures in self.lines.get(line, {}).values()
        )

    def green_share(self, months: list[str] | None = None) -> float | None:
        """Green (contracts, certificates, own PV) share of the site's electricity."""
        chosen = months or months_of(self.year)
        pv = sum(self.pv_kwh.get(m, 0.0) for m in chosen)
        consumed = sum(self.grid_kwh.get(m, 0.0) for m in chosen) + pv
        if consumed <= 0:
            return None
        return (sum(self.green_kwh.get(m, 0.0) for m in chosen) + pv) / consumed


def _instrument_months(row: GreenInstrument) -> tuple[str, ...]:
    return tuple(months_between(row.month_from, row.month_to))


def year_energy(db: Session, *, year: int) -> YearEnergy:
    """The year's figures from roll-ups, production and green instruments."""
    rules = energy_rules()
    grid_factor, proxy = rules.grid_for(year)
    year_months = months_of(year)
    instruments = list(
        db.exec(
            select(GreenInstrument).where(
                col(GreenInstrument.month_from) <= year_months[-1],
                col(GreenInstrument.month_to) >= year_months[0],
            )
        ).all()
    )
    span = sorted({*year_months, *(m for row in instruments for m in _instrument_months(row))})
    # Plain columns, not ORM objects: a plant has hundreds of meters and this runs per page.
    meters = {
        meter_id: (medium, role, shares_of(line, split))
        for meter_id, medium, role, line, split in db.execute(
            sa_select(
                METER.c.id, METER.c.medium, METER.c.role, METER.c.product_line, METER.c.split_key
            )
        ).all()
    }
    sums = rollups.totals(db, grain="m", first=span[0], last=span[-1])
    meter_months = []
    for (meter_id, month), (measured, estimated, entered) in sums.items():
        known = meters.get(meter_id)
        if known is None:
            continue
        medium, role, shares = known
        meter_months.append(
            MeterMonth(meter_id, medium, role, shares, month, measured, estimated, entered)
        )
    # The site's grid electricity over every month an instrument reaches, so its MWh are
    # spread over its whole period, not only the months of this year.
    _all, grid_all, _pv = carbon.line_months(meter_months, rules, year=year, green_kwh={})
    counted, unused = carbon.allocate_green(
        [
            Instrument(row.id or 0, row.kind, float(row.mwh), _instrument_months(row))
            for row in instruments
        ],
        {month: grid_all.get(month, 0.0) for month in span},
    )
    in_year = [item for item in meter_months if item.month in year_months]
    figures, grid, pv = carbon.line_months(in_year, rules, year=year, green_kwh=counted)
    lines: dict[str, dict[str, LineMonth]] = {code: {} for code in get_targets().lines}
    for (line, month), line_month in figures.items():
        lines.setdefault(line, {})[month] = line_month
    production = {
        (row.product_line, row.month): row.tonnes
        for row in db.exec(
            select(Production).where(
                col(Production.month) >= year_months[0], col(Production.month) <= year_months[-1]
            )
        ).all()
    }
    return YearEnergy(
        year=year,
        method=rules.scope2_counts,
        grid=grid_factor,
        grid_is_proxy=proxy,
        lines=lines,
        production=production,
        grid_kwh=grid,
        pv_kwh=pv,
        green_kwh={month: counted.get(month, 0.0) for month in year_months},
        unused_green_kwh=unused,
        instruments=instruments,
    )


@dataclass(frozen=True)
class MeteredYear:
    """A line's Scope 1+2 of a year from its meters, for the tracking page."""

    scope12_t: Decimal
    production_t: Decimal | None
    source: str


def metered_line_years(
    db: Session, *, first_year: int, last_year: int
) -> dict[tuple[str, int], MeteredYear]:
    """Scope 1+2 per (line, year) where meters measured the line's energy."""
    found: dict[tuple[str, int], MeteredYear] = {}
    has_any = db.exec(select(Meter.id).limit(1)).first()
    if has_any is None:
        return found
    for year in range(first_year, last_year + 1):
        energy = year_energy(db, year=year)
        for line in energy.lines:
            if not energy.has_data(line):
                continue
            total = energy.line_total(line)
            tco2e = total.scope12_t(energy.method)
            whole = sum(total.quality_t.values()) or 1.0
            share = {q: f"{total.quality_t[q] / whole:.0%}" for q in carbon.QUALITIES}
            found[(line, year)] = MeteredYear(
                scope12_t=Decimal(str(round(tco2e, 3))),
                production_t=energy.production_t(line),
                source=_(
                    "from the plant's meters, Scope 2 %(method)s-based: %(measured)s measured, "
                    "%(estimated)s estimated, %(entered)s entered"
                )
                % {"method": scope2_method(energy.method), **share},
            )
    return found
