"""Fixtures for the supplier tests: the declarations' world of companies and users."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import pytest
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "declarations"))

from declarations_helpers import World, make_world

from portal.accounts import service as accounts
from portal.security import hash_password


@cache
def _hash_once(password: str) -> str:
    return hash_password(password)


@pytest.fixture
def world(session: Session, monkeypatch: pytest.MonkeyPatch) -> World:
    """Two supplier companies with users, and esg, buyer and admin users."""
    monkeypatch.setattr(accounts, "hash_password", _hash_once)  # Argon2 once, not per user
    return make_world(session)
