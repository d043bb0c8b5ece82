"""The one door for readings: validation, idempotency, data quality, roll-ups.

MQTT, HTTP batches, file imports and manual entries all call `ingest`; it never knows which
door a reading came through except for the source it records.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from portal import bulk
from portal.energy import core, rollups
from portal.energy.factors import EnergyRules
from portal.energy.models import Meter, Reading, ReadingIssue
from portal.energy.rules import energy_rules
from portal.i18n import _

SOURCES = ("mqtt", "http", "file", "manual")
MAX_BATCH = 10_000
FUTURE_SLACK_S = 24 * 3600  # a gateway's clock may run ahead a little; a day is a mistake
EARLIEST_S = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp())
READING_TABLE = Reading.__table__  # type: ignore[attr-defined]
ISSUE_TABLE = ReadingIssue.__table__  # type: ignore[attr-defined]
SHARED_WINDOW_S = 14 * 86400  # a batch's meters read in one statement while this close
# Intervals read back beyond the history, so a few missing readings are still found in the
# batch's one read; a meter with more gaps has its older readings asked for alone. (Twice
# the history read back was 2× the rows a listener's half-second batch brings.)
LOOKBACK_SLACK = 4
SAME_VALUE = 1e-9  # relative: a resent reading with the same value is not a conflict


class RawReading(NamedTuple):
    """A reading as it arrived: meter code, instant, value and (optionally) its unit.
    (A named tuple: a batch makes ten thousand of them.)"""

    meter: str
    at_s: int
    value: float
    unit: str | None = None
    replaced: bool = False  # the first reading of a new meter or register (a new start value)
    period_start_s: int | None = None  # manual entries: start of the period they cover


@dataclass(frozen=True)
class LineError:
    """Why item INDEX of a batch did not become a reading."""

    index: int
    field: str
    message: str
    kind: str


@dataclass
class IngestResult:
    """What a batch did."""

    stored: int = 0
    unchanged: int = 0
    flagged: int = 0
    errors: list[LineError] = field(default_factory=list)
    flagged_readings: list[tuple[str, int, str]] = field(default_factory=list)  # meter, at, flags


def to_epoch(value: datetime | int | float | str) -> int:
    """Unix seconds of VALUE: seconds, or ISO 8601 (without an offset: plant time, UTC+8)."""
    if isinstance(value, bool):
        raise ValueError("not a time")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("not a time")
        return int(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=core.PLANT_TZ)
    return int(value.timestamp())


def spec_of(meter: Meter) -> core.MeterSpec:
    """The maths' view of METER."""
    return core.MeterSpec(
        kind=meter.kind,
        interval_s=meter.interval_s,
        multiplier=meter.multiplier,
        rollover_at=meter.rollover_at,
        max_rate_per_h=meter.max_rate_per_h,
        spike_reference="peak" if meter.role == "generation" else "median",
    )


def _point(reading: rollups.StoredReading) -> core.Point:
    return core.Point(
        reading.at_s,
        reading.value,
        rollups.flag_set(reading.flags),
        reading.span_start_s if reading.source == "manual" else None,
    )


def _in_service(meter: Meter, at_s: int) -> bool:
    first, last = _service_bounds(meter.in_service_from, meter.in_service_to)
    return first <= at_s < last


@lru_cache(maxsize=4096)
def _service_bounds(first: date, last: date | None) -> tuple[int, int]:
    """Unix seconds of the plant-local start of FIRST and the end of LAST."""
    start = datetime(first.year, first.month, first.day, tzinfo=core.PLANT_TZ)
    if last is None:
        return int(start.timestamp()), 2**62
    end = datetime(last.year, last.month, last.day, tzinfo=core.PLANT_TZ) + timedelta(days=1)
    return int(start.timestamp()), int(end.timestamp())


def _check(
    item: RawReading, meter: Meter | None, rules: EnergyRules, now_s: int
) -> tuple[str, str, str] | float:
    """The value in the meter's unit, or (kind, field, message) of what is wrong."""
    if meter is None:
        return "unknown_meter", "meter", _("No meter with code '%(code)s'.") % {"code": item.meter}
    if meter.kind == "manual" and item.period_start_s is None:
        return (
            "invalid",
            "meter",
            _("Meter '%(code)s' takes monthly entries only, not readings.") % {"code": meter.code},
        )
    if not math.isfinite(item.value):
        return "invalid", "value", _("Enter a number.")
    if not EARLIEST_S <= item.at_s <= now_s + FUTURE_SLACK_S:
        return "invalid", "at", _("The time lies in the future or before 2000.")
    if not _in_service(meter, item.at_s):
        return (
            "out_of_service",
            "at",
            _("Meter '%(code)s' is not in service on that date.") % {"code": meter.code},
        )
    ratio: Decimal | None = Decimal(1)
    if item.unit and item.unit != meter.unit:
        medium = rules.media.get(meter.medium)
        ratio = medium.factor_to_unit(item.unit) if medium and medium.unit == meter.unit else None
        if ratio is None:
            return (
                "wrong_unit",
                "unit",
                _("Meter '%(code)s' reads %(unit)s, not %(given)s.")
                % {"code": meter.code, "unit": meter.unit, "given": item.unit},
            )
    return item.value * float(ratio or 1)


