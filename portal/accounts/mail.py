"""Sending invitation links by SMTP when a mail server is configured."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from portal.config import Settings

log = logging.getLogger(__name__)


def send_invitation(email: str, link: str, settings: Settings) -> bool:
    """Mail the invitation LINK to EMAIL; False when no SMTP server is set or sending fails."""
    if not settings.smtp_host:
        return False
    message = EmailMessage()
    message["Subject"] = "供应商碳足迹门户邀请 / Supplier Carbon Portal invitation"
    message["From"] = settings.smtp_sender
    message["To"] = email
    message.set_content(
        "您已被邀请使用供应商碳足迹门户。请打开以下链接设置密码（仅可使用一次）：\n"
        f"{link}\n\n"
        "You have been invited to the Supplier Carbon Portal. Open this link to set your "
        f"password (it works once):\n{link}\n"
    )
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            smtp.starttls()
            if settings.smtp_user and settings.smtp_password:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("could not mail the invitation to %s", email)
        return False
    return True
