"""Fixtures of the PACT tests: the hand-worked tracking data, published footprints, clients."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).parent.parent / "tracking"))

from pact_helpers import BASE_URL, SETUP, Credentials, Published
from tracking_golden import build_golden

from portal import config
from portal.pact import auth, publishing
from portal.pact.config import get_pact_settings
from portal.tracking.service import save_line_year


@pytest.fixture
def https_settings(
    settings: config.Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[config.Settings]:
    """The test's settings with the portal served at an https:// base URL."""
    monkeypatch.setenv("PORTAL_BASE_URL", BASE_URL)
    monkeypatch.setenv("PORTAL_PACT_DOMAIN", "plant.example")
    config.get_settings.cache_clear()
    get_pact_settings.cache_clear()
    yield config.get_settings()
    get_pact_settings.cache_clear()


@pytest.fixture
def pact_http(https_settings: config.Settings) -> Iterator[TestClient]:
    """A client of the app speaking HTTPS (as a TLS-terminating server hands it on)."""
    from portal.app import create_app

    with TestClient(create_app(), base_url=BASE_URL, headers={"Accept-Language": "en"}) as client:
        yield client


@pytest.fixture
def published(session: Session, https_settings: config.Settings) -> Published:
    """The golden data set's 2026 lines published (alloy twice)."""
    build_golden(session)
    # Extrusion 2026: 200 t produced, 300 tCO2e Scope 1+2 = 1.5 tCO2e/t
    save_line_year(
        session, actor=SETUP, line="extrusion", year=2026, production_t="200", scope12_t="300"
    )
    old = publishing.publish(session, actor=SETUP, line="alloy", year=2026)
    session.commit()
    extrusion = publishing.publish(session, actor=SETUP, line="extrusion", year=2026)
    session.commit()
    alloy = publishing.publish(session, actor=SETUP, line="alloy", year=2026)
    session.commit()
    session.refresh(old)
    return Published(alloy_old=old, alloy=alloy, extrusion=extrusion)


@pytest.fixture
def credentials(session: Session, https_settings: config.Settings) -> Credentials:
    """A PACT client that answers to no host (no callback credentials)."""
    created = auth.create_client(session, actor=SETUP, name="Car Maker GmbH")
    session.commit()
    return Credentials(created.client.client_id, created.secret)
