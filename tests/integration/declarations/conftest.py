"""Fixtures for the declaration tests."""

from __future__ import annotations

from functools import cache

import pytest
from declarations_helpers import World, make_world
from sqlmodel import Session

from portal.accounts import service as accounts
from portal.security import hash_password


@cache
def _hash_once(password: str) -> str:
    return hash_password(password)


@pytest.fixture
def world(session: Session, monkeypatch: pytest.MonkeyPatch) -> World:
    """Two supplier companies with users, and esg, buyer and admin users."""
    # Argon2 is slow on purpose; seven users per test need not pay for it seven times.
    monkeypatch.setattr(accounts, "hash_password", _hash_once)
    return make_world(session)
