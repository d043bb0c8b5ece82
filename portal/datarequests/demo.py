"""Demo data requests, made by the ESG demo user through the real service.

Loaded before the demo declarations, so the declarations answer them as a supplier's submission
would: JCHY's accepted ADC12 ingot answers the recycled-ingot request, YNSD's billet (in review,
a scan) the billet request. What ESG's /data-requests then shows (counts per supplier):
  recycled ingot, due in 3 weeks: JCHY accepted; YNSD and SXML requested
  billet, due 10 days ago:        YNSD submitted; SXML overdue
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from portal.accounts.models import User
from portal.audit import Actor
from portal.clock import plant_today
from portal.datarequests import service
from portal.datarequests.models import DataRequest
from portal.suppliers.models import Supplier

ESG_EMAIL = "esg@demo.portal"


@dataclass(frozen=True)
class DemoRequest:
    """One request: asked ASKED_DAYS_AGO, due DUE_IN_DAYS from today (negative: overdue)."""

    title: str
    message: str
    material: str
    suppliers: tuple[str, ...]
    asked_days_ago: int
    due_in_days: int


DEMO_REQUESTS = (
    DemoRequest(
        "再生铝锭碳足迹 / Recycled aluminium ingot footprints",
        "We plan to raise the recycled share next year: please declare your recycled ingot, "
        "with its ASI Chain of Custody evidence. / "
        "明年计划提高再生铝比例，请申报再生铝锭并附ASI监管链证明。",
        "al_recycled_ingot",
        ("JCHY", "YNSD", "SXML"),
        asked_days_ago=0,
        due_in_days=21,
    ),
    DemoRequest(
        "铝棒碳足迹 / Aluminium billet footprints",
        "For the extrusion line's customer reports. / 用于挤压线的客户报告。",
        "al_billet",
        ("YNSD", "SXML"),
        asked_days_ago=30,
        due_in_days=-10,
    ),
)


def load_demo(db: Session) -> list[str]:
    """Create the demo data requests that are missing; returns what was added."""
    esg = db.exec(select(User).where(col(User.email) == ESG_EMAIL)).first()
    if esg is None:
        return []
    actor = Actor(label=ESG_EMAIL, user_id=esg.id)
    today = plant_today()
    added: list[str] = []
    for demo in DEMO_REQUESTS:
        if db.exec(select(DataRequest).where(col(DataRequest.title) == demo.title)).first():
            continue
        suppliers = db.exec(select(Supplier).where(col(Supplier.code).in_(demo.suppliers))).all()
        # The overdue one is created as on the day it was asked (the service refuses past dates).
        asked_on: date = today - timedelta(days=demo.asked_days_ago)
        service.create(
            db,
            actor=actor,
            title=demo.title,
            message=demo.message,
            due_on=today + timedelta(days=demo.due_in_days),
            material_codes=[demo.material],
            supplier_ids=[s.id for s in suppliers if s.id is not None],
            everyone_bought=False,
            today=asked_on,
        )
        added.append(f"data request {demo.material} to {', '.join(sorted(demo.suppliers))}")
    return added
