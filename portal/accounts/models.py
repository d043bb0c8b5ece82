"""Users, invitations, browser sessions and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow


class Role(StrEnum):
    """What a user is allowed to do."""

    SUPPLIER = "supplier"
    BUYER = "buyer"
    ESG = "esg"
    ADMIN = "admin"


class User(SQLModel, table=True):
    """A person who signs in; a supplier user belongs to exactly one supplier company."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=16)
    supplier_id: int | None = Field(default=None, foreign_key="supplier.id", index=True)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True)
    # The language of the emails and notifications this user gets; none chosen: Chinese.
    notification_language: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )


class Invitation(SQLModel, table=True):
    """A single-use link that lets an invited person set their password."""

    __tablename__ = "invitation"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    invited_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))


class WebSession(SQLModel, table=True):
    """A signed-in browser; the cookie holds an opaque id, the table only its hash."""

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    csrf_secret: str = Field(max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    last_seen_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    ended_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API, stored as a hash; shown once when created."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    last_used_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))


class PasswordReset(SQLModel, table=True):
    """A single-use emailed link to set a new password; the table holds only its hash."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))
    requested_ip: str | None = Field(default=None, max_length=64)


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins counted for one address, one email at one address, or one device."""

    __tablename__ = "sign_in_throttle"

    key_hash: str = Field(primary_key=True, max_length=64)  # sha256 of kind and key
    kind: str = Field(max_length=16)  # address / email_address / email / device
    failures: int = 0
    last_failure_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True, index=True)
    )
    blocked_until: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )
    warned_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))
