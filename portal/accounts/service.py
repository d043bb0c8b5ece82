"""Signing in, invitations and user administration."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal import audit
from portal.accounts import devices, throttle
from portal.accounts.models import ApiToken, Invitation, Role, User, WebSession
from portal.audit import Actor, AuditEvent
from portal.config import Settings
from portal.db import utcnow
from portal.errors import InvalidInput, NotFound, PortalError
from portal.i18n import _, ngettext
from portal.security import hash_password, new_secret, sha256_hex, verify_password
from portal.suppliers.models import Supplier

EMAIL_PATTERN = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,189}\.[A-Za-z]{2,}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
SIGN_IN_FAILED = "auth.sign_in_failed"


class SignInRefused(PortalError):
    """Wrong credentials or too many attempts; the message never says which part was wrong."""

    status_code = 401
    warning: GuessingWarning | None = None  # the owner is to be told their account is guessed


def normalise_email(email: str) -> str:
    """EMAIL trimmed and lower-cased, or InvalidInput naming the field."""
    cleaned = email.strip().lower()
    if not EMAIL_PATTERN.match(cleaned):
        raise InvalidInput(_("Enter a valid email address."), field="email")
    return cleaned


def check_password_rules(password: str, confirmation: str | None = None) -> None:
    """Refuse passwords that are too short, too long or not confirmed."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("The password must have at least %(n)d characters.") % {"n": MIN_PASSWORD_LENGTH},
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(_("The password is too long."), field="password")
    if confirmation is not None and confirmation != password:
        raise InvalidInput(_("The two passwords do not match."), field="password_confirm")


@dataclass(frozen=True)
class GuessingWarning:
    """What the owner of an account being guessed is told."""

    email: str
    failures: int
    addresses: tuple[str, ...]
    minutes: int


def _wait_message(wait: timedelta) -> str:
    seconds = throttle.wait_text_seconds(wait)
    if seconds < 120:
        return ngettext(
            "Too many failed sign-ins. Wait %(seconds)d second and try again.",
            "Too many failed sign-ins. Wait %(seconds)d seconds and try again.",
            seconds,
        ) % {"seconds": seconds}
    return _("Too many failed sign-ins. Wait %(minutes)d minutes and try again.") % {
        "minutes": math.ceil(seconds / 60)
    }


def _guessing_warning(
    db: Session, user: User, *, attempted: str, ip: str | None, failures: int, settings: Settings
) -> GuessingWarning:
    since = utcnow() - timedelta(minutes=settings.sign_in_window_minutes)
    addresses = db.exec(
        select(AuditEvent.ip)
        .where(
            AuditEvent.action == SIGN_IN_FAILED,
            AuditEvent.entity_id == attempted,
            col(AuditEvent.at) >= since,
            col(AuditEvent.ip).is_not(None),
        )
        .distinct()
        .limit(10)
    ).all()
    shown = sorted({str(a) for a in addresses} | ({ip} if ip else set()))[:10]
    return GuessingWarning(
        email=user.email,
        failures=failures,
        addresses=tuple(shown),
        minutes=settings.sign_in_window_minutes,
    )


