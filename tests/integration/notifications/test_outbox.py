"""The notification outbox: owed in the event's transaction, mailed once by a real SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from factories import make_declaration
from helpers import make_supplier, make_user
from smtp_inbox import mail_server
from sqlmodel import Session, col, select

from portal import config
from portal.accounts.models import Role
from portal.declarations.models import DeclarationStatus
from portal.notifications import events, outbox
from portal.notifications.models import EmailState, Notification
from portal.notifications.service import active_users, enqueue

PORTAL = Path(sys.executable).parent / "portal"


def _owe_review(session: Session) -> int:
    """A declaration in review by ACME, owed to the reviewers; its id."""
    supplier = make_supplier(session, "ACME", name_zh="艾克美铝业", name_en="Acme Aluminium")
    declaration = make_declaration(session, supplier, status=DeclarationStatus.IN_REVIEW)
    events.declaration_submitted(session, declaration)
    session.commit()
    assert declaration.id is not None
    return declaration.id


def test_each_reviewer_gets_one_email_in_their_language_with_the_link(
    session: Session,
    engine,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    server, _port = smtp
    esg = make_user(session, "esg", "esg@example.com")
    make_user(session, "buyer", "buyer@example.com")
    esg.notification_language = "en"
    session.add(esg)
    session.commit()
    declaration_id = _owe_review(session)

    report = outbox.run_once(engine, sweep=False)
    assert report.states == {"sent": 2}
    english = server.to("esg@example.com")
    chinese = server.to("buyer@example.com")
    assert [mail.subject for mail in english] == [
        "To review: Acme Aluminium, Primary aluminium ingot (version 1)"
    ]
    assert english[0].language == "en"
    # The link follows PORTAL_BASE_URL at sending time.
    assert f"http://portal.test:8123/review/{declaration_id}" in english[0].text
    assert len(chinese) == 1 and chinese[0].language == "zh-CN"
    assert "艾克美铝业" in chinese[0].subject and "待审核" in chinese[0].subject

    # Run again, or owe the same event again: nothing more is sent.
    declaration = session.get(events.Declaration, declaration_id)
    assert declaration is not None
    events.declaration_submitted(session, declaration)
    session.commit()
    assert outbox.run_once(engine, sweep=False).states == {}
    assert len(server.messages) == 2
    rows = session.exec(select(Notification)).all()
    assert {row.email_state for row in rows} == {EmailState.SENT.value}
    assert [row.attempts for row in rows] == [1, 1]


def test_a_rolled_back_event_owes_nothing(session: Session, engine, smtp) -> None:  # type: ignore[no-untyped-def]
    server, _port = smtp
    make_user(session, "esg", "esg@example.com")
    with Session(engine) as db, db.begin():  # as a request does: one transaction
        added = enqueue(
            db,
            kind="test",
            event_key="test:1",
            users=active_users(db, Role.ESG),
            compose=lambda: ("subject", "body"),
        )
        assert len(added) == 1
        db.rollback()  # the change that caused it failed
    assert outbox.run_once(engine, sweep=False).states == {}
    assert server.messages == []


def test_without_smtp_the_notification_stays_in_the_app_only(
    session: Session, engine, settings: config.Settings
) -> None:
    make_user(session, "esg", "esg@example.com")
    _owe_review(session)
    assert outbox.run_once(engine, sweep=False).states == {"skipped": 1}
    row = session.exec(select(Notification)).one()
    assert row.read_at is None and row.email_state == "skipped"


def test_a_refusing_server_is_tried_again_later(session: Session, engine, smtp) -> None:  # type: ignore[no-untyped-def]
    server, _port = smtp
    make_user(session, "esg", "esg@example.com")
    _owe_review(session)
    server.hold.set()
    server.release()  # the held message is refused at once with 451
    assert outbox.run_once(engine, sweep=False).states == {"pending": 1}
    row = session.exec(select(Notification)).one()
    session.refresh(row)
    assert row.attempts == 1 and "451" in (row.last_error or "")
    # Retried after first_retry_s (30 s): not yet.
    assert outbox.run_once(engine, sweep=False).states == {}
    assert server.messages == []


def _drain(settings: config.Settings, port: int, lease_s: float) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PORTAL_ENV": "test",
        "PORTAL_DATABASE_URL": settings.database_url,
        "PORTAL_SMTP_HOST": "127.0.0.1",
        "PORTAL_SMTP_PORT": str(port),
        "PORTAL_SMTP_STARTTLS": "false",
        "PORTAL_NOTIFY_LEASE_S": str(lease_s),
        "PORTAL_NOTIFY_POLL_S": "0.2",
    }
    return subprocess.Popen(
        [str(PORTAL), "notify", "--loop", "--no-sweep"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait(condition, timeout_s: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_the_outbox_survives_a_killed_drain_and_sends_each_email_exactly_once(
    session: Session, settings: config.Settings
) -> None:
    for n in range(5):
        make_user(session, "esg", f"esg{n}@example.com")
    _owe_review(session)  # 5 notifications, one per ESG user
    with mail_server() as (server, port):
        server.hold.set()  # the first message hangs in the SMTP server
        first = _drain(settings, port, lease_s=2)
        try:
            assert server.held.wait(30), "the drain never sent"
            claimed = session.exec(
                select(Notification).where(col(Notification.claimed_by).is_not(None))
            ).all()
            assert len(claimed) == 5  # the whole batch is leased to the first drain
        finally:
            os.killpg(first.pid, signal.SIGKILL)  # dies mid-send: no result recorded
            first.wait(10)
        server.release()  # the dead drain's message is refused, never delivered
        assert server.messages == []
        second = _drain(settings, port, lease_s=2)
        try:
            _wait(lambda: len(server.messages) >= 5)
            time.sleep(1.0)  # a duplicate would arrive meanwhile
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(10)
    assert sorted(mail.to[0] for mail in server.messages) == [
        f"esg{n}@example.com" for n in range(5)
    ]
    session.expire_all()
    rows = session.exec(select(Notification)).all()
    assert [row.email_state for row in rows] == ["sent"] * 5
    # The killed attempt was never recorded: each row counts the one that went through.
    assert [row.attempts for row in rows] == [1] * 5


def test_expiry_reminders_are_sent_once_per_threshold(
    session: Session,
    engine,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    server, _port = smtp
    supplier = make_supplier(session, "ACME", name_zh="艾克美铝业", name_en="Acme Aluminium")
    contact = make_user(session, "supplier", "sales@acme.example", supplier=supplier)
    contact.notification_language = "en"
    session.add(contact)
    make_user(session, "esg", "esg@example.com")
    session.commit()
    make_declaration(session, supplier, valid_until=date(2027, 3, 31))
    from portal.notifications.sweeps import sweep_all

    # 31 Jan -> 31 Mar is 59 days: the 60-day reminder, to the supplier and the ESG team.
    assert sweep_all(engine, today=date(2027, 1, 31)) == 2
    assert sweep_all(engine, today=date(2027, 2, 1)) == 0  # the next day: nothing new
    outbox.run_once(engine, sweep=False)
    assert [mail.subject for mail in server.to("sales@acme.example")] == [
        "Expires within 60 days: Acme Aluminium, Primary aluminium ingot"
    ]
    # 1 Mar is 30 days before: the 30-day reminder, once, however often swept.
    assert sweep_all(engine, today=date(2027, 3, 1)) == 2
    assert sweep_all(engine, today=date(2027, 3, 1)) == 0
    # 1 Apr: expired (one day after 31 Mar); found first at 5 days past, still sent once.
    assert sweep_all(engine, today=date(2027, 4, 5)) == 2
    assert sweep_all(engine, today=date(2027, 4, 6)) == 0
    outbox.run_once(engine, sweep=False)
    assert [mail.subject for mail in server.to("sales@acme.example")] == [
        "Expires within 60 days: Acme Aluminium, Primary aluminium ingot",
        "Expires within 30 days: Acme Aluminium, Primary aluminium ingot",
        "Expired: Acme Aluminium, Primary aluminium ingot",
    ]
    assert len(server.to("esg@example.com")) == 3


def test_an_event_owed_meanwhile_by_another_process_is_kept_once(session: Session, engine) -> None:  # type: ignore[no-untyped-def]
    from portal.notifications.service import _insert

    first = make_user(session, "esg", "esg1@example.com")
    second = make_user(session, "esg", "esg2@example.com")
    with Session(engine) as db, db.begin():  # the other process: owed to the first user
        enqueue(db, kind="t", event_key="t:1", users=[first], compose=lambda: ("s", "b"))
    with Session(engine) as db, db.begin():  # this one had not seen it: owes both
        rows = [
            Notification(
                event_key="t:1", kind="t", user_id=user.id, language="zh", subject="s", body="b"
            )
            for user in (first, second)
        ]
        added = _insert(db, rows)
        assert [row.user_id for row in added] == [second.id]
    owed = session.exec(select(Notification).where(Notification.event_key == "t:1")).all()
    assert sorted(row.user_id for row in owed) == sorted([first.id, second.id])
