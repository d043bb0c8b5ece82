"""Mail to users by SMTP when a mail server is configured: invitations, guessing warnings."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import TYPE_CHECKING

from portal.config import Settings
from portal.notifications import smtp

if TYPE_CHECKING:
    from portal.accounts.service import GuessingWarning

log = logging.getLogger(__name__)


def _send(message: EmailMessage, settings: Settings) -> bool:
    """Send MESSAGE; False when no SMTP server is set or sending fails (logged)."""
    try:
        smtp.send(message, settings)
    except smtp.SmtpUnavailable:
        return False
    except smtp.SmtpFailed:
        log.exception("could not mail %r to %s", message["Subject"], message["To"])
        return False
    return True


def send_invitation(email: str, link: str, settings: Settings) -> bool:
    """Mail the invitation LINK to EMAIL; False when no SMTP server is set or sending fails."""
    message = EmailMessage()
    message["Subject"] = "供应商碳足迹门户邀请 / Supplier Carbon Portal invitation"
    message["To"] = email
    message.set_content(
        "您已被邀请使用供应商碳足迹门户。请打开以下链接设置密码（仅可使用一次）：\n"
        f"{link}\n\n"
        "You have been invited to the Supplier Carbon Portal. Open this link to set your "
        f"password (it works once):\n{link}\n"
    )
    return _send(message, settings)


def send_guessing_warning(warning: GuessingWarning, settings: Settings) -> bool:
    """Tell the owner that someone is guessing their password (sent after the request)."""
    message = EmailMessage()
    message["Subject"] = "有人在尝试登录您的账户 / Someone is trying to sign in to your account"
    message["To"] = warning.email
    addresses = "\n".join(f"  {address}" for address in warning.addresses) or "  -"
    message.set_content(
        f"过去 {warning.minutes} 分钟内，有人用错误的密码尝试登录您在供应商碳足迹门户的账户"
        f"（{warning.email}）{warning.failures} 次，来自以下地址：\n{addresses}\n\n"
        "这些尝试均被拒绝并已被放慢。如果这不是您本人：您在曾经登录过的设备上仍可照常登录。"
        "如有疑虑，请联系门户管理员。\n\n"
        f"In the last {warning.minutes} minutes someone tried to sign in to your Supplier "
        f"Carbon Portal account ({warning.email}) {warning.failures} times with a wrong "
        f"password, from these addresses:\n{addresses}\n\n"
        "These attempts were refused and are being slowed down. If this was not you: you "
        "can still sign in as usual from devices you have signed in from "
        "before. If in doubt, contact the portal's administrator.\n"
    )
    return _send(message, settings)