def authenticate(
    db: Session,
    *,
    email: str,
    password: str,
    ip: str | None,
    settings: Settings,
    device: str | None = None,
) -> User:
    """The user with these credentials; failures are counted atomically, throttled and audited.

    DEVICE is the browser's device cookie: from a device that signed in to the account before,
    only that device's own failures count, so guessers elsewhere cannot lock the owner out.
    """
    cleaned = email.strip().lower()[:254]
    # Failures are audited by the entry's entity_id, which holds at most 64 characters.
    attempted = cleaned[:64]
    now = utcnow()
    user = db.exec(select(User).where(User.email == cleaned)).first()
    device_id = devices.known_device(device, user.id, settings) if user and user.id else None
    buckets = throttle.buckets_for(email=cleaned, ip=ip, device_id=device_id)
    reserved = throttle.reserve(db, buckets, now=now, settings=settings)
    actor = Actor(label=cleaned or "anonymous", ip=ip)
    if reserved.wait is not None:
        audit.record(
            db,
            actor=actor,
            action="auth.sign_in_throttled",
            entity_type="user",
            entity_id=attempted,
            after={"known_device": device_id is not None},
        )
        raise SignInRefused(_wait_message(reserved.wait))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        audit.record(
            db,
            actor=actor,
            action=SIGN_IN_FAILED,
            entity_type="user",
            entity_id=attempted,
            after={
                "reason": "unknown user"
                if user is None
                else ("inactive" if ok else "wrong password"),
                "known_device": device_id is not None,
            },
        )
        refused = SignInRefused(_("The email or password is not correct."))
        if reserved.warn and user is not None and user.is_active:
            refused.warning = _guessing_warning(
                db,
                user,
                attempted=attempted,
                ip=ip,
                failures=reserved.email_failures,
                settings=settings,
            )
            audit.record(
                db,
                actor=actor,
                action="auth.guessing_warned",
                entity_type="user",
                entity_id=user.id,
                after={"failures": refused.warning.failures},
            )
        raise refused
    throttle.settle_signed_in(db, reserved, now=now, settings=settings)
    audit.record(
        db,
        actor=Actor(label=user.email, user_id=user.id, ip=ip),
        action="auth.signed_in",
        entity_type="user",
        entity_id=user.id,
        after={"known_device": device_id is not None},
    )
    return user


def create_supplier(
    db: Session,
    *,
    actor: Actor,
    code: str,
    name_zh: str,
    name_en: str,
    country: str = "CN",
    is_own_plant: bool = False,
) -> Supplier:
    """A new supplier company with a unique code."""
    code = code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]{1,31}", code):
        raise InvalidInput(_("The code must be 2–32 letters, digits, '-' or '_'."), field="code")
    if not name_zh.strip() and not name_en.strip():
        raise InvalidInput(_("Give the company name in Chinese or English."), field="name_zh")
    if len(name_zh) > 200 or len(name_en) > 200:
        raise InvalidInput(_("The name is too long (200 characters at most)."), field="name_en")
    country = country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidInput(
            _("The country must be a two-letter ISO code, e.g. CN."), field="country"
        )
    if db.exec(select(Supplier).where(Supplier.code == code)).first() is not None:
        raise InvalidInput(_("A supplier with this code already exists."), field="code")
    supplier = Supplier(
        code=code,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        country=country,
        is_own_plant=is_own_plant,
    )
    db.add(supplier)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="supplier.created",
        entity_type="supplier",
        entity_id=supplier.id,
        after=supplier.model_dump(exclude={"created_at"}),
    )
    return supplier


def _user_fields(user: User) -> dict[str, object]:
    return user.model_dump(exclude={"password_hash", "created_at"})


def _new_user(
    db: Session, *, email: str, full_name: str, role: str, supplier_id: int | None
) -> User:
    email = normalise_email(email)
    try:
        role_value = Role(role)
    except ValueError:
        raise InvalidInput(_("Choose a role."), field="role") from None
    if len(full_name) > 200:
        raise InvalidInput(_("The name is too long (200 characters at most)."), field="full_name")
    if role_value is Role.SUPPLIER:
        if supplier_id is None or db.get(Supplier, supplier_id) is None:
            raise InvalidInput(
                _("A supplier user must belong to a supplier company."), field="supplier_id"
            )
    else:
        supplier_id = None
    if db.exec(select(User).where(User.email == email)).first() is not None:
        raise InvalidInput(_("A user with this email already exists."), field="email")
    user = User(
        email=email, full_name=full_name.strip(), role=role_value.value, supplier_id=supplier_id
    )
    db.add(user)
    db.flush()
    return user


