"""API tokens people make for themselves on the account page; admins see and revoke all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from portal import audit
from portal.accounts.models import ApiToken, User
from portal.audit import Actor
from portal.db import (
    READ_ONLY_OPTION,
    TRY_WRITE_OPTION,
    DatabaseBusy,
    get_engine,
    is_busy_error,
    utcnow,
)
from portal.errors import InvalidInput, NotFound
from portal.i18n import _
from portal.security import create_api_token
from portal.textrules import problem

MAX_NAME = 100
MAX_ACTIVE_PER_USER = 20
LAST_USED_EVERY = timedelta(minutes=1)


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput(
            _("Name the token after where it is used, e.g. “ERP production”."), field="name"
        )
    if len(name) > MAX_NAME:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": MAX_NAME}, field="name")
    wrong = problem(name, multiline=False)
    if wrong is not None:
        raise InvalidInput(wrong, field="name")
    return name


def create_own(db: Session, *, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for USER; the plain value is returned once (only its hash is stored)."""
    name = _clean_name(name)
    active = db.exec(
        select(func.count())
        .select_from(ApiToken)
        .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
    ).one()
    if active >= MAX_ACTIVE_PER_USER:
        raise InvalidInput(
            _("You have %(n)s tokens in use already: revoke one you no longer need first.")
            % {"n": active},
            field="name",
        )
    token, plain = create_api_token(db, user, name)
    audit.record(
        db,
        actor=actor,
        action="api_token.created",
        entity_type="api_token",
        entity_id=token.id,
        after={"name": token.name, "prefix": token.prefix, "user_id": token.user_id},
    )
    return token, plain


def revoke(db: Session, *, actor: Actor, token_id: int, owner_id: int | None = None) -> ApiToken:
    """Revoke a token (OWNER_ID: only if it is theirs, else NotFound); requests with it fail."""
    token = db.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None or (owner_id is not None and token.user_id != owner_id):
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.add(token)
        db.flush()
        audit.record(
            db,
            actor=actor,
            action="api_token.revoked",
            entity_type="api_token",
            entity_id=token.id,
            after={"name": token.name, "prefix": token.prefix, "user_id": token.user_id},
        )
    return token


def tokens_of(db: Session, user_id: int) -> list[ApiToken]:
    """A user's tokens, those in use first, newest first."""
    rows = db.exec(
        select(ApiToken)
        .where(col(ApiToken.user_id) == user_id)
        .order_by(col(ApiToken.revoked_at).is_not(None), col(ApiToken.created_at).desc())
    ).all()
    return list(rows)


@dataclass(frozen=True)
class TokenRow:
    """A token with its owner, for the administrators' list."""

    token: ApiToken
    user: User


def all_tokens(db: Session, *, limit: int = 500) -> list[TokenRow]:
    """Every token with its owner, those in use first, newest first."""
    rows = db.exec(
        select(ApiToken, User)
        .join(User, col(ApiToken.user_id) == User.id)
        .order_by(col(ApiToken.revoked_at).is_not(None), col(ApiToken.created_at).desc())
        .limit(limit)
    ).all()
    return [TokenRow(token, user) for token, user in rows]


def touch(db: Session, token_id: int, last_used_at: datetime | None) -> None:
    """Record that a token was used now, at most once a minute, never waiting on a lock.

    Like a session's refresh (portal.security.touch_session): a row another request is
    refreshing is skipped, and on SQLite a reading request writes in a short transaction of
    its own only if no writer is busy; a refresh missed is made at the next use.
    """
    now = utcnow()
    stale_before = now - LAST_USED_EVERY
    if last_used_at is not None and last_used_at >= stale_before:
        return
    unlocked = (
        select(ApiToken.id)
        .where(
            col(ApiToken.id) == token_id,
            (col(ApiToken.last_used_at).is_(None)) | (col(ApiToken.last_used_at) < stale_before),
        )
        .with_for_update(skip_locked=True)
    )
    refresh = (
        update(ApiToken)
        .where(col(ApiToken.id).in_(unlocked.scalar_subquery()))
        .values(last_used_at=now)
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
