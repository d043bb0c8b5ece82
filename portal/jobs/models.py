"""The jobs table: one row per piece of background work, its lease and its progress."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, Text
from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow


class JobState(StrEnum):
    """Where a job is: waiting, being worked on, or ended one of three ways."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


ENDED = frozenset({JobState.DONE.value, JobState.FAILED.value, JobState.CANCELLED.value})


class Job(SQLModel, table=True):
    """A job: its kind, what it works on, who holds its lease until when, and how far it got."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_state_leased_until", "state", "leased_until"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    subject: str = Field(max_length=64, index=True)  # what it works on: "purchase_import:12"
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default=JobState.QUEUED.value, max_length=16)
    done: int = 0
    total: int = 0
    cancel_requested: bool = False
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    attempts: int = 0  # claims so far: more than one means a server died while holding it
    requested_by_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("user_account.id"), nullable=True),
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    started_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    leased_until: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    leased_by: str | None = Field(default=None, max_length=80)

    @property
    def ended(self) -> bool:
        """Whether the job is done, failed or cancelled."""
        return self.state in ENDED
