"""Every revision of rules/ the portal has used, with its files kept once by content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from portal.db import UtcDateTime, utcnow


class RuleFileContent(SQLModel, table=True):
    """The bytes of one rule file, under their sha256 (shared by every revision holding them)."""

    __tablename__ = "rule_file_content"

    sha256: str = Field(primary_key=True, max_length=64)
    size_bytes: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class RuleRevision(SQLModel, table=True):
    """A rule-set revision (content hash of rules/) and when the portal first used it."""

    __tablename__ = "rule_revision"

    revision: str = Field(primary_key=True, max_length=64)
    first_used_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    file_count: int


class RuleRevisionFile(SQLModel, table=True):
    """One file of a revision: its relative path and the sha256 of its bytes."""

    __tablename__ = "rule_revision_file"

    revision: str = Field(primary_key=True, max_length=64, foreign_key="rule_revision.revision")
    path: str = Field(primary_key=True, max_length=255)
    sha256: str = Field(max_length=64, foreign_key="rule_file_content.sha256")