def ingest(
    db: Session,
    *,
    items: list[RawReading],
    source: str,
    now_s: int | None = None,
    rules: EnergyRules | None = None,
) -> IngestResult:
    """Store ITEMS once each (by meter and time), flag their quality, update the roll-ups."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source}")
    now_s = int(time.time()) if now_s is None else now_s
    rules = rules or energy_rules()
    result = IngestResult()
    codes = sorted({item.meter for item in items})
    meters = (
        {
            meter.code: meter
            for meter in db.exec(
                # Row locks serialise two batches of the same meter on PostgreSQL.
                select(Meter)
                .where(col(Meter.code).in_(codes))
                .order_by(col(Meter.id))
                .with_for_update()
            ).all()
        }
        if codes
        else {}
    )
    issues: list[dict[str, object]] = []
    received_at = datetime.fromtimestamp(now_s, UTC)
    by_meter: dict[int, dict[int, tuple[int, float, RawReading]]] = defaultdict(dict)

    def refuse(index: int, item: RawReading, kind: str, field_name: str, message: str) -> None:
        result.errors.append(LineError(index, field_name, message, kind))
        issues.append(
            {
                "received_at": received_at,
                "source": source,
                "kind": kind,
                "meter_code": item.meter[:64],
                "at_s": item.at_s,
                "value": item.value if math.isfinite(item.value) else None,
                "unit": (item.unit or "")[:16],
                "message": message[:300],
            }
        )

    # Per meter, as plain values: what a reading in the meter's own unit must satisfy. ORM
    # attribute reads cost, for every reading of a batch.
    plain = {
        code: (
            meter.id or 0,
            meter.kind == "manual",
            *_service_bounds(meter.in_service_from, meter.in_service_to),
            meter.unit,
        )
        for code, meter in meters.items()
    }
    latest_s = now_s + FUTURE_SLACK_S
    for index, item in enumerate(items):
        known = plain.get(item.meter)
        checked: tuple[str, str, str] | float
        if (
            known is not None
            and not (known[1] and item.period_start_s is None)
            and EARLIEST_S <= item.at_s <= latest_s
            and known[2] <= item.at_s < known[3]
            and (not item.unit or item.unit == known[4])
            and math.isfinite(item.value)
        ):
            checked = item.value  # valid as it is (the common case)
        else:
            checked = _check(item, meters.get(item.meter), rules, now_s)
        if isinstance(checked, tuple):
            refuse(index, item, *checked)
            continue
        assert known is not None
        meter_id = known[0]
        seen = by_meter[meter_id].get(item.at_s)
        if seen is not None:
            if _same(seen[1], checked):
                result.unchanged += 1
            else:
                refuse(index, item, *_conflict(meters[item.meter], item.at_s))
            continue
        by_meter[meter_id][item.at_s] = (index, checked, item)

    changes: dict[int, dict[tuple[str, str], list[float]]] = {}
    by_id = {meter.id: meter for meter in meters.values()}
    contexts = _contexts(db, {m: (min(new), max(new)) for m, new in by_meter.items()}, by_id)
    inserts: list[tuple[object, ...]] = []
    updates: list[dict[str, object]] = []
    for meter_id, new in by_meter.items():
        changes[meter_id] = {}
        meter_inserts, meter_updates = _ingest_meter(
            by_id[meter_id], new, contexts[meter_id], source, now_s, changes[meter_id], result,
            refuse,
        )  # fmt: skip
        inserts += meter_inserts
        updates += meter_updates
    if inserts and bulk.is_postgres(db):
        bulk.copy_rows(db, "energy_reading", READING_COLUMNS, inserts)
    elif inserts:
        rollups.executemany(db, INSERT_SQL, inserts)
    if updates:
        db.execute(
            update(READING_TABLE)
            .where(READING_TABLE.c.id == bindparam("b_id"))
            .values({name: bindparam(name) for name in updates[0] if name != "b_id"}),
            updates,
        )
    if issues:
        db.execute(insert(ISSUE_TABLE), issues)
    rollups.apply(db, changes)
    return result


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= SAME_VALUE * max(1.0, abs(a), abs(b))


def _conflict(meter: Meter, at_s: int) -> tuple[str, str, str]:
    return (
        "conflicting_duplicate",
        "value",
        _("Meter '%(code)s' already has a different reading at that time; the first is kept.")
        % {"code": meter.code},
    )


def _contexts(
    db: Session, spans: dict[int, tuple[int, int]], meters: dict[int | None, Meter]
) -> dict[int, list[rollups.StoredReading]]:
    """Per meter: its stored readings within its new readings' span, the HISTORY + 1 before
    and the first after. A few statements for the whole batch, not three per meter."""
    if not spans:
        return {}
    table = READING_TABLE
    ids = sorted(spans)
    hi_all = max(hi for _lo, hi in spans.values())
    lookbacks = {m: meters[m].interval_s * (core.HISTORY + 1 + LOOKBACK_SLACK) for m in ids}
    found: dict[int, dict[int, rollups.StoredReading]] = {m: {} for m in ids}
    first_all = min(spans[m][0] - lookbacks[m] for m in ids)
    if hi_all - first_all <= SHARED_WINDOW_S:
        # One window for all: each meter's next reading is in it or after its end.
        windows = [(ids, first_all, hi_all)]
    else:  # spans far apart (a late reading, monthly entries): one window per meter
        windows = [([m], spans[m][0] - lookbacks[m], spans[m][1]) for m in ids]
    later: list[Any] = []
    for window_ids, first, last in windows:
        for row in rollups.stored_rows_between(db, window_ids, first, last):
            found[row.meter_id][row.at_s] = row
        later += db.execute(
            sa_select(table.c.meter_id, func.min(table.c.at_s))
            .where(table.c.meter_id.in_(window_ids), table.c.at_s > last)
            .group_by(table.c.meter_id)
        ).all()
    if later:
        wanted = {(meter_id, at_s) for meter_id, at_s in later}
        rows = _rows(
            db,
            select(table).where(
                table.c.meter_id.in_([m for m, _at in wanted]),
                table.c.at_s.in_({at for _m, at in wanted}),
            ),
        )
        for row in rows:
            if (row.meter_id, row.at_s) in wanted:
                found[row.meter_id][row.at_s] = row
    out: dict[int, list[rollups.StoredReading]] = {}
    lacking = [
        m for m, (lo, _hi) in spans.items() if sum(at < lo for at in found[m]) < core.HISTORY + 1
    ]
    older: set[int] = set()
    if lacking:  # which of them have anything before their windows (new meters have not)
        before_windows = max(first for _ids, first, _last in windows)
        older = set(
            db.execute(
                sa_select(table.c.meter_id)
                .where(table.c.meter_id.in_(lacking), table.c.at_s < before_windows)
                .distinct()
            ).scalars()
        )
    for meter_id, (lo, hi) in spans.items():
        rows_by_at = found[meter_id]
        before = sorted(at for at in rows_by_at if at < lo)
        if len(before) < core.HISTORY + 1 and meter_id in older:
            # Older than the look-back window (a meter silent for a while): ask for it alone.
            for row in _rows(
                db,
                select(table)
                .where(table.c.meter_id == meter_id, table.c.at_s < lo - lookbacks[meter_id])
                .order_by(table.c.at_s.desc())
                .limit(core.HISTORY + 1 - len(before)),
            ):
                rows_by_at[row.at_s] = row
            before = sorted(at for at in rows_by_at if at < lo)
        keep = set(before[-(core.HISTORY + 1) :])
        after = [at for at in rows_by_at if at > hi]
        if after:
            keep.add(min(after))
        keep |= {at for at in rows_by_at if lo <= at <= hi}
        out[meter_id] = [rows_by_at[at] for at in sorted(keep)]
    return out


def _ingest_meter(
    meter: Meter,
    new: dict[int, tuple[int, float, RawReading]],
    context: list[rollups.StoredReading],
    source: str,
    now_s: int,
    changes: dict[tuple[str, str], list[float]],
    result: IngestResult,
    refuse: Callable[..., None],
) -> tuple[list[tuple[object, ...]], list[dict[str, object]]]:
    """Merge NEW into the meter's stored chain; the rows to insert and to update."""
    assert meter.id is not None
    meter_id, meter_code = meter.id, meter.code  # ORM attribute reads cost, in a hot loop
    stored = {reading.at_s: reading for reading in context}
    latest_s = max(stored) if stored else None
    fresh: dict[int, rollups.StoredReading] = {}
    for at_s, (index, value, item) in new.items():
        existing = stored.get(at_s)
        if existing is not None:
            if _same(existing.value, value):
                result.unchanged += 1
            else:
                refuse(index, item, *_conflict(meter, at_s))
            continue
        arrival = set()
        if latest_s is not None and at_s < latest_s:
            arrival.add(core.FLAG_LATE)
        if item.replaced:
            arrival.add(core.FLAG_REPLACED)
        fresh[at_s] = rollups.StoredReading(
            meter_id=meter_id,
            at_s=at_s,
            value=value,
            source=source,
            received_at_s=now_s,
            span_start_s=item.period_start_s if item.period_start_s is not None else at_s,
            measured_start_s=at_s,
            flags=",".join(sorted(arrival)),
        )
    if not fresh:
        return [], []
    first_new = min(fresh)
    everything = sorted({**stored, **fresh}.items())
    # The stored readings before the first new one keep their figures: their measured rates
    # are the meter's history and the last of them is the chain's start; only the rest is
    # computed again.
    cut = next(i for i, (at_s, _reading) in enumerate(everything) if at_s >= first_new)
    history = [
        rate
        for at_s, reading in everything[:cut]
        if (rate := core.measured_rate(rollups.computed_of(reading), at_s)) is not None
    ]
    start = _point(everything[cut - 1][1]) if cut else None
    timeline = everything[cut:]
    points = [_point(reading) for _at, reading in timeline]
    computed = core.chain(spec_of(meter), points, history=history, prev=start)
    inserts: list[tuple[object, ...]] = []
    updates: list[dict[str, object]] = []
    hourly: dict[str, list[float]] = {}
    for (at_s, reading), result_of in zip(timeline, computed, strict=True):
        if at_s < first_new:
            continue  # context only: nothing before the first new reading changes
        is_new = at_s in fresh
        if not is_new:
            old = rollups.computed_of(reading)
            if (old.span_start, old.measured_start, old.energy, old.estimated, old.flags) == (
                result_of.span_start,
                result_of.measured_start,
                result_of.energy,
                result_of.estimated,
                result_of.flags,
            ):
                continue
            core.add_hours(hourly, old, at_s, entered=reading.source == "manual", sign=-1.0)
        reading.span_start_s = result_of.span_start
        reading.measured_start_s = result_of.measured_start
        reading.energy = result_of.energy
        reading.estimated = result_of.estimated
        reading.flags = ",".join(sorted(result_of.flags))
        core.add_hours(hourly, result_of, at_s, entered=reading.source == "manual")
        fields = {
            "span_start_s": reading.span_start_s,
            "measured_start_s": reading.measured_start_s,
            "energy": reading.energy,
            "estimated": reading.estimated,
            "flags": reading.flags,
        }
        if is_new:
            inserts.append(
                (
                    meter_id,
                    at_s,
                    reading.value,
                    reading.source,
                    reading.received_at_s,
                    reading.span_start_s,
                    reading.measured_start_s,
                    reading.energy,
                    reading.estimated,
                    reading.flags,
                    "",
                )
            )
            result.stored += 1
            judged = result_of.flags - {core.FLAG_LATE}
            if judged:
                result.flagged += 1
                result.flagged_readings.append((meter_code, at_s, reading.flags))
        else:
            updates.append({"b_id": reading.id, **fields})
    core.roll_up_hours(changes, hourly)
    return inserts, updates


