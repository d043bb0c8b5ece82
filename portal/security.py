"""Passwords, browser sessions, CSRF, API tokens and role checks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from sqlalchemy import bindparam, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from portal.accounts.models import ApiToken, Role, User, WebSession
from portal.audit import Actor
from portal.config import Settings, get_settings
from portal.db import (
    READ_ONLY_OPTION,
    TRY_WRITE_OPTION,
    DatabaseBusy,
    DbSession,
    get_engine,
    is_busy_error,
    utcnow,
)
from portal.errors import Forbidden, NotSignedIn

SESSION_COOKIE = "portal_session"
PRESESSION_COOKIE = "portal_presession"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
API_TOKEN_PREFIX = "pcp_"  # noqa: S105 - a public marker, not a secret

# Argon2id with the library's recommended parameters; under PORTAL_ENV=test the cheapest ones
# (the test suite signs in thousands of times). A hash records its parameters, so either
# hasher verifies the other's hashes.
_HASHERS = {
    "test": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    "default": PasswordHasher(),
}
_DUMMY_HASHES: dict[str, str] = {}


def _hasher() -> tuple[PasswordHasher, str]:
    """The hasher of this environment and a hash of a password nobody has, made by it."""
    kind = "test" if get_settings().env == "test" else "default"
    hasher = _HASHERS[kind]
    if kind not in _DUMMY_HASHES:
        _DUMMY_HASHES[kind] = hasher.hash("not-a-real-password")
    return hasher, _DUMMY_HASHES[kind]


def hash_password(password: str) -> str:
    """An Argon2id hash of PASSWORD."""
    return _hasher()[0].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether PASSWORD matches; spends the same time when there is no hash to compare."""
    hasher, dummy = _hasher()
    try:
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def sha256_hex(value: str) -> str:
    """Hex SHA-256 of VALUE, for storing secrets we only need to recognise."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret() -> str:
    """A fresh URL-safe random secret."""
    return secrets.token_urlsafe(32)


# --- browser sessions ---------------------------------------------------------------------


def start_session(db: Session, user: User) -> str:
    """A new server-side session for USER; returns the opaque id for the cookie."""
    session_id = new_secret()
    assert user.id is not None
    db.add(WebSession(id_hash=sha256_hex(session_id), user_id=user.id, csrf_secret=new_secret()))
    db.flush()
    return session_id


def end_session(db: Session, session_id: str) -> None:
    """End the session server-side, so its cookie is worthless from now on."""
    web_session = db.get(WebSession, sha256_hex(session_id))
    if web_session is not None and web_session.ended_at is None:
        web_session.ended_at = utcnow()
        db.add(web_session)
        db.flush()


SESSION_REFRESH_AFTER = timedelta(minutes=1)


def live_session(db: Session, session_id: str, settings: Settings) -> WebSession | None:
    """The session for SESSION_ID if it has neither ended nor idled out nor grown too old."""
    web_session = db.get(WebSession, sha256_hex(session_id))
    if web_session is None or web_session.ended_at is not None:
        return None
    now = utcnow()
    if now - web_session.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        return None
    if now - web_session.created_at > timedelta(hours=settings.session_absolute_hours):
        return None
    return web_session


def touch_session(db: Session, web_session: WebSession) -> None:
    """Record that WEB_SESSION was seen now, at most once a minute, never waiting on a lock.

    Two requests of one browser often refresh at once: the second skips the row the first
    has locked (its refresh is as good), and on SQLite a reading request refreshes in a short
    transaction of its own only if no writer is busy; a missed refresh is taken next time.
    """
    now = utcnow()
    stale_before = now - SESSION_REFRESH_AFTER
    if web_session.last_seen_at >= stale_before:
        return
    unlocked = (
        select(WebSession.id_hash)
        .where(WebSession.id_hash == web_session.id_hash, WebSession.last_seen_at < stale_before)
        .with_for_update(skip_locked=True)
    )
    refresh = (
        update(WebSession)
        .where(col(WebSession.id_hash).in_(unlocked.scalar_subquery()))
        .values(last_seen_at=now)
    )
    bind = db.get_bind()
    if bind.dialect.name == "sqlite" and bind.get_execution_options().get(READ_ONLY_OPTION):
        try:
            with get_engine().execution_options(**{TRY_WRITE_OPTION: True}).begin() as writer:
                writer.execute(refresh)
        except DatabaseBusy:
            return
        except OperationalError as error:
            if is_busy_error(error):
                return
            raise
    else:
        db.execute(refresh)
    set_committed_value(web_session, "last_seen_at", now)  # as stored; nothing left to flush


# --- CSRF ---------------------------------------------------------------------------------


def csrf_token_for(secret: str, settings: Settings) -> str:
    """The token a form must echo for the browser holding SECRET."""
    return hmac.new(settings.secret_key.encode(), secret.encode(), hashlib.sha256).hexdigest()


def csrf_secret_of(request: Request) -> str | None:
    """The CSRF secret bound to this browser: its session's, else its pre-session cookie."""
    secret: str | None = getattr(request.state, "csrf_secret", None)
    return secret or getattr(request.state, "presession", None)


