"""The drain: claim owed emails, send them by SMTP outside any transaction, record the result.

Rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite serialises writers) and
leased: a drain that dies mid-way leaves its rows to be claimed again when the lease ends.
A row is marked sent only by the drain that holds its lease, right after the server took it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portal.config import Settings, get_settings
from portal.db import READ_ONLY_OPTION, utcnow
from portal.notifications import smtp
from portal.notifications.config import NotifySettings, get_notify_settings
from portal.notifications.models import EmailState, Notification
from portal.workers import background
from portal.workers.background import BackgroundThread

log = logging.getLogger(__name__)
LONGEST_RETRY_S = 3600.0
_wake = threading.Event()


def wake_drain() -> None:
    """Have this process's drain look for owed mail now (after the current commit)."""
    _wake.set()


def drain_id() -> str:
    """Who claims: host, process and a random part (a restarted process is someone else)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def retry_delay(attempts: int, notify: NotifySettings) -> timedelta:
    """Backoff after ATTEMPTS failures: first_retry_s, doubled each time, at most an hour."""
    seconds = notify.first_retry_s * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, LONGEST_RETRY_S))


def claim(
    engine: Engine, *, worker: str, limit: int = 20, now: datetime | None = None
) -> list[int]:
    """Lease up to LIMIT due rows to WORKER; other drains skip them until the lease ends."""
    now = now or utcnow()
    lease = timedelta(seconds=get_notify_settings().lease_s)
    due = (
        Notification.email_state == EmailState.PENDING.value,
        col(Notification.next_attempt_at) <= now,
        or_(col(Notification.claimed_until).is_(None), col(Notification.claimed_until) < now),
    )
    # A read first: an idle drain never takes SQLite's writer lock (or a row lock).
    with Session(engine.execution_options(**{READ_ONLY_OPTION: True})) as db:
        if db.exec(select(Notification.id).where(*due).limit(1)).first() is None:
            return []
    with Session(engine) as db, db.begin():
        rows = db.exec(
            select(Notification)
            .where(*due)
            .order_by(col(Notification.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            row.claimed_at, row.claimed_until, row.claimed_by = now, now + lease, worker
            db.add(row)
        return [row.id for row in rows if row.id is not None]


def message_for(row: Notification, settings: Settings) -> EmailMessage:
    """The email of a notification: its subject, body and the full link."""
    message = EmailMessage()
    message["Subject"] = row.subject
    message["To"] = row.email
    message["From"] = settings.smtp_sender
    text = row.body
    if row.link:
        text += f"\n\n{settings.base_url.rstrip('/')}{row.link}\n"
    message.set_content(text)
    message["Content-Language"] = "zh-CN" if row.language == "zh" else "en"  # after set_content
    return message


def deliver(engine: Engine, notification_id: int, *, worker: str) -> str:
    """Send one row this WORKER claimed; its new email state ("lost" if the lease was lost)."""
    settings, notify = get_settings(), get_notify_settings()
    with Session(engine, expire_on_commit=False) as db:
        row = db.get(Notification, notification_id)
        if row is None or row.email_state != EmailState.PENDING.value or row.claimed_by != worker:
            return "lost"
        message = message_for(row, settings)
        db.rollback()  # no transaction is held while the mail server is talked to
    error: str | None = None
    permanent = False
    unavailable = False
    try:
        smtp.send(message, settings)
    except smtp.SmtpUnavailable:
        unavailable = True
    except smtp.SmtpFailed as failed:
        error, permanent = str(failed), failed.permanent
    now = utcnow()
    with Session(engine) as db, db.begin():
        fresh = db.exec(
            select(Notification).where(col(Notification.id) == notification_id).with_for_update()
        ).one()
        if fresh.claimed_by != worker or fresh.email_state != EmailState.PENDING.value:
            return "lost"
        fresh.claimed_until = None
        if unavailable:
            fresh.email_state = EmailState.SKIPPED.value
            fresh.last_error = "no SMTP server is configured (PORTAL_SMTP_HOST)"
        elif error is None:
            fresh.attempts += 1
            fresh.email_state, fresh.sent_at, fresh.last_error = EmailState.SENT.value, now, None
        else:
            fresh.attempts += 1
            fresh.last_error = error[:2000]
            if permanent or fresh.attempts >= notify.max_attempts:
                fresh.email_state = EmailState.FAILED.value
            else:
                fresh.next_attempt_at = now + retry_delay(fresh.attempts, notify)
        db.add(fresh)
        return fresh.email_state


@dataclass
class DrainReport:
    """What one pass of the drain did."""

    states: dict[str, int] = field(default_factory=dict)
    swept: int = 0

    def line(self) -> str:
        """One line for the command line."""
        parts = [f"{state}: {n}" for state, n in sorted(self.states.items())]
        return f"notifications owed by sweeps: {self.swept}; emails " + (
            ", ".join(parts) if parts else "none due"
        )


def run_once(engine: Engine, *, worker: str | None = None, sweep: bool = True) -> DrainReport:
    """Sweep for date-driven events (expiries, due dates), then send every due email once."""
    from portal.notifications.sweeps import sweep_all

    worker = worker or drain_id()
    report = DrainReport()
    if sweep:
        report.swept = sweep_all(engine)
    while True:
        ids = claim(engine, worker=worker)
        if not ids:
            return report
        for notification_id in ids:
            state = deliver(engine, notification_id, worker=worker)
            report.states[state] = report.states.get(state, 0) + 1


def run_forever(engine: Engine, stop: threading.Event) -> None:
    """Drain until STOP is set: sweeps every sweep_every_s, mail when woken or every poll_s."""
    notify = get_notify_settings()
    worker = drain_id()
    last_sweep: datetime | None = None
    while not stop.is_set():
        now = utcnow()
        due = last_sweep is None or now - last_sweep >= timedelta(seconds=notify.sweep_every_s)
        try:
            run_once(engine, worker=worker, sweep=due)
            if due:
                last_sweep = now
        except Exception:  # a bad row or a database outage must not end the drain
            log.exception("notification drain failed")
        _wake.wait(notify.poll_s)
        _wake.clear()


def start_in_background() -> BackgroundThread | None:
    """The serving process's drain thread, unless turned off (and off by default in tests)."""
    from portal.db import get_engine

    engine = get_engine()
    return background.start(
        "notification-drain",
        lambda stop: run_forever(engine, stop),
        wake=_wake.set,
        enabled=get_notify_settings().in_app,
    )
