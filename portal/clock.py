"""The plant's calendar: 'today' is the date in Shanxi (UTC+8), whatever the server's zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

PLANT_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")  # China has no daylight saving


def plant_today() -> date:
    """Today's date at the plant."""
    return datetime.now(PLANT_TIME).date()
