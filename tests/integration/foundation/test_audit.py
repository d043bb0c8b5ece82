"""The audit trail is append-only and hash-chained."""

from __future__ import annotations

import pytest
from helpers import TEST_ACTOR, make_supplier
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from portal import audit
from portal.audit import AuditEvent


def test_changes_are_recorded_with_before_and_after(session: Session) -> None:
    make_supplier(session, "JCHY")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "supplier.created")).one()
    assert event.actor == TEST_ACTOR.label and event.after and event.after["code"] == "JCHY"


def test_entries_cannot_be_updated_or_deleted(session: Session) -> None:
    make_supplier(session, "JCHY")
    for statement in ("UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    assert session.exec(select(AuditEvent)).one().actor == TEST_ACTOR.label


def test_chain_verifies_and_detects_a_forged_entry(session: Session) -> None:
    for code in ("AAA", "BBB", "CCC"):
        make_supplier(session, code)
    report = audit.verify_chain(session)
    assert report.ok and report.entries == 3
    last = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()  # type: ignore[union-attr]
    assert last is not None
    session.execute(
        text(
            "INSERT INTO audit_event (at, actor, action, entity_type, prev_hash, entry_hash) "
            "VALUES (:at, 'intruder', 'supplier.created', 'supplier', :prev, :forged)"
        ),
        {"at": last.at, "prev": last.entry_hash, "forged": "f" * 64},
    )
    session.commit()
    broken = audit.verify_chain(session)
    assert not broken.ok and broken.problem == "entry_hash does not match the entry's content"


def test_failed_change_leaves_no_audit_entry(session: Session) -> None:
    make_supplier(session, "JCHY")
    audit.record(
        session, actor=TEST_ACTOR, action="supplier.created", entity_type="supplier", entity_id=99
    )
    session.rollback()
    assert len(session.exec(select(AuditEvent)).all()) == 1
    assert audit.verify_chain(session).ok
