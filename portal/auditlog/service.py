"""Reading the audit trail: entries by entity, actor, action and plant date, newest first."""

from __future__ import annotations

import json
import threading
import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.audit import AuditEvent, AuditHead, ChainReport, verify_chain
from portal.clock import PLANT_TIME
from portal.db import utcnow
from portal.listing import ListQuery, page_select

PAGE_SIZE = 50
# Verifying recomputes every entry's hash (about 55 ms per 1,000 entries, bench/
# audit_trail_bench.py): a result is reused while no entry was added, for at most a minute.
CHAIN_FRESH_S = 60.0
# The page of each entity a reader can open, and the roles that may open it.
ENTITY_PAGES: dict[str, tuple[str, frozenset[str]]] = {
    "declaration": ("/declarations/{id}", frozenset({"esg", "buyer", "supplier"})),
    "purchase": ("/tracking/purchases/{id}", frozenset({"esg"})),
    "purchase_import": ("/purchases/import/{id}", frozenset({"buyer"})),
    "supplier": ("/admin/suppliers", frozenset({"admin"})),
    "user": ("/admin/users", frozenset({"admin"})),
    "api_token": ("/admin/users", frozenset({"admin"})),
    "energy_alert": ("/energy/alerts", frozenset({"esg", "admin"})),
    "energy_meter": ("/energy/meters", frozenset({"esg", "admin"})),
    "pact_footprint": ("/pact/published", frozenset({"esg"})),
    "pact_client": ("/admin/pact/clients", frozenset({"admin"})),
}


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; empty strings and None mean "any"."""

    entity_type: str = ""
    entity_id: str = ""
    actor: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for links to other pages)."""
        values = {
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "actor": self.actor,
            "action": self.action,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class Entries:
    """One page of entries and how many match in all."""

    rows: list[AuditEvent]
    total: int
    page: int
    pages: int


def plant_start(day: date) -> datetime:
    """The UTC instant a plant date starts (00:00 in UTC+8)."""
    return datetime.combine(day, time.min, PLANT_TIME).astimezone(UTC)


def _conditions(filters: Filters) -> list[Any]:
    conditions: list[Any] = []
    if filters.entity_type:
        conditions.append(col(AuditEvent.entity_type) == filters.entity_type)
    if filters.entity_id:
        conditions.append(col(AuditEvent.entity_id) == filters.entity_id)
    if filters.actor:
        pattern = filters.actor.lower()
        conditions.append(func.lower(col(AuditEvent.actor)).contains(pattern, autoescape=True))
    if filters.action:
        conditions.append(col(AuditEvent.action) == filters.action)
    if filters.date_from:
        conditions.append(col(AuditEvent.at) >= plant_start(filters.date_from))
    if filters.date_to:
        conditions.append(col(AuditEvent.at) < plant_start(filters.date_to + timedelta(days=1)))
    return conditions


# What the trail's free-text search looks in, and the columns it sorts by.
SEARCHED = (
    col(AuditEvent.actor),
    col(AuditEvent.action),
    col(AuditEvent.entity_type),
    col(AuditEvent.entity_id),
)
SORTS = {
    "id": (col(AuditEvent.id),),
    "actor": (col(AuditEvent.actor),),
    "action": (col(AuditEvent.action),),
    "entity": (col(AuditEvent.entity_type), col(AuditEvent.entity_id)),
}


def entries(db: Session, *, filters: Filters, page: int, query: ListQuery | None = None) -> Entries:
    """The matching entries of PAGE (from 1), newest first (or as QUERY searches and sorts)."""
    conditions = _conditions(filters)
    if query is not None:
        statement = select(AuditEvent).where(*conditions)
        found = page_select(
            db, statement, query, search=SEARCHED, sorts=SORTS, tiebreak=(col(AuditEvent.id),)
        )
        return Entries(rows=list(found.rows), total=found.total, page=query.page, pages=found.pages)
    total = db.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = list(
        db.exec(
            select(AuditEvent)
            .where(*conditions)
            .order_by(col(AuditEvent.id).desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    return Entries(rows=rows, total=total, page=page, pages=pages)


def choices(db: Session) -> tuple[list[str], list[str]]:
    """The entity types and actions present in the trail, for the filter lists."""
    types = db.exec(select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type))
    actions = db.exec(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return list(types), list(actions)


def entity_link(event: AuditEvent, role: str) -> str | None:
    """The page of the entry's entity, if it has one this role may open."""
    found = ENTITY_PAGES.get(event.entity_type)
    if found is None or role not in found[1]:
        return None
    template, _roles = found
    if "{id}" in template:
        if not event.entity_id or not event.entity_id.isdigit():
            return None
        return template.format(id=event.entity_id)
    return template


def _readable(value: dict[str, Any] | None) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def changes(event: AuditEvent) -> tuple[str, str]:
    """The entry's before and after as readable JSON (Chinese kept as written)."""
    return _readable(event.before), _readable(event.after)


@dataclass(frozen=True)
class Verified:
    """A verification of the whole chain, and when it ran."""

    report: ChainReport
    at: datetime
    state: tuple[int | None, str | None]
    monotonic_s: float


_verified: dict[str, Verified] = {}
_verifying = threading.Lock()


def _database(db: Session) -> str:
    bind = db.get_bind()
    return str(bind.engine.url)


def _state(db: Session) -> tuple[int | None, str | None]:
    last = db.exec(select(func.max(AuditEvent.id))).one()
    head = db.get(AuditHead, 1)
    return last, head.last_hash if head is not None else None


def recent_verification(db: Session) -> Verified | None:
    """The last verification of this database, if under a minute old and no entry came since."""
    found = _verified.get(_database(db))
    if found is None or clock.monotonic() - found.monotonic_s > CHAIN_FRESH_S:
        return None
    return found if found.state == _state(db) else None


def verify(db: Session) -> Verified:
    """Verify the chain now, or reuse a verification under a minute old with no entry since."""
    with _verifying:  # one verification at a time in this process: they are long
        found = recent_verification(db)
        if found is not None:
            return found
        state = _state(db)
        verified = Verified(verify_chain(db), utcnow(), state, clock.monotonic())
        _verified[_database(db)] = verified
        return verified
