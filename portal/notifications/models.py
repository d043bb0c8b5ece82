"""One row per event and recipient: the in-app notification and its email's delivery."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow


class EmailState(StrEnum):
    """Where a notification's email stands."""

    PENDING = "pending"  # waiting for the drain (or for its next attempt)
    SENT = "sent"  # the SMTP server took it
    FAILED = "failed"  # gave up after the last attempt
    SKIPPED = "skipped"  # no SMTP server is configured, or the user has no address


class Notification(SQLModel, table=True):
    """What one user is told about one event; EVENT_KEY makes it once per event and user."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("event_key", "user_id", name="uq_notification_event_user"),
        Index("ix_notification_due", "email_state", "next_attempt_at"),
        Index("ix_notification_inbox", "user_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(max_length=200)
    kind: str = Field(max_length=48)
    user_id: int = Field(foreign_key="user_account.id")
    email: str = Field(default="", max_length=254)
    language: str = Field(max_length=8)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    link: str = Field(default="", max_length=500)  # a path of the portal, e.g. /review/7
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    read_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))
    email_state: str = Field(default=EmailState.PENDING.value, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))
    claimed_until: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )
    claimed_by: str | None = Field(default=None, max_length=100)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))
    last_error: str | None = Field(default=None, max_length=2000)
