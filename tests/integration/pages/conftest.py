"""The demo's data behind the pages: every role's pages, as a newcomer sees them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the demo start on a copy of a database holding it (see `backend`)."""
    for item in items:
        if "demo_client" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.demo)


@pytest.fixture
def demo_client(client: TestClient, session: Session) -> TestClient:
    """The test client on a database holding the demo (loading it again adds nothing)."""
    from portal.demo import load_demo

    load_demo(session)
    session.commit()
    return client
