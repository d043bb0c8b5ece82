"""Fixtures for the hardening tests: the declarations' world of users, and small-limit portals."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

# The declarations' helpers (a world of companies and users, forms and PDFs that match).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "declarations"))

from declarations_helpers import World, make_world
from hardening_helpers import LimitedClient

from portal import config
from portal.accounts import service as accounts
from portal.app import create_app
from portal.declarations import service
from portal.security import hash_password


@cache
def _hash_once(password: str) -> str:
    return hash_password(password)


@pytest.fixture
def world(session: Session, monkeypatch: pytest.MonkeyPatch) -> World:
    """Two supplier companies with users, and esg, buyer and admin users."""
    monkeypatch.setattr(accounts, "hash_password", _hash_once)  # Argon2 once, not per user
    return make_world(session)


@pytest.fixture
def limited_client(
    settings: config.Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LimitedClient]:
    """Opens a portal whose settings are overridden through PORTAL_* variables."""
    opened: list[config.Settings] = []

    @contextmanager
    def open_client(**overrides: object) -> Iterator[TestClient]:
        for name, value in overrides.items():
            monkeypatch.setenv(f"PORTAL_{name.upper()}", str(value))
        config.get_settings.cache_clear()
        opened.append(config.get_settings())
        with TestClient(
            create_app(), base_url="http://127.0.0.1:8000", headers={"Accept-Language": "en"}
        ) as test_client:
            yield test_client

    yield open_client
    for limited in opened:
        service.close_pdf_reader(limited)  # its worker processes are not needed again
    config.get_settings.cache_clear()
