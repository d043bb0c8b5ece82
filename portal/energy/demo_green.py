"""The demo plant in 2025 and 2026: a PV roof, green certificates and a green power contract.

The 2023 meters go on reading (their registers continue where 2023 ended; 2024 has no data,
so each meter's first 2025 reading spans the gap: flagged "gap", no energy). Use falls 2 % in
2025 and 4 % in 2026 against 2023 (the melting furnace's heat recovery). Worked out:

electricity used: 2023 5,432,738 kWh → 2025 5,324,083 kWh, 2026 5,215,428 kWh
own PV (SITE-PV, from 2025-03-01): 2025 650,000 kWh, 2026 800,000 kWh → grid 4,674,083 and
  4,415,428 kWh
green certificates: 2025 1,000 MWh of wind (GEC-2025-W-0001…1000, Jan–Dec);
  2026 1,500 MWh of solar (GEC-2026-S-0001…1500, Jan–Dec) and a green power contract of
  500 MWh of wind for Jul–Dec 2026
green share: 2025 (1,000,000 + 650,000) / 5,324,083 = 31.0 % (target 15 %);
  2026 (2,000,000 + 800,000) / 5,215,428 = 53.7 % (target 20 %)
Scope 2 2025 (latest published grid factor, 2023's): location 4,674,083 × 0.5306 =
  2,480.07 t; market (4,674,083 − 1,000,000) × 0.6096 = 2,239.72 t
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, col, select

from portal.energy import core, entries, meters, readings
from portal.energy.demo import (
    DEMO_ACTOR,
    DEMO_METERS,
    MONTH_WEIGHTS,
    SITE,
    DemoMeter,
    _hours,
    register_values,
)
from portal.energy.models import GreenInstrument, Meter, Production, Reading

USE_FACTOR = {2025: 0.98, 2026: 0.96}
PV = DemoMeter(
    "SITE-PV",
    "Rooftop PV",
    "Utilities",
    "",
    "PV roof",
    "electricity",
    "cumulative",
    800_000,
    shape="solar",
)
PV_FROM = datetime(2025, 3, 1, tzinfo=core.PLANT_TZ)
PV_TOTAL = {2025: 650_000.0, 2026: 800_000.0}
PRODUCTION_T = {
    2025: {"alloy": Decimal(8000), "extrusion": Decimal(410)},
    2026: {"alloy": Decimal(8200), "extrusion": Decimal(430)},
}
INSTRUMENTS = (
    ("certificate", "GEC 2025 wind batch", 1000, "2025-01", "2025-12", "wind", "GEC-2025-W"),
    ("certificate", "GEC 2026 solar batch", 1500, "2026-01", "2026-12", "solar", "GEC-2026-S"),
    ("contract", "Green power contract 2026 H2 (绿电直购)", 500, "2026-07", "2026-12", "wind", ""),
)


def _pv_meter(db: Session) -> None:
    if db.exec(select(Meter.id).where(Meter.code == PV.code)).first() is None:
        meters.save(
            db,
            actor=DEMO_ACTOR,
            data={
                "code": PV.code,
                "name": PV.name,
                "site": SITE,
                "workshop": PV.workshop,
                "equipment": PV.equipment,
                "medium": "electricity",
                "kind": "cumulative",
                "interval_s": 3600,
                "role": "generation",
                "in_service_from": PV_FROM.date().isoformat(),
            },
        )


def _ingest(db: Session, code: str, hours: list[int], values: list[float]) -> None:
    items = [
        readings.RawReading(meter=code, at_s=at, value=value)
        for at, value in zip(hours, values, strict=True)
    ]
    for start in range(0, len(items), readings.MAX_BATCH):
        readings.ingest(
            db, items=items[start : start + readings.MAX_BATCH], source="file", now_s=hours[-1]
        )


def _year_readings(db: Session, demo: DemoMeter, year: int) -> bool:
    """The meter's hourly readings of YEAR (False if it has some already)."""
    meter = db.exec(select(Meter).where(Meter.code == demo.code)).one()
    first = int(datetime(year, 1, 1, tzinfo=core.PLANT_TZ).timestamp())
    last = db.exec(
        select(Reading)
        .where(Reading.meter_id == meter.id)
        .order_by(col(Reading.at_s).desc())
        .limit(1)
    ).first()
    if last is not None and last.at_s > first:
        return False
    if demo.kind == "manual":
        for number, weight in enumerate(MONTH_WEIGHTS, start=1):
            quantity = demo.year_total * USE_FACTOR[year] * weight / sum(MONTH_WEIGHTS)
            entries.enter_month(
                db,
                actor=DEMO_ACTOR,
                meter_code=demo.code,
                month=f"{year}-{number:02d}",
                quantity=round(quantity, 3),
                note="fuel delivery notes",
            )
        return True
    if demo.code == PV.code:
        hours = _hours(year, PV_FROM if year == PV_FROM.year else None)
        total = PV_TOTAL[year]
    else:
        hours = _hours(year)
        total = demo.year_total * USE_FACTOR[year]
    start = last.value if last is not None else 0.0
    _ingest(db, demo.code, hours, register_values(demo, hours, total=total, start=start))
    return True


def _production(db: Session, year: int) -> list[str]:
    added = []
    for line, total in PRODUCTION_T[year].items():
        exists = db.exec(
            select(Production.id).where(
                Production.product_line == line, col(Production.month).startswith(f"{year}-")
            )
        ).first()
        if exists:
            continue
        shares = [Decimal(str(w)) / Decimal(str(sum(MONTH_WEIGHTS))) for w in MONTH_WEIGHTS]
        tonnes = [(total * share).quantize(Decimal("0.001"), ROUND_HALF_UP) for share in shares]
        tonnes[-1] += total - sum(tonnes)
        for number, amount in enumerate(tonnes, start=1):
            entries.save_production(
                db,
                actor=DEMO_ACTOR,
                line=line,
                month=f"{year}-{number:02d}",
                tonnes=amount,
                source="demo production report",
            )
        added.append(f"{year} production {line}")
    return added


def load_green_years(db: Session) -> list[str]:
    """The 2025–2026 readings, PV, production and green instruments; skipped where present."""
    added: list[str] = []
    _pv_meter(db)
    for year in sorted(USE_FACTOR):
        for demo in (*DEMO_METERS, PV):
            if _year_readings(db, demo, year):
                added.append(f"{year} readings {demo.code}")
        added += _production(db, year)
    for kind, reference, mwh, first, last, generation, prefix in INSTRUMENTS:
        if db.exec(
            select(GreenInstrument.id).where(GreenInstrument.reference == reference)
        ).first():
            continue
        entries.add_instrument(
            db,
            actor=DEMO_ACTOR,
            kind=kind,
            reference=reference,
            mwh=str(mwh),
            month_from=first,
            month_to=last,
            generation_type=generation,
            numbers=[f"{prefix}-{n:04d}" for n in range(1, mwh + 1)] if prefix else None,
        )
        added.append(f"green {kind} {reference}")
    return added
