"""Enqueue notifications in the event's own transaction; the in-app list and its count.

Nothing here sends: a notification is a row, written with the change that caused it, and
mailed later by the drain (portal/notifications/outbox.py). Rolled back with the change, it
was never owed; committed, it is mailed once (EVENT_KEY and the user make it unique).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import event, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from portal import i18n
from portal.accounts.models import Role, User
from portal.db import utcnow
from portal.notifications.models import EmailState, Notification

# What a notification says, composed in the current language (see `in_language`).
Compose = Callable[[], tuple[str, str]]
PAGE_SIZE = 50


def language_of(user: User) -> str:
    """The language USER chose for notifications (Chinese unless they chose English)."""
    chosen = user.notification_language
    return chosen if chosen in i18n.LOCALES else i18n.DEFAULT_LOCALE


@contextmanager
def in_language(locale: str) -> Iterator[None]:
    """Translate with LOCALE's catalog inside the block (then the request's language again)."""
    token = i18n.current_locale.set(locale)
    try:
        yield
    finally:
        i18n.current_locale.reset(token)


def enqueue(
    db: Session,
    *,
    kind: str,
    event_key: str,
    users: Iterable[User],
    compose: Compose,
    link: str = "",
) -> list[Notification]:
    """Owe each of USERS one notification of EVENT_KEY; the rows added (none if already owed).

    COMPOSE returns (subject, body) and is called once per user in that user's language, so
    it must translate with `_()` when called, not before. LINK is a portal path ("/review/7");
    the email gets it as a full address at sending time. Inactive users are skipped.
    """
    now = utcnow()
    wanted = {user.id: user for user in users if user.is_active and user.id is not None}
    owed = set(
        db.exec(
            select(Notification.user_id).where(
                Notification.event_key == event_key[:200],
                col(Notification.user_id).in_(list(wanted)),
            )
        ).all()
    )
    rows: list[Notification] = []
    for user_id, user in wanted.items():
        if user_id in owed:
            continue
        language = language_of(user)
        with in_language(language):
            subject, body = compose()
        rows.append(
            Notification(
                event_key=event_key[:200],
                kind=kind,
                user_id=user_id,
                email=user.email,
                language=language,
                subject=subject[:300],
                body=body,
                link=link[:500],
                created_at=now,
                next_attempt_at=now,
                email_state=EmailState.PENDING.value if user.email else EmailState.SKIPPED.value,
            )
        )
    added = _insert(db, rows)
    if added:
        from portal.notifications.outbox import wake_drain

        # Woken once the rows are visible to it: after this transaction commits.
        event.listen(db, "after_commit", lambda _session: wake_drain(), once=True)
    return added


def _insert(db: Session, rows: list[Notification]) -> list[Notification]:
    """Insert ROWS in a savepoint; if another process owed some meanwhile, one by one."""
    if not rows:
        return []
    try:
        with db.begin_nested():
            db.add_all(rows)
            db.flush()
        return rows
    except IntegrityError:
        pass
    added = []
    for row in rows:
        fresh = Notification(**row.model_dump(exclude={"id"}))
        try:
            with db.begin_nested():
                db.add(fresh)
                db.flush()
        except IntegrityError:
            continue  # the other process's row stands: the event is owed once
        added.append(fresh)
    return added


def active_users(db: Session, *roles: Role) -> list[User]:
    """Active users with one of ROLES."""
    statement = select(User).where(
        col(User.is_active).is_(True), col(User.role).in_([role.value for role in roles])
    )
    return list(db.exec(statement.order_by(col(User.id))).all())


def supplier_contacts(db: Session, supplier_id: int) -> list[User]:
    """The active users of a supplier company."""
    statement = select(User).where(
        col(User.is_active).is_(True),
        User.supplier_id == supplier_id,
        User.role == Role.SUPPLIER.value,
    )
    return list(db.exec(statement.order_by(col(User.id))).all())


def unread_count(db: Session, user_id: int) -> int:
    """How many of the user's notifications are unread (the header's count)."""
    return int(
        db.exec(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
        ).one()
    )


def list_for(db: Session, user_id: int, *, limit: int = PAGE_SIZE) -> list[Notification]:
    """The user's newest notifications first."""
    statement = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit)
    )
    return list(db.exec(statement).all())


def mark_read(db: Session, user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of the user read; how many."""
    statement = update(Notification).where(
        col(Notification.user_id) == user_id, col(Notification.read_at).is_(None)
    )
    if notification_id is not None:
        statement = statement.where(col(Notification.id) == notification_id)
    read_at: datetime = utcnow()
    result = db.execute(statement.values(read_at=read_at))
    return int(result.rowcount)  # type: ignore[attr-defined]


def get_own(db: Session, user_id: int, notification_id: int) -> Notification | None:
    """One of the user's notifications, or None (someone else's is none of theirs)."""
    row = db.get(Notification, notification_id)
    return row if row is not None and row.user_id == user_id else None
