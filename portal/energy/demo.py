"""The demo plant's meters, a year of hourly readings and production for 2023.

The 2023 totals are chosen to reproduce the plan's baseline (location-based Scope 2 at the
2023 grid factor 0.5306 kgCO2/kWh; natural gas 2.162 kgCO2/Nm3; diesel 3.096 kgCO2/kg):

alloy:     gas 1,750,000 Nm3 × 2.162 = 3,783.500 t; diesel 80 % of 60,000 kg × 3.096 =
           148.608 t; electricity 4,757,606 kWh × 0.5306 = 2,524.386 t → 6,456.494 t
           (plan 6,456.81) for 7,880 t = 0.819 tCO2e/t
extrusion: gas 80,000 Nm3 × 2.162 = 172.960 t; diesel 20 % × 60,000 × 3.096 = 37.152 t;
           electricity 675,132 kWh × 0.5306 = 358.225 t → 568.337 t (plan 568.34) for
           397 t = 1.432 tCO2e/t
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, select

from portal.audit import Actor
from portal.energy import core, entries, meters, readings
from portal.energy.models import Meter, Production, Reading

DEMO_ACTOR = Actor(label="demo loader")
YEAR = 2023
SITE = "Shanxi plant"


@dataclass(frozen=True)
class DemoMeter:
    """A demo meter and its 2023 total in its medium's unit (after the multiplier)."""

    code: str
    name: str
    workshop: str
    line: str
    equipment: str
    medium: str
    kind: str
    year_total: float
    product_line: str = ""
    split_key: str = ""
    multiplier: float = 1.0
    rollover_at: float | None = None
    shape: str = "furnace"  # furnace: round the clock; press: two shifts, quiet Sundays


DEMO_METERS = (
    DemoMeter(
        "CH-MF1-GAS",
        "Melting furnace 1 gas",
        "Casthouse",
        "Alloy line",
        "Melting furnace 1",
        "natural_gas",
        "cumulative",
        1_300_000,
        product_line="alloy",
    ),
    DemoMeter(
        "CH-HF-GAS",
        "Holding furnace gas",
        "Casthouse",
        "Alloy line",
        "Holding furnace",
        "natural_gas",
        "cumulative",
        450_000,
        product_line="alloy",
    ),
    DemoMeter(
        "CH-MF1-EL",
        "Melting furnace 1 power",
        "Casthouse",
        "Alloy line",
        "Melting furnace 1",
        "electricity",
        "cumulative",
        4_757_606 - 600_000 - 280_000,
        product_line="alloy",
        multiplier=40.0,
        rollover_at=1_000_000.0,
    ),
    DemoMeter(
        "CH-AUX-EL",
        "Casthouse auxiliaries power",
        "Casthouse",
        "Alloy line",
        "Auxiliaries",
        "electricity",
        "cumulative",
        600_000,
        product_line="alloy",
    ),
    DemoMeter(
        "EX-HO-GAS",
        "Homogenising oven gas",
        "Extrusion",
        "Extrusion line",
        "Homogenising oven",
        "natural_gas",
        "cumulative",
        80_000,
        product_line="extrusion",
        shape="press",
    ),
    DemoMeter(
        "EX-P1-EL",
        "Press 1 power",
        "Extrusion",
        "Extrusion line",
        "Press 1",
        "electricity",
        "cumulative",
        675_132 - 120_000,
        product_line="extrusion",
        shape="press",
    ),
    DemoMeter(
        "SITE-COMP-EL",
        "Compressed air station power",
        "Utilities",
        "",
        "Compressors",
        "electricity",
        "cumulative",
        400_000,
        split_key="alloy:0.7,extrusion:0.3",
    ),
    DemoMeter(
        "SITE-DIESEL",
        "Forklift diesel (deliveries)",
        "Utilities",
        "",
        "Forklifts",
        "diesel",
        "manual",
        60_000,
        split_key="alloy:0.8,extrusion:0.2",
    ),
)

# Tonnes per month: the plan's 7,880 t and 397 t, with a quieter February (Spring Festival).
MONTH_WEIGHTS = (1.0, 0.8, 1.0, 1.0, 1.05, 1.05, 1.0, 1.0, 1.05, 1.0, 1.0, 1.05)
PRODUCTION_T = {"alloy": Decimal(7880), "extrusion": Decimal(397)}


