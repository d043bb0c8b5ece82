"""Hourly, daily and monthly roll-ups: kept up to date by additive upserts, and verified."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from portal import bulk
from portal.energy import core
from portal.energy.models import Reading, Rollup

ROLLUP = Rollup.__table__  # type: ignore[attr-defined]
TOLERANCE = 1e-6  # relative; roll-ups are float sums, summed in another order


@dataclass(slots=True)
class StoredReading:
    """A reading row as plain data: the ingest path builds thousands, ORM objects cost 10×."""

    meter_id: int
    at_s: int
    value: float
    source: str
    received_at_s: int
    span_start_s: int
    measured_start_s: int
    energy: float = 0.0
    estimated: float = 0.0
    flags: str = ""
    note: str = ""
    id: int | None = None


STORED_FIELDS = tuple(StoredReading.__dataclass_fields__)


def stored_rows(db: Session, statement: Any) -> list[StoredReading]:
    """The readings STATEMENT selects from the reading table, as plain data.

    Run on the driver's own cursor: SQLAlchemy's result rows cost more than the database's
    work for the thousands of rows a batch's context is."""
    db.flush()
    connection = db.connection()
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = compiled.params
    arguments: Any = (
        [params[name] for name in compiled.positiontup]
        if compiled.positional and compiled.positiontup is not None
        else params
    )
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), arguments)
        keys = [column[0] for column in cursor.description]
        pick = itemgetter(*(keys.index(name) for name in STORED_FIELDS))
        return [StoredReading(*pick(row)) for row in cursor.fetchall()]
    finally:
        cursor.close()


SELECT_STORED = "SELECT " + ", ".join(STORED_FIELDS) + " FROM energy_reading"  # noqa: S608 - column names


def stored_rows_between(
    db: Session, meter_ids: list[int], first: int, last: int
) -> list[StoredReading]:
    """The readings of METER_IDS from FIRST to LAST (Unix seconds, inclusive), as plain data,
    through the driver: no statement to compile for a batch's hundreds of meters."""
    db.flush()
    connection = db.connection()
    marker = "%s" if connection.dialect.name == "postgresql" else "?"
    places = ", ".join([marker] * len(meter_ids))
    # Only placeholders are put into the text; every value is a bound parameter.
    sql = f"{SELECT_STORED} WHERE meter_id IN ({places}) AND at_s >= {marker} AND at_s <= {marker}"
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, [*meter_ids, first, last])
        return [StoredReading(*row) for row in cursor.fetchall()]
    finally:
        cursor.close()


@lru_cache(maxsize=1024)
def flag_set(text: str) -> frozenset[str]:
    """The flags of a reading's comma-separated FLAGS text."""
    return frozenset(filter(None, text.split(",")))


def computed_of(reading: Reading | StoredReading) -> core.Computed:
    """The energy a stored reading stands for."""
    return core.Computed(
        reading.span_start_s,
        reading.measured_start_s,
        reading.energy,
        reading.estimated,
        flag_set(reading.flags),
    )


def reading_parts(
    reading: Reading | StoredReading,
) -> dict[tuple[str, str], tuple[float, float, float]]:
    """What a stored reading adds to its meter's roll-ups."""
    return core.contributions(
        computed_of(reading), reading.at_s, entered=reading.source == "manual"
    )


def apply(db: Session, changes: dict[int, dict[tuple[str, str], list[float]]]) -> None:
    """Add CHANGES (per meter, per (grain, period): measured, estimated, entered) to the
    roll-ups; an upsert that adds, so concurrent writers never lose each other's part."""
    rows = sorted(  # one order for every writer: row locks are taken in it
        (meter_id, grain, period, values[0], values[1], values[2])
        for meter_id, parts in changes.items()
        for (grain, period), values in parts.items()
        if any(abs(value) > 1e-12 for value in values)
    )
    if rows and bulk.is_postgres(db):
        # One statement over arrays: an executemany is one planned statement per row.
        columns = [list(column) for column in zip(*rows, strict=True)]
        db.connection().exec_driver_sql(UPSERT_ARRAYS_SQL, tuple(columns))
    elif rows:
        executemany(db, UPSERT_SQL, rows)


# The same statement on SQLite and PostgreSQL; sent as plain driver executemany, because
# building SQLAlchemy parameters per row cost more than the database's own work.
UPSERT_SQL = (
    "INSERT INTO energy_rollup (meter_id, grain, period, measured, estimated, entered) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p}) ON CONFLICT (meter_id, grain, period) DO UPDATE SET "
    "measured = energy_rollup.measured + excluded.measured, "
    "estimated = energy_rollup.estimated + excluded.estimated, "
    "entered = energy_rollup.entered + excluded.entered"
)


