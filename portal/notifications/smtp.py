"""The portal's one SMTP sender (invitations, warnings, notifications)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from portal.config import Settings


class SmtpUnavailable(Exception):
    """No SMTP server is configured."""


class SmtpFailed(Exception):
    """The SMTP server did not take the message; the text says why."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


def send(message: EmailMessage, settings: Settings) -> None:
    """Hand MESSAGE to the configured SMTP server; SmtpUnavailable or SmtpFailed if not."""
    if not settings.smtp_host:
        raise SmtpUnavailable()
    if "From" not in message:
        message["From"] = settings.smtp_sender
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user and settings.smtp_password:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as refused:
        codes = [code for code, _text in refused.recipients.values()]
        raise SmtpFailed(
            f"recipient refused: {refused.recipients}"[:500],
            permanent=all(500 <= code < 600 for code in codes),
        ) from None
    except smtplib.SMTPResponseException as error:
        text = f"SMTP {error.smtp_code} {error.smtp_error!r}"[:500]
        raise SmtpFailed(text, permanent=500 <= error.smtp_code < 600) from None
    except (OSError, smtplib.SMTPException) as error:
        raise SmtpFailed(f"{type(error).__name__}: {error}"[:500]) from None
