"""Forgotten passwords (an emailed single-use link) and changing one's own password.

A reset request answers the same whether or not the address has an account, so nobody can
learn who has one; requests are throttled per account and per address. The link's token is
stored only as a hash, expires, and works once; setting the new password ends every session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from portal import audit
from portal.accounts.mail import _send
from portal.accounts.models import PasswordReset, User, WebSession
from portal.accounts.service import check_password_rules
from portal.audit import Actor
from portal.config import Settings
from portal.db import utcnow
from portal.errors import InvalidInput, NotFound
from portal.i18n import _
from portal.security import hash_password, new_secret, sha256_hex, verify_password

RESET_VALID = timedelta(minutes=60)
THROTTLE_WINDOW = timedelta(hours=1)
MAX_PER_ACCOUNT = 3  # links mailed to one account per hour
MAX_PER_ADDRESS = 10  # requests from one IP address per hour, for any email


@dataclass(frozen=True)
class ResetMail:
    """A reset link owed to EMAIL (mailed after the answer is sent)."""

    email: str
    link: str
    minutes: int


def request_reset(
    db: Session, *, email: str, ip: str | None, settings: Settings
) -> ResetMail | None:
    """A link to mail if EMAIL has an active account and neither limit is reached; else None.

    The caller answers alike either way. Every request is audited, with the reason when no
    link was made.
    """
    cleaned = email.strip().lower()[:254]
    now = utcnow()
    since = now - THROTTLE_WINDOW
    user = db.exec(select(User).where(User.email == cleaned)).first() if cleaned else None
    from_address = (
        db.exec(
            select(func.count())
            .select_from(PasswordReset)
            .where(col(PasswordReset.requested_ip) == ip, col(PasswordReset.created_at) >= since)
        ).one()
        if ip
        else 0
    )
    reason = ""
    if user is None or not user.is_active or user.password_hash is None:
        reason = "no active account"
    elif from_address >= MAX_PER_ADDRESS:
        reason = "too many from this address"
    else:
        for_account = db.exec(
            select(func.count())
            .select_from(PasswordReset)
            .where(col(PasswordReset.user_id) == user.id, col(PasswordReset.created_at) >= since)
        ).one()
        if for_account >= MAX_PER_ACCOUNT:
            reason = "too many for this account"
    actor = Actor(label=cleaned or "anonymous", ip=ip)
    if reason or user is None:
        audit.record(
            db,
            actor=actor,
            action="auth.password_reset_refused",
            entity_type="user",
            entity_id=cleaned[:64] or None,
            after={"reason": reason},
        )
        return None
    token = new_secret()
    assert user.id is not None
    reset = PasswordReset(
        token_hash=sha256_hex(token),
        user_id=user.id,
        created_at=now,
        expires_at=now + RESET_VALID,
        requested_ip=(ip or "")[:64] or None,
    )
    db.add(reset)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="auth.password_reset_requested",
        entity_type="user",
        entity_id=user.id,
        after={"reset_id": reset.id, "expires_at": reset.expires_at},
    )
    link = f"{settings.base_url}/password/reset/{token}"
    return ResetMail(email=user.email, link=link, minutes=int(RESET_VALID.total_seconds() // 60))


def send_reset_mail(mail: ResetMail, settings: Settings) -> bool:
    """Mail the link (run after the answer is sent); False when no SMTP server takes it."""
    message = EmailMessage()
    message["Subject"] = "重设密码 / Reset your password – 供应商碳足迹门户 Supplier Carbon Portal"
    message["To"] = mail.email
    message.set_content(
        "有人（希望是您本人）请求重设您在供应商碳足迹门户的密码。请打开以下链接设置新密码，"
        f"链接在 {mail.minutes} 分钟内有效，且仅可使用一次：\n{mail.link}\n"
        "如果不是您本人请求，请忽略此邮件，您的密码不会改变。\n\n"
        "Someone (hopefully you) asked to reset your Supplier Carbon Portal password. Open "
        f"this link to set a new one; it works once, within {mail.minutes} minutes:\n"
        f"{mail.link}\n"
        "If you did not ask for this, ignore this email: your password stays as it is.\n"
    )
    return _send(message, settings)


def open_reset(db: Session, token: str) -> tuple[PasswordReset, User]:
    """The unused, unexpired reset for TOKEN and its user, else NotFound (no hint why)."""
    if not token or len(token) > 100:
        raise NotFound()
    reset = db.exec(
        select(PasswordReset).where(PasswordReset.token_hash == sha256_hex(token))
    ).first()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        raise NotFound()
    user = db.get(User, reset.user_id)
    if user is None or not user.is_active:
        raise NotFound()
    return reset, user


def _end_sessions(db: Session, user_id: int | None, *, keep_hash: str | None = None) -> int:
    statement = update(WebSession).where(
        col(WebSession.user_id) == user_id, col(WebSession.ended_at).is_(None)
    )
    if keep_hash is not None:
        statement = statement.where(col(WebSession.id_hash) != keep_hash)
    result = db.execute(statement.values(ended_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def complete_reset(
    db: Session, *, token: str, password: str, confirmation: str, ip: str | None
) -> User:
    """Set the new password, use up this link and the user's other links, end all sessions."""
    reset, user = open_reset(db, token)
    check_password_rules(password, confirmation)
    now = utcnow()
    # Conditional: a link used twice at the same moment sets the password once.
    used = db.execute(
        update(PasswordReset)
        .where(col(PasswordReset.id) == reset.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
    )
    if getattr(used, "rowcount", 0) != 1:
        raise NotFound()
    db.execute(
        update(PasswordReset)
        .where(col(PasswordReset.user_id) == user.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
    )
    user.password_hash = hash_password(password)
    db.add(user)
    db.flush()
    ended = _end_sessions(db, user.id)
    audit.record(
        db,
        actor=Actor(label=user.email, user_id=user.id, ip=ip),
        action="user.password_reset",
        entity_type="user",
        entity_id=user.id,
        after={"reset_id": reset.id, "sessions_ended": ended},
    )
    return user


def change_password(
    db: Session,
    *,
    actor: Actor,
    user: User,
    current: str,
    password: str,
    confirmation: str,
    session_id: str | None,
) -> int:
    """Change USER's password after checking the current one; ends their other sessions.

    Returns how many other sessions were ended.
    """
    if not verify_password(user.password_hash, current):
        audit.record(
            db,
            actor=actor,
            action="user.password_change_refused",
            entity_type="user",
            entity_id=user.id,
            after={"reason": "wrong current password"},
        )
        raise InvalidInput(_("The current password is not correct."), field="current_password")
    check_password_rules(password, confirmation)
    if password == current:
        raise InvalidInput(
            _("The new password must differ from the current one."), field="password"
        )
    user.password_hash = hash_password(password)
    db.add(user)
    db.flush()
    ended = _end_sessions(db, user.id, keep_hash=sha256_hex(session_id) if session_id else None)
    audit.record(
        db,
        actor=actor,
        action="user.password_changed",
        entity_type="user",
        entity_id=user.id,
        after={"other_sessions_ended": ended},
    )
    return ended
