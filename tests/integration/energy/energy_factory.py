"""Small factories of the energy tests: meters, epoch times in plant time, API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from portal.audit import Actor
from portal.energy import core, meters
from portal.energy.models import Meter

ACTOR = Actor(label="energy test")


def plant(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    """Unix seconds of a plant-local (UTC+8) time."""
    return int(datetime(year, month, day, hour, minute, tzinfo=core.PLANT_TZ).timestamp())


def make_meter(session: Session, code: str = "EL-1", **fields: Any) -> Meter:
    """A committed meter (cumulative electricity of the alloy line, hourly, unless told)."""
    data = {
        "code": code,
        "name": f"Meter {code}",
        "site": "Plant",
        "workshop": "Casthouse",
        "line": "Alloy line",
        "equipment": "Furnace 1",
        "medium": "electricity",
        "kind": "cumulative",
        "interval_s": 3600,
        "product_line": "alloy",
        "in_service_from": "2020-01-01",
        **fields,
    }
    meter, _outcome = meters.save(session, actor=ACTOR, data=data)
    session.commit()
    return meter
