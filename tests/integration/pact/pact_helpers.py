"""What the PACT tests share: the setup actor, the base URL, published footprints, credentials."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from fastapi.testclient import TestClient

from portal.audit import Actor
from portal.pact.models import PactFootprint

SETUP = Actor(label="test setup")
BASE_URL = "https://127.0.0.1:8000"


@dataclass
class Published:
    """Three published footprints: alloy 2026 twice (the first deprecated), extrusion 2026."""

    alloy_old: PactFootprint
    alloy: PactFootprint
    extrusion: PactFootprint


@dataclass
class Credentials:
    """A PACT client's id and secret."""

    client_id: str
    secret: str

    def basic(self) -> dict[str, str]:
        """The HTTP Basic header of these credentials."""
        pair = base64.b64encode(f"{self.client_id}:{self.secret}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}


def bearer_for(client: TestClient, credentials: Credentials) -> dict[str, str]:
    """A PACT bearer header obtained from the token endpoint."""
    answer = client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, headers=credentials.basic()
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}
