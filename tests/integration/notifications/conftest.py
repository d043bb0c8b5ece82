"""Fixtures for the notification tests: the declarations' world, and a real SMTP server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "declarations"))

from declarations_helpers import World, make_world
from smtp_inbox import MailServer, mail_server

from portal import config
from portal.accounts import service as accounts
from portal.notifications.config import get_notify_settings
from portal.security import hash_password


@cache
def _hash_once(password: str) -> str:
    return hash_password(password)


@pytest.fixture
def world(session: Session, monkeypatch: pytest.MonkeyPatch) -> World:
    """Two supplier companies with users, and esg, buyer and admin users."""
    monkeypatch.setattr(accounts, "hash_password", _hash_once)
    return make_world(session)


@pytest.fixture
def smtp(
    settings: config.Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[MailServer, int]]:
    """A real SMTP server, and the portal's settings pointing at it."""
    with mail_server() as (server, port):
        monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PORTAL_SMTP_PORT", str(port))
        monkeypatch.setenv("PORTAL_SMTP_STARTTLS", "false")
        monkeypatch.setenv("PORTAL_BASE_URL", "http://portal.test:8123")
        config.get_settings.cache_clear()
        get_notify_settings.cache_clear()
        yield server, port
        config.get_settings.cache_clear()
        get_notify_settings.cache_clear()
