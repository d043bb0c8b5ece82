"""Devices that have signed in before: a signed cookie that lifts the guessers' throttle."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from portal.config import Settings

DEVICE_COOKIE = "portal_device"
DEVICE_COOKIE_DAYS = 365
MAX_ACCOUNTS = 5  # accounts remembered by one browser


def _signature(user_id: int, device_id: str, settings: Settings) -> str:
    message = f"device:{user_id}:{device_id}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def _entries(cookie: str | None, settings: Settings) -> list[tuple[int, str]]:
    """The (user id, device id) pairs of COOKIE whose signatures hold; forged ones are dropped."""
    found: list[tuple[int, str]] = []
    for entry in (cookie or "")[:1000].split("_")[:MAX_ACCOUNTS]:
        user_id, _dot, rest = entry.partition(".")
        device_id, _dot, signature = rest.partition(".")
        if not (user_id.isdigit() and len(user_id) < 12 and device_id and signature):
            continue
        expected = _signature(int(user_id), device_id, settings)
        if hmac.compare_digest(expected, signature):
            found.append((int(user_id), device_id))
    return found


def known_device(cookie: str | None, user_id: int, settings: Settings) -> str | None:
    """The id of this browser as a device USER_ID has signed in from, if it is one."""
    for owner, device_id in _entries(cookie, settings):
        if owner == user_id:
            return device_id
    return None


def remembered(cookie: str | None, user_id: int, settings: Settings) -> str:
    """The cookie's new value once USER_ID has signed in from this browser."""
    entries = _entries(cookie, settings)
    device_id = known_device(cookie, user_id, settings) or secrets.token_hex(12)
    others = [(owner, device) for owner, device in entries if owner != user_id]
    kept = [(user_id, device_id), *others][:MAX_ACCOUNTS]
    return "_".join(
        f"{owner}.{device}.{_signature(owner, device, settings)}" for owner, device in kept
    )
