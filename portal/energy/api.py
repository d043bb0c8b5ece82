"""JSON API of energy: reading batches from gateways and EMS exports."""

from __future__ import annotations

import math
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from portal.accounts.models import Role
from portal.db import DbSession
from portal.energy import alerts, readings
from portal.energy.readings import MAX_BATCH, LineError, RawReading
from portal.i18n import _
from portal.security import Principal, require_roles

router = APIRouter(tags=["energy"])
Feeder = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.ESG))]


class ReadingBatch(BaseModel):
    """Up to 10,000 readings. Each item: `meter` (code), `at` (ISO 8601; without an offset it
    is plant time, UTC+8; or Unix seconds), `value` (number), optional `unit` (converted when
    the medium accepts it) and `replaced` (true on the first reading of a new meter or
    register). Items are checked one by one; a wrong item never stops the others."""

    readings: list[dict[str, Any]] = Field(max_length=MAX_BATCH)


class LineErrorOut(BaseModel):
    """Why one item of the batch did not become a reading."""

    index: int
    field: str
    kind: str
    message: str


class BatchResult(BaseModel):
    """What the batch did: stored, already there with the same value, flagged, refused."""

    stored: int
    unchanged: int
    flagged: int
    errors: list[LineErrorOut]


ALLOWED = frozenset({"meter", "at", "value", "unit", "replaced"})


def parse_item(index: int, item: Any) -> RawReading | LineError:
    """One batch item as a reading, or what is wrong with it (naming the field)."""
    if type(item) is dict and item.keys() <= ALLOWED:  # the common case, checked cheaply
        meter, at, value = item.get("meter"), item.get("at"), item.get("value")
        if (
            type(meter) is str
            and 0 < len(meter) <= 64
            and meter == meter.strip()
            and type(at) is int
            and isinstance(value, int | float)
            and type(value) is not bool
            and math.isfinite(value)
            and "unit" not in item
            and "replaced" not in item
        ):
            return RawReading(meter, at, float(value))
    if not isinstance(item, dict):
        return LineError(index, "", _("Each reading is an object."), "invalid")
    unknown = sorted(set(item) - {"meter", "at", "value", "unit", "replaced"})
    if unknown:
        return LineError(index, unknown[0], _("This field is not allowed."), "invalid")
    meter = item.get("meter")
    if not isinstance(meter, str) or not meter.strip() or len(meter) > 64:
        return LineError(index, "meter", _("Give the meter's code."), "invalid")
    value = item.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return LineError(index, "value", _("Enter a number."), "invalid")
    try:
        at_s = readings.to_epoch(item.get("at"))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return LineError(
            index, "at", _("Give the time as ISO 8601 (2023-01-05T13:15:00+08:00)."), "invalid"
        )
    unit = item.get("unit")
    if unit is not None and (not isinstance(unit, str) or len(unit) > 16):
        return LineError(index, "unit", _("Give the unit as text."), "invalid")
    replaced = item.get("replaced", False)
    if not isinstance(replaced, bool):
        return LineError(index, "replaced", _("true or false."), "invalid")
    return RawReading(meter.strip(), at_s, float(value), unit or None, replaced)


def ingest_items(db: Any, items: list[Any], *, source: str) -> readings.IngestResult:
    """Parse and ingest ITEMS; parse errors and ingestion errors listed together by index."""
    parsed: list[RawReading] = []
    positions: list[int] = []
    errors: list[LineError] = []
    for index, item in enumerate(items):
        outcome = parse_item(index, item)
        if isinstance(outcome, LineError):
            errors.append(outcome)
        else:
            parsed.append(outcome)
            positions.append(index)
    result = readings.ingest(db, items=parsed, source=source, now_s=int(time.time()))
    result.errors = sorted(
        errors
        + [
            LineError(positions[error.index], error.field, error.message, error.kind)
            for error in result.errors
        ],
        key=lambda error: error.index,
    )
    alerts.on_ingested(db, result)
    return result


@router.post("/energy/readings", response_model=BatchResult, name="api_energy_readings")
def post_readings(body: ReadingBatch, db: DbSession, _feeder: Feeder) -> BatchResult:
    """Store a batch of meter readings (idempotent by meter and time), with per-item errors."""
    result = ingest_items(db, body.readings, source="http")
    return BatchResult(
        stored=result.stored,
        unchanged=result.unchanged,
        flagged=result.flagged,
        errors=[
            LineErrorOut(index=e.index, field=e.field, kind=e.kind, message=e.message)
            for e in result.errors
        ],
    )