# PostgreSQL: the same upsert of rows given as one array per column, taken in their order.
UPSERT_ARRAYS_SQL = (
    "INSERT INTO energy_rollup (meter_id, grain, period, measured, estimated, entered) "
    "SELECT meter_id, grain, period, measured, estimated, entered FROM unnest("
    "%s::integer[], %s::text[], %s::text[], %s::float8[], %s::float8[], %s::float8[]) "
    "WITH ORDINALITY AS given(meter_id, grain, period, measured, estimated, entered, n) "
    "ORDER BY n ON CONFLICT (meter_id, grain, period) DO UPDATE SET "
    "measured = energy_rollup.measured + excluded.measured, "
    "estimated = energy_rollup.estimated + excluded.estimated, "
    "entered = energy_rollup.entered + excluded.entered"
)


def executemany(db: Session, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Run SQL (placeholders written {p}) once per row of ROWS through the driver."""
    connection = db.connection()
    marker = "%s" if connection.dialect.name == "postgresql" else "?"
    connection.exec_driver_sql(sql.format(p=marker), rows)


@dataclass(frozen=True)
class Drift:
    """A roll-up whose stored figure differs from the readings."""

    meter_id: int
    grain: str
    period: str
    stored: tuple[float, float, float]
    recomputed: tuple[float, float, float]


def recompute(
    readings: Iterable[Reading | StoredReading],
) -> dict[tuple[int, str, str], list[float]]:
    """Roll-ups rebuilt from READINGS."""
    totals: dict[tuple[int, str, str], list[float]] = {}
    for reading in readings:
        for (grain, period), values in reading_parts(reading).items():
            bucket = totals.setdefault((reading.meter_id, grain, period), [0.0, 0.0, 0.0])
            for index in range(3):
                bucket[index] += values[index]
    return totals


def _differs(a: Iterable[float], b: Iterable[float]) -> bool:
    return any(abs(x - y) > TOLERANCE * max(1.0, abs(x), abs(y)) for x, y in zip(a, b, strict=True))


def verify(db: Session, *, meter_ids: list[int] | None = None, fix: bool = False) -> list[Drift]:
    """Recompute every roll-up from the readings; the ones that drifted (rewritten if FIX)."""
    readings_table = Reading.__table__  # type: ignore[attr-defined]
    ids = set(meter_ids or [])
    if not meter_ids:
        ids |= set(db.execute(sa_select(readings_table.c.meter_id).distinct()).scalars())
        ids |= set(db.execute(sa_select(ROLLUP.c.meter_id).distinct()).scalars())
    drifts: list[Drift] = []
    for meter_id in sorted(ids):
        # Core statements: what the database holds now, never a session's cached objects.
        table = Reading.__table__  # type: ignore[attr-defined]
        readings = stored_rows(db, select(table).where(table.c.meter_id == meter_id))
        fresh = recompute(readings)
        stored = {
            (row.meter_id, row.grain, row.period): (row.measured, row.estimated, row.entered)
            for row in db.execute(select(ROLLUP).where(ROLLUP.c.meter_id == meter_id))
        }
        for key in sorted(set(fresh) | set(stored)):
            now = tuple(fresh.get(key, (0.0, 0.0, 0.0)))
            was = stored.get(key, (0.0, 0.0, 0.0))
            if _differs(now, was):
                drifts.append(Drift(key[0], key[1], key[2], was, (now[0], now[1], now[2])))
        if fix and any(drift.meter_id == meter_id for drift in drifts):
            db.execute(delete(ROLLUP).where(ROLLUP.c.meter_id == meter_id))
            apply(
                db,
                {
                    meter_id: {
                        (grain, period): values for (_m, grain, period), values in fresh.items()
                    }
                },
            )
    return drifts


def totals(
    db: Session, *, grain: str, first: str, last: str, meter_ids: list[int] | None = None
) -> dict[tuple[int, str], tuple[float, float, float]]:
    """Roll-ups of GRAIN from period FIRST to LAST (inclusive), per (meter, period)."""
    c = ROLLUP.c
    query = sa_select(
        c.meter_id, c.period, func.sum(c.measured), func.sum(c.estimated), func.sum(c.entered)
    ).where(c.grain == grain, c.period >= first, c.period <= last)
    if meter_ids is not None:
        query = query.where(c.meter_id.in_(meter_ids))
    query = query.group_by(c.meter_id, c.period)
    return {
        (meter_id, period): (float(m or 0), float(e or 0), float(n or 0))
        for meter_id, period, m, e, n in db.execute(query).all()
    }