def _hour_weight(shape: str, local: datetime) -> float:
    """Relative use in one plant-local hour (deterministic, so the demo is reproducible)."""
    month = MONTH_WEIGHTS[local.month - 1]
    wobble = 1 + 0.08 * math.sin(local.timetuple().tm_yday * 0.7 + local.hour * 1.3)
    if shape == "solar":  # daylight 6:00–18:00, stronger in summer
        daylight = max(0.0, math.sin(math.pi * (local.hour + 0.5 - 6) / 12))
        season = 0.6 + 0.4 * math.sin(math.pi * (local.timetuple().tm_yday - 80) / 365 * 2 + 1.2)
        return daylight * max(0.2, season)
    if shape == "press":
        shift = 1.0 if 7 <= local.hour < 23 else 0.25
        day = 0.3 if local.weekday() == 6 else 1.0
        return month * shift * day * wobble
    return month * (0.9 + 0.1 * math.cos(local.hour / 24 * 2 * math.pi)) * wobble


def _hours(year: int = YEAR, first: datetime | None = None) -> list[int]:
    start = int((first or datetime(year, 1, 1, tzinfo=core.PLANT_TZ)).timestamp())
    end = int(datetime(year + 1, 1, 1, tzinfo=core.PLANT_TZ).timestamp())
    return list(range(start, end + 1, 3600))


def register_values(
    demo: DemoMeter, hours: list[int], *, total: float | None = None, start: float | None = None
) -> list[float]:
    """The meter's register at each hour: its year total (or TOTAL) spread by the hourly
    weights, from START (default: a fresh register; one that wraps once in the year)."""
    weights = [
        _hour_weight(demo.shape, datetime.fromtimestamp(at - 1, core.PLANT_TZ)) for at in hours[1:]
    ]
    scale = (demo.year_total if total is None else total) / sum(weights) / demo.multiplier
    value = 1000.0 if demo.rollover_at is None else demo.rollover_at - 20_000  # wraps once
    if start is not None:
        value = start
    values = [value]
    for weight in weights:
        value += weight * scale
        if demo.rollover_at is not None and value >= demo.rollover_at:
            value -= demo.rollover_at
        values.append(round(value, 4))
    return values


def load_demo(db: Session) -> list[str]:
    """The demo meters, 2023 readings and production; skipped where they exist already."""
    added: list[str] = []
    for demo in DEMO_METERS:
        if db.exec(select(Meter.id).where(Meter.code == demo.code)).first() is None:
            meters.save(
                db,
                actor=DEMO_ACTOR,
                data={
                    "code": demo.code,
                    "name": demo.name,
                    "site": SITE,
                    "workshop": demo.workshop,
                    "line": demo.line,
                    "equipment": demo.equipment,
                    "medium": demo.medium,
                    "kind": demo.kind,
                    "interval_s": 3600 if demo.kind != "manual" else 31 * 86400,
                    "multiplier": demo.multiplier,
                    "rollover_at": demo.rollover_at,
                    "product_line": demo.product_line,
                    "split_key": demo.split_key,
                    "in_service_from": "2022-01-01",
                },
            )
            added.append(f"meter {demo.code}")
    hours = _hours()
    for demo in DEMO_METERS:
        meter = db.exec(select(Meter).where(Meter.code == demo.code)).one()
        if db.exec(select(Reading.id).where(Reading.meter_id == meter.id).limit(1)).first():
            continue
        if demo.kind == "manual":
            for number, weight in enumerate(MONTH_WEIGHTS, start=1):
                entries.enter_month(
                    db,
                    actor=DEMO_ACTOR,
                    meter_code=demo.code,
                    month=f"{YEAR}-{number:02d}",
                    quantity=round(demo.year_total * weight / sum(MONTH_WEIGHTS), 3),
                    note="fuel delivery notes",
                )
        else:
            values = register_values(demo, hours)
            items = [
                readings.RawReading(meter=demo.code, at_s=at, value=value)
                for at, value in zip(hours, values, strict=True)
            ]
            for start in range(0, len(items), readings.MAX_BATCH):
                readings.ingest(
                    db,
                    items=items[start : start + readings.MAX_BATCH],
                    source="file",
                    now_s=hours[-1] + 3600,
                )
        added.append(f"{YEAR} readings {demo.code}")
    for line, total in PRODUCTION_T.items():
        if db.exec(select(Production.id).where(Production.product_line == line).limit(1)).first():
            continue
        shares = [
            Decimal(str(weight)) / Decimal(str(sum(MONTH_WEIGHTS))) for weight in MONTH_WEIGHTS
        ]
        tonnes = [(total * share).quantize(Decimal("0.001"), ROUND_HALF_UP) for share in shares]
        tonnes[-1] += total - sum(tonnes)  # the months add up to the plan's figure exactly
        for number, amount in enumerate(tonnes, start=1):
            entries.save_production(
                db,
                actor=DEMO_ACTOR,
                line=line,
                month=f"{YEAR}-{number:02d}",
                tonnes=amount,
                source="demo production report",
            )
        added.append(f"{YEAR} production {line}")
    from portal.energy.demo_green import load_green_years

    return added + load_green_years(db)
