"""The append-only audit trail: who did what, when, with before and after, hash-chained."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Index, insert, text, update
from sqlmodel import Column, Field, Session, SQLModel, col, select

from portal.db import UtcDateTime, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(SQLModel, table=True):
    """One recorded state change; database triggers refuse updates and deletes."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity_type", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False, index=True)
    )
    actor_id: int | None = Field(default=None, index=True)
    actor: str = Field(max_length=254)
    action: str = Field(max_length=64, index=True)
    entity_type: str = Field(max_length=64)
    entity_id: str | None = Field(default=None, max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    ip: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The single row holding the chain's last hash; updating it first serialises writers."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_hash: str = Field(max_length=64)


@dataclass(frozen=True)
class Actor:
    """Who caused a change: a user, or the system (CLI, demo loader)."""

    label: str
    user_id: int | None = None
    ip: str | None = None


SYSTEM = Actor(label="system")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def entry_digest(prev_hash: str, event: AuditEvent) -> str:
    """The hash that chains EVENT to the entry before it."""
    return _digest(prev_hash, {name: getattr(event, name) for name in _HASHED})


_HASHED = ("at", "actor_id", "actor", "action", "entity_type", "entity_id", "before", "after", "ip")


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    body = {name: fields[name] for name in _HASHED}
    body["prev"] = prev_hash
    body["at"] = fields["at"].isoformat()
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def take_write_lock(db: Session) -> None:
    """Take the audit trail's write lock, held until DB's transaction ends (as `record` does)."""
    db.execute(text("UPDATE audit_head SET last_hash = last_hash WHERE id = 1"))


def record(
    db: Session,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: object | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an entry in the caller's transaction, so it commits or rolls back with the change."""
    # Writing the head row first takes the write lock, so concurrent writers chain in turn.
    # Plain statements, not the ORM's unit of work: this runs in every state change.
    last_hash = db.execute(
        text("UPDATE audit_head SET last_hash = last_hash WHERE id = 1 RETURNING last_hash")
    ).scalar()
    values: dict[str, Any] = {
        "at": utcnow(),
        "actor_id": actor.user_id,
        "actor": actor.label,
        "action": action,
        "entity_type": entity_type,
        "entity_id": None if entity_id is None else str(entity_id),
        "before": _jsonable(before) if before is not None else None,
        "after": _jsonable(after) if after is not None else None,
        "ip": actor.ip,
        "prev_hash": last_hash or GENESIS_HASH,
    }
    values["entry_hash"] = _digest(values["prev_hash"], values)
    insert_event, insert_head, update_head, _columns = _statements()
    event_id = db.execute(insert_event, values).scalar_one()
    db.execute(
        insert_head if last_hash is None else update_head, {"last_hash": values["entry_hash"]}
    )
    db.flush()  # the caller's pending changes, as before
    # What was written, without the model's validating constructor (a fifth of the cost).
    return AuditEvent.model_construct(id=event_id, **values)


@lru_cache(maxsize=1)
def _statements() -> tuple[Any, Any, Any, tuple[str, ...]]:
    events = AuditEvent.__table__  # type: ignore[attr-defined]
    heads = AuditHead.__table__  # type: ignore[attr-defined]
    return (
        insert(events).returning(events.c.id),
        insert(heads).values(id=1),
        update(heads).where(heads.c.id == 1),
        tuple(column.key for column in events.columns if column.key != "id"),
    )


@dataclass(frozen=True)
class ChainReport:
    """Result of checking the audit chain."""

    entries: int
    broken_at: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        """True when every entry links to the one before and its hash matches."""
        return self.broken_at is None


def verify_chain(db: Session) -> ChainReport:
    """Recompute every entry's hash in order and report the first that does not match."""
    prev = GENESIS_HASH
    count = 0
    for event in db.exec(select(AuditEvent).order_by(col(AuditEvent.id))):
        count += 1
        if event.prev_hash != prev:
            return ChainReport(count, event.id, "prev_hash does not match the entry before")
        if entry_digest(prev, event) != event.entry_hash:
            return ChainReport(count, event.id, "entry_hash does not match the entry's content")
        prev = event.entry_hash
    head = db.get(AuditHead, 1)
    if head is not None and head.last_hash != prev:
        return ChainReport(count, None if count == 0 else -1, "head does not match the last entry")
    return ChainReport(count, None, None)
