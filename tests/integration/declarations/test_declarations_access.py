"""Suppliers see only their own company's declarations and files; reviewers see all."""

from __future__ import annotations

import pytest
from declarations_helpers import World, create, signed_in
from fastapi.testclient import TestClient
from sqlmodel import Session


@pytest.fixture
def theirs(session: Session, world: World) -> int:
    """A declaration of the other supplier."""
    return int(create(session, world.other).id)


@pytest.mark.parametrize(
    "path",
    [
        "/declarations/{id}",
        "/declarations/{id}/files/declaration",
        "/declarations/{id}/replace",
        "/api/v1/declarations/{id}",
        "/api/v1/declarations/{id}/pact",
        "/api/v1/declarations/{id}/files/declaration",
    ],
)
def test_another_companys_declaration_is_not_found_for_a_supplier(
    client: TestClient, world: World, theirs: int, path: str
) -> None:
    signed_in(client, world.acme_user)
    response = client.get(path.format(id=theirs))
    assert response.status_code == 404
    assert "A00" not in response.text
    signed_in(client, world.other_user)
    assert client.get(path.format(id=theirs)).status_code in (200, 303)


def test_a_supplier_lists_only_its_own_declarations(
    client: TestClient, world: World, session: Session, theirs: int
) -> None:
    mine = create(session, world.acme, product_name="ACME ingot").id
    signed_in(client, world.acme_user)
    page = client.get("/declarations").text
    assert f'id="declaration-{mine}"' in page
    assert f'id="declaration-{theirs}"' not in page
    listed = client.get("/api/v1/declarations").json()
    assert [item["id"] for item in listed["items"]] == [mine]
    assert client.get("/api/v1/declarations?supplier=OTHER").json()["total"] == 0


@pytest.mark.parametrize("reviewer", ["esg", "buyer"])
def test_reviewers_see_every_companys_declarations_and_files(
    client: TestClient, world: World, theirs: int, reviewer: str
) -> None:
    signed_in(client, getattr(world, reviewer))
    assert client.get(f"/declarations/{theirs}").status_code == 200
    assert client.get(f"/declarations/{theirs}/files/declaration").status_code == 200
    assert client.get(f"/review/{theirs}").status_code == 200
    assert f'id="declaration-{theirs}"' in client.get("/declarations").text


def test_suppliers_cannot_review_and_reviewers_cannot_submit(
    client: TestClient, world: World, theirs: int
) -> None:
    signed_in(client, world.other_user)
    assert client.get("/review").status_code == 403
    assert client.get(f"/review/{theirs}").status_code == 403
    signed_in(client, world.esg)
    assert client.get("/declarations/new").status_code == 403


def test_administrators_have_no_declaration_pages(
    client: TestClient, world: World, theirs: int
) -> None:
    signed_in(client, world.admin)
    for path in ("/declarations", f"/declarations/{theirs}", "/review", "/api/v1/declarations"):
        assert client.get(path).status_code == 403, path


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient, theirs: int) -> None:
    response = client.get(f"/declarations/{theirs}/files/declaration", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/declarations/")
    assert client.get(f"/api/v1/declarations/{theirs}").status_code == 401


def test_ids_out_of_range_are_simply_not_found(client: TestClient, world: World) -> None:
    signed_in(client, world.esg)
    for declaration_id in ("0", "-5", "99999999999999999999"):
        assert client.get(f"/api/v1/declarations/{declaration_id}").status_code == 404
