"""Fixtures for the procurement tests: a signed-in buyer, suppliers and an ERP token."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from helpers import make_supplier, make_user, sign_in
from sqlmodel import Session

from portal.accounts.models import User
from portal.security import create_api_token
from portal.suppliers.models import Supplier


@dataclass
class Plant:
    """The suppliers of a test: two outside smelters and the plant itself."""

    hydro: Supplier
    coal: Supplier
    own: Supplier


@pytest.fixture
def plant(session: Session) -> Plant:
    """YNSD (hydro), SXML (coal) and PLANT (own plant, internal transfers)."""
    return Plant(
        hydro=make_supplier(session, "YNSD", name_en="Yunnan Hydro Aluminium Co."),
        coal=make_supplier(session, "SXML", name_en="Shanxi Coal-Power Aluminium Co."),
        own=make_supplier(session, "PLANT", name_en="Own plant", is_own_plant=True),
    )


@pytest.fixture
def buyer(session: Session) -> User:
    """A buyer who can sign in."""
    return make_user(session, "buyer")


@pytest.fixture
def buyer_client(client: TestClient, buyer: User) -> TestClient:
    """The client signed in as the buyer."""
    sign_in(client, buyer.email)
    return client


@pytest.fixture
def erp(session: Session, buyer: User) -> dict[str, str]:
    """Headers of an ERP that uses the buyer's API token."""
    _token, plain = create_api_token(session, buyer, "ERP")
    session.commit()
    return {"Authorization": f"Bearer {plain}"}
