"""Secrets the portal must use again (other hosts' client secrets), encrypted at rest."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from portal.config import get_settings

_CONTEXT = b"supplier-carbon-portal pact secrets v1"


def _fernet() -> Fernet:
    key = hashlib.sha256(_CONTEXT + get_settings().secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plain: str) -> str:
    """PLAIN encrypted with a key derived from the portal's secret key."""
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str | None:
    """The plain secret, or None when it was encrypted under another secret key."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None
