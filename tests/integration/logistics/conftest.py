"""Fixtures of the logistics tests: suppliers, a buyer, recorded purchases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from helpers import make_supplier, make_user, sign_in
from sqlmodel import Session

from portal import i18n
from portal.accounts.models import User
from portal.security import create_api_token
from portal.suppliers.models import Supplier


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Service calls outside a request speak English here."""
    token = i18n.current_locale.set("en")
    yield
    i18n.current_locale.reset(token)


@pytest.fixture
def buyer(session: Session) -> User:
    """A buyer who can sign in."""
    return make_user(session, "buyer")


@pytest.fixture
def far(session: Session) -> Supplier:
    """A recycled-ingot supplier in Foshan, 1,800 km by road, 1,950 km by rail."""
    return make_supplier(session, "FSZS", name_en="Foshan Recycled Aluminium")


@pytest.fixture
def buyer_client(client: TestClient, buyer: User) -> TestClient:
    """The client signed in as the buyer."""
    sign_in(client, buyer.email)
    return client


@pytest.fixture
def erp(session: Session, buyer: User) -> dict[str, str]:
    """Headers of an ERP (or warehouse system) using the buyer's API token."""
    _token, plain = create_api_token(session, buyer, "WMS")
    session.commit()
    return {"Authorization": f"Bearer {plain}"}
