"""What the energy pages show, built from the services (no HTTP here)."""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from portal.catalog import get_targets
from portal.energy import alerts, carbon, core, green, rollups
from portal.energy.emissions import YearEnergy, months_of, year_energy
from portal.energy.meters import all_meters, line_shares
from portal.energy.models import Meter, Reading, ReadingIssue
from portal.energy.readings import READING_TABLE as READINGS
from portal.energy.rules import energy_rules
from portal.exportcolumns import BOM, Headers

LIVE_POLL_S = 10
RECENT_FLAGGED = 20


def _local(at_s: int) -> datetime:
    return datetime.fromtimestamp(at_s + core.PLANT_OFFSET_S, UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class MeterNow:
    """A meter's latest reading and what it says now."""

    meter: Meter
    last_at: datetime | None
    rate_per_h: float | None  # kW for electricity, Nm3/h for gas
    today: float
    silent: bool
    flags: str


def live(db: Session, *, now_s: int | None = None) -> dict[str, Any]:
    """The live page: flow per line now, today's energy and CO2e, this month's intensity."""
    now_s = int(time.time()) if now_s is None else now_s
    local_now = _local(now_s)
    today, month = local_now.strftime("%Y-%m-%d"), local_now.strftime("%Y-%m")
    rules = energy_rules()
    meters = all_meters(db)
    latest_at = dict(
        db.execute(
            sa_select(READINGS.c.meter_id, func.max(READINGS.c.at_s)).group_by(READINGS.c.meter_id)
        ).all()
    )
    latest = {
        reading.meter_id: reading
        for reading in db.exec(
            select(Reading).where(
                col(Reading.at_s).in_(set(latest_at.values()) or {0}),
                col(Reading.meter_id).in_(set(latest_at) or {0}),
            )
        ).all()
        if latest_at.get(reading.meter_id) == reading.at_s
    }
    today_sums = rollups.totals(db, grain="d", first=today, last=today)
    silent_after = next((rule.intervals for rule in rules.alerts if rule.kind == "silent"), 4)
    rows: list[MeterNow] = []
    per_line: dict[str, dict[str, float]] = {}
    for meter in meters:
        reading = latest.get(meter.id or 0)
        rate = None
        if reading is not None and reading.at_s > reading.measured_start_s:
            rate = reading.energy * 3600 / (reading.at_s - reading.measured_start_s)
        today_total = sum(today_sums.get((meter.id or 0, today), (0.0, 0.0, 0.0)))
        silent = (
            meter.kind != "manual"
            and reading is not None
            and now_s - reading.at_s > silent_after * meter.interval_s
        )
        rows.append(
            MeterNow(
                meter,
                _local(reading.at_s) if reading else None,
                rate,
                today_total,
                silent,
                reading.flags if reading else "",
            )
        )
        if meter.role == "generation":
            continue
        for line, share in line_shares(meter).items():
            figures = per_line.setdefault(line, {})
            if rate is not None and not silent:
                key = f"rate_{meter.medium}"
                figures[key] = figures.get(key, 0.0) + rate * share
            key = f"today_{meter.medium}"
            figures[key] = figures.get(key, 0.0) + today_total * share
    energy = year_energy(db, year=local_now.year)
    grid, _proxy = rules.grid_for(local_now.year)
    targets = get_targets()
    lines = []
    for code, product in targets.lines.items():
        figures = per_line.get(code, {})
        co2_today = figures.get("today_electricity", 0.0) * (
            float(grid.location_kg_per_kwh) / 1000 if grid else 0.0
        ) + sum(
            figures.get(f"today_{medium}", 0.0) * float(m.kg_per_unit) / 1000
            for medium, m in rules.media.items()
            if m.kg_per_unit is not None
        )
        this_month = energy.lines.get(code, {}).get(month)
        tonnes = energy.production.get((code, month))
        lines.append(
            {
                "code": code,
                "name": product.name_en,
                "name_zh": product.name_zh,
                "power_kw": figures.get("rate_electricity"),
                "gas_nm3_h": figures.get("rate_natural_gas"),
                "today_kwh": figures.get("today_electricity", 0.0),
                "today_gas": figures.get("today_natural_gas", 0.0),
                "today_t": co2_today,
                "month_t": this_month.scope12_t(energy.method) if this_month else None,
                "month_intensity": carbon.intensity(this_month.scope12_t(energy.method), tonnes)
                if this_month
                else None,
                "target": targets.scope12_target(code, local_now.year),
            }
        )
    flagged = db.exec(
        select(Reading, Meter)
        .join(Meter, col(Meter.id) == col(Reading.meter_id))
        .where(Reading.flags != "", Reading.flags != core.FLAG_LATE)
        .order_by(col(Reading.received_at_s).desc(), col(Reading.at_s).desc())
        .limit(RECENT_FLAGGED)
    ).all()
    return {
        "now": local_now,
        "lines": lines,
        "meters": rows,
        "silent": [row for row in rows if row.silent],
        "flagged": [(meter, _local(reading.at_s), reading.flags) for reading, meter in flagged],
        "open_alerts": alerts.open_alerts(db, limit=20),
        "poll_s": LIVE_POLL_S,
        "method": energy.method,
    }


@dataclass(frozen=True)
class Row:
    """One line of the analysis table: a month, quarter or the year of a product line."""

    label: str
    figures: carbon.LineMonth
    production_t: Any
    intensity: float | None
    kind: str  # month, quarter, year


def analysis(db: Session, *, year: int) -> dict[str, Any]:
    """Energy and CO2e by line and month, quarter and year, with the factors used."""
    energy = year_energy(db, year=year)
    rules = energy_rules()
    targets = get_targets()
    tables = []
    for code, line in targets.lines.items():
        rows: list[Row] = []
        months = months_of(year)
        for quarter in range(4):
            quarter_months = months[quarter * 3 : quarter * 3 + 3]
            for month in quarter_months:
                figures = energy.lines.get(code, {}).get(month) or carbon.LineMonth(code, month)
                tonnes = energy.production.get((code, month))
                rows.append(
                    Row(
                        month,
                        figures,
                        tonnes,
                        carbon.intensity(figures.scope12_t(energy.method), tonnes),
                        "month",
                    )
                )
            total = energy.line_total(code, quarter_months)
            tonnes = energy.production_t(code, quarter_months)
            rows.append(
                Row(
                    f"{year}-Q{quarter + 1}",
                    total,
                    tonnes,
                    carbon.intensity(total.scope12_t(energy.method), tonnes),
                    "quarter",
                )
            )
        total = energy.line_total(code)
        tonnes = energy.production_t(code)
        rows.append(
            Row(
                str(year),
                total,
                tonnes,
                carbon.intensity(total.scope12_t(energy.method), tonnes),
                "year",
            )
        )
        tables.append(
            {
                "code": code,
                "name": line.name_en,
                "name_zh": line.name_zh,
                "rows": rows,
                "target": targets.scope12_target(code, year),
                "has_data": energy.has_data(code),
            }
        )
    return {
        "year": year,
        "energy": energy,
        "tables": tables,
        "media": rules.media,
        "green_share": energy.green_share(),
        "green": green.green_share(energy, rules),
        "issues": db.exec(
            select(ReadingIssue).order_by(col(ReadingIssue.id).desc()).limit(20)
        ).all(),
    }


CSV_COLUMNS = (
    "line",
    "period",
    "electricity_kwh",
    "natural_gas_nm3",
    "diesel_kg",
    "scope1_tco2e",
    "scope2_location_tco2e",
    "scope2_market_tco2e",
    "green_kwh",
    "pv_kwh",
    "production_t",
    "intensity_tco2e_per_t",
    "measured_share",
    "estimated_share",
    "entered_share",
    "scope2_method",
)


def analysis_csv(energy: YearEnergy, tables: list[dict[str, Any]], headers: Headers) -> str:
    """The analysis table as CSV (one row per line and month, quarter, year)."""
    buffer = io.StringIO()
    if not headers.keys:
        buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers.row(CSV_COLUMNS))
    for table in tables:
        for row in table["rows"]:
            figures = row.figures
            quality_total = sum(figures.quality_t.values()) or 1.0
            writer.writerow(
                [
                    table["code"],
                    row.label,
                    round(figures.energy.get("electricity", 0.0), 3),
                    round(figures.energy.get("natural_gas", 0.0), 3),
                    round(figures.energy.get("diesel", 0.0), 3),
                    round(figures.scope1_t, 3),
                    round(figures.scope2_location_t, 3),
                    round(figures.scope2_market_t, 3),
                    round(figures.green_kwh, 3),
                    round(figures.pv_kwh, 3),
                    "" if row.production_t is None else row.production_t,
                    "" if row.intensity is None else round(row.intensity, 4),
                    *(round(figures.quality_t[q] / quality_total, 4) for q in carbon.QUALITIES),
                    energy.method,
                ]
            )
    return buffer.getvalue()