def create_user(
    db: Session,
    *,
    actor: Actor,
    email: str,
    password: str,
    full_name: str,
    role: str,
    supplier_id: int | None = None,
) -> User:
    """A user who can sign in at once (CLI and demo data)."""
    check_password_rules(password)
    user = _new_user(db, email=email, full_name=full_name, role=role, supplier_id=supplier_id)
    user.password_hash = hash_password(password)
    db.add(user)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="user.created",
        entity_type="user",
        entity_id=user.id,
        after=_user_fields(user),
    )
    return user


def invite_user(
    db: Session,
    *,
    actor: Actor,
    email: str,
    full_name: str,
    role: str,
    supplier_id: int | None,
    settings: Settings,
) -> tuple[User, str]:
    """A user without a password and a single-use link token for them to set one."""
    user = _new_user(db, email=email, full_name=full_name, role=role, supplier_id=supplier_id)
    token = new_secret()
    assert user.id is not None
    invitation = Invitation(
        token_hash=sha256_hex(token),
        user_id=user.id,
        invited_by_id=actor.user_id,
        expires_at=utcnow() + timedelta(days=settings.invitation_valid_days),
    )
    db.add(invitation)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="user.invited",
        entity_type="user",
        entity_id=user.id,
        after={
            **_user_fields(user),
            "invitation_id": invitation.id,
            "expires_at": invitation.expires_at,
        },
    )
    return user, token


def open_invitation(db: Session, token: str) -> tuple[Invitation, User]:
    """The unused, unexpired invitation for TOKEN, else NotFound (no hint why)."""
    invitation = db.exec(
        select(Invitation).where(Invitation.token_hash == sha256_hex(token))
    ).first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at < utcnow():
        raise NotFound()
    user = db.get(User, invitation.user_id)
    if user is None or not user.is_active:
        raise NotFound()
    return invitation, user


def accept_invitation(
    db: Session, *, token: str, password: str, confirmation: str, ip: str | None
) -> User:
    """Set the invitee's password and use up the invitation."""
    invitation, user = open_invitation(db, token)
    check_password_rules(password, confirmation)
    user.password_hash = hash_password(password)
    invitation.used_at = utcnow()
    db.add(user)
    db.add(invitation)
    db.flush()
    audit.record(
        db,
        actor=Actor(label=user.email, user_id=user.id, ip=ip),
        action="user.invitation_accepted",
        entity_type="user",
        entity_id=user.id,
        after={"invitation_id": invitation.id},
    )
    return user


def set_active(db: Session, *, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivate or reactivate a user; deactivation ends their sessions and tokens for good."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == actor.user_id and not active:
        raise InvalidInput(_("You cannot deactivate yourself."), field="user_id")
    before = _user_fields(user)
    user.is_active = active
    db.add(user)
    db.flush()
    ended = {} if active else _revoke_access(db, user)
    audit.record(
        db,
        actor=actor,
        action="user.activated" if active else "user.deactivated",
        entity_type="user",
        entity_id=user.id,
        before=before,
        after={**_user_fields(user), **ended},
    )
    return user


def _revoke_access(db: Session, user: User) -> dict[str, int]:
    """End the user's sessions and revoke their tokens, so reactivation does not revive them."""
    now = utcnow()
    sessions = db.execute(
        update(WebSession)
        .where(col(WebSession.user_id) == user.id, col(WebSession.ended_at).is_(None))
        .values(ended_at=now)
    )
    tokens = db.execute(
        update(ApiToken)
        .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return {
        "sessions_ended": int(getattr(sessions, "rowcount", 0) or 0),
        "tokens_revoked": int(getattr(tokens, "rowcount", 0) or 0),
    }


def revoke_token(db: Session, *, actor: Actor, token_id: int) -> ApiToken:
    """Revoke an API token; requests with it are refused from now on."""
    token = db.get(ApiToken, token_id)
    if token is None:
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
