"""Each role's home page lists what waits for that person, linked to where it is done."""

from __future__ import annotations

from datetime import timedelta

from declarations_helpers import World, signed_in
from factories import make_declaration
from fastapi.testclient import TestClient
from helpers import csrf_from
from sqlmodel import Session

from portal.clock import plant_today
from portal.security import create_api_token


def test_admin_buyer_and_esg_each_see_their_own_lists(
    client: TestClient, session: Session, world: World
) -> None:
    # ACME's ingot declaration ends in 20 days: the ESG team sees the coverage expiring.
    declaration = make_declaration(
        session, world.acme, valid_until=plant_today() + timedelta(days=20)
    )
    signed_in(client, world.esg)
    home = client.get("/").text
    assert 'id="inbox-expiring-count">1<' in home
    assert f'href="/declarations/{declaration.id}"' in home and "(20 days left)" in home
    assert 'id="inbox-off-target"' in home

    # A purchase recorded despite a failed check: the buyer's exceptions and failed checks.
    _token, plain = create_api_token(session, world.buyer, "ERP")
    session.commit()
    response = client.post(
        "/api/v1/purchases",
        headers={"Authorization": f"Bearer {plain}"},
        json={
            "supplier": "OTHER",  # OTHER has no declaration: the check fails
            "material": "al_primary_ingot",
            "quantity_t": "10",
            "date": plant_today().isoformat(),
            "product_line": "alloy",
            "po_number": "PO-77",
            "exception_reason": "only offer this month",
        },
    )
    assert response.status_code == 201, response.text
    signed_in(client, world.buyer)
    home = client.get("/").text
    assert 'id="inbox-exceptions-count">1<' in home and "PO-77" in home
    assert 'id="inbox-failed-checks-count">1<' in home
    assert 'id="inbox-review-count">0<' in home

    # An invitation not yet accepted: the admin's pending invitations.
    signed_in(client, world.admin)
    token = csrf_from(client.get("/admin/users").text)
    client.post(
        "/admin/users/invite",
        data={"email": "new.person@example.com", "role": "buyer", "csrf_token": token},
    )
    home = client.get("/").text
    assert 'id="inbox-invitations-count">1<' in home and "new.person@example.com" in home
