"""The demo's data behind the pages: every role's pages, as a newcomer sees them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session


@pytest.fixture
def demo_client(client: TestClient, session: Session) -> TestClient:
    """The test client on a database holding the demo."""
    from portal.demo import load_demo

    load_demo(session)
    session.commit()
    return client
