"""Date-driven events, found by a sweep: expiring declarations and data requests falling due.

A sweep may run in every drain of every server, daily or more often: each event is owed once
per declaration and threshold (or request and supplier), so running it again adds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from portal.clock import plant_today
from portal.declarations.models import Declaration, DeclarationStatus
from portal.notifications.events import EXPIRY_THRESHOLDS_DAYS, declaration_expiring

EXPIRED_LOOKBACK_DAYS = 30  # an expiry older than this is history, not news


def expiring_declarations(db: Session, today: date) -> list[Declaration]:
    """Accepted declarations ending within 60 days (or ended in the last 30) not yet renewed."""
    newer = aliased(Declaration)
    renewed = (
        select(newer.id)
        .where(
            newer.supplier_id == Declaration.supplier_id,
            newer.material_code == Declaration.material_code,
            newer.status == DeclarationStatus.ACCEPTED.value,
            col(newer.valid_until) > col(Declaration.valid_until),
        )
        .exists()
    )
    statement = (
        select(Declaration)
        .where(
            Declaration.status == DeclarationStatus.ACCEPTED.value,
            col(Declaration.valid_until) <= today + timedelta(days=max(EXPIRY_THRESHOLDS_DAYS)),
            col(Declaration.valid_until) >= today - timedelta(days=EXPIRED_LOOKBACK_DAYS),
            ~renewed,
        )
        .order_by(col(Declaration.valid_until), col(Declaration.id))
    )
    return list(db.exec(statement).all())


def sweep_expiries(db: Session, today: date) -> int:
    """Owe every reminder reached today; how many notifications were added."""
    return sum(
        declaration_expiring(db, declaration, today=today)
        for declaration in expiring_declarations(db, today)
    )


def sweep_all(engine: Engine, today: date | None = None) -> int:
    """Run every sweep in one transaction; how many notifications were added."""
    from portal.datarequests.service import sweep_due

    today = today or plant_today()
    with Session(engine, expire_on_commit=False) as db, db.begin():
        return sweep_expiries(db, today) + sweep_due(db, today)