READING_COLUMNS = (
    "meter_id", "at_s", "value", "source", "received_at_s", "span_start_s", "measured_start_s",
    "energy", "estimated", "flags", "note",
)  # fmt: skip
INSERT_SQL = (
    "INSERT INTO energy_reading (meter_id, at_s, value, source, received_at_s, span_start_s, "
    "measured_start_s, energy, estimated, flags, note) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"
)  # the columns of READING_COLUMNS


def _rows(db: Session, statement: Any) -> list[rollups.StoredReading]:
    """Stored readings as plain data: changed here, written by statements."""
    return rollups.stored_rows(db, statement)


def month_bounds(month: str) -> tuple[int, int]:
    """Unix seconds of the plant-local start of MONTH ("2023-01") and of the next month."""
    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=core.PLANT_TZ)
    following = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=core.PLANT_TZ)
    return int(start.timestamp()), int(following.timestamp())


def parse_month(text: str, field_name: str = "month") -> str:
    """A month written YYYY-MM, or InvalidInput naming FIELD_NAME."""
    from portal.errors import InvalidInput

    try:
        parsed = date.fromisoformat(text.strip() + "-01")
    except ValueError:
        raise InvalidInput(_("Enter a month as YYYY-MM."), field=field_name) from None
    if not 2000 <= parsed.year <= 2100:
        raise InvalidInput(_("Enter a month as YYYY-MM."), field=field_name)
    return parsed.strftime("%Y-%m")