def csrf_token(request: Request) -> str:
    """The CSRF token to put in this page's forms."""
    secret = csrf_secret_of(request)
    return csrf_token_for(secret, get_settings()) if secret else ""


def csrf_valid(request: Request, submitted: str | None) -> bool:
    """Whether SUBMITTED is this browser's CSRF token."""
    secret = csrf_secret_of(request)
    if not secret or not submitted:
        return False
    return hmac.compare_digest(csrf_token_for(secret, get_settings()), submitted)


# --- API tokens ---------------------------------------------------------------------------


def create_api_token(db: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for USER; the plain value is returned once and never stored."""
    plain = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    assert user.id is not None
    token = ApiToken(user_id=user.id, name=name, prefix=plain[:10], token_hash=sha256_hex(plain))
    db.add(token)
    db.flush()
    return token, plain


# One indexed read per request (the token's hash is unique), built once: the token, unless
# revoked, and its user, unless deactivated. Read at every request, never kept in memory, so
# a revocation holds at once on every server of the portal.
_USER_OF_TOKEN = (
    select(User, ApiToken.id, ApiToken.last_used_at)
    .join(ApiToken, col(ApiToken.user_id) == col(User.id))
    .where(
        col(ApiToken.token_hash) == bindparam("token_hash"),
        col(ApiToken.revoked_at).is_(None),
        col(User.is_active).is_(True),
    )
    .limit(1)
)


def user_for_api_token(db: Session, plain: str) -> User | None:
    """The active user a bearer token belongs to, unless it is unknown or revoked."""
    if not plain.startswith(API_TOKEN_PREFIX):
        return None
    row = db.execute(_USER_OF_TOKEN, {"token_hash": sha256_hex(plain)}).first()
    if row is None:
        return None
    user, token_id, last_used_at = row
    if last_used_at is None or utcnow() - last_used_at >= TOKEN_USE_RECORDED_EVERY:
        from portal.accounts.tokens import touch  # once a minute at most: the import is rare

        touch(db, token_id, last_used_at)
    found: User = user
    return found


TOKEN_USE_RECORDED_EVERY = timedelta(minutes=1)


# --- who is asking ------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """The signed-in user of a request and how they proved it."""

    user: User
    via_api_token: bool = False

    @property
    def role(self) -> Role:
        """The user's role."""
        return Role(self.user.role)

    @property
    def supplier_id(self) -> int | None:
        """The supplier company of a supplier user."""
        return self.user.supplier_id

    def actor(self, request: Request | None = None) -> Actor:
        """This user as the actor of an audit entry."""
        ip = request.client.host if request is not None and request.client else None
        return Actor(label=self.user.email, user_id=self.user.id, ip=ip)


def current_principal(request: Request, db: DbSession) -> Principal:
    """The request's user, from the bearer token or the session cookie; else not signed in."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        user = user_for_api_token(db, authorization[7:].strip())
        if user is None:
            raise NotSignedIn(api=True)
        return Principal(user=user, via_api_token=True)
    web_session: WebSession | None = getattr(request.state, "web_session", None)
    if web_session is None:
        raise NotSignedIn(api=request.url.path.startswith("/api/"))
    user = db.get(User, web_session.user_id)
    if user is None or not user.is_active:
        raise NotSignedIn(api=request.url.path.startswith("/api/"))
    return Principal(user=user)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through only users with one of ROLES."""

    # A coroutine: it only compares the role of a user already loaded, so it needs no hop to
    # the thread pool (which cost more than the comparison).
    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Forbidden()
        return principal

    dependency.allowed_roles = roles  # type: ignore[attr-defined]
    return dependency
