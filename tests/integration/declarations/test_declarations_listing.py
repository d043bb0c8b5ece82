"""The reviewers' list: filters by supplier, material, status and expiry; expiring soon."""

from __future__ import annotations

from datetime import timedelta

import pdf_factory
from declarations_helpers import World, create, declared, signed_in
from fastapi.testclient import TestClient
from sqlmodel import Session

from portal.clock import plant_today


def test_reviewers_filter_the_list_and_see_what_expires_within_60_days(
    client: TestClient, world: World, session: Session
) -> None:
    soon = (plant_today() + timedelta(days=30)).isoformat()
    expiring = create(session, world.acme, product_name="Soon", validity_period_end=soon).id
    lasting = create(session, world.acme, product_name="Lasting").id
    rejected = create(
        session,
        world.other,
        product_name="Too high",
        body=pdf_factory.english_declaration(declared(pcf="16.8")),
        pcf_excluding_biogenic="16,800",
    ).id
    billet = create(session, world.other, product_name="Billet", material_code="al_billet").id
    signed_in(client, world.buyer)

    def shown(query: str) -> set[int]:
        page = client.get(f"/declarations?{query}").text
        return {d for d in (expiring, lasting, rejected, billet) if f'id="declaration-{d}"' in page}

    assert shown("") == {expiring, lasting, rejected, billet}
    assert shown(f"supplier={world.other.id}") == {rejected, billet}
    assert shown("material=al_billet") == {billet}
    assert shown("status=rejected") == {rejected}
    assert shown("status=accepted&expiry=within_60_days") == {expiring}
    assert shown("expiry=expired") == set()
    assert shown("status=nonsense&material=nothing&page=x") == {expiring, lasting, rejected, billet}
    page = client.get("/declarations").text
    assert (
        'href="/declarations?status=accepted&amp;expiry=within_60_days" id="expiring-view"' in page
    )
    assert 'id="declaration-filters"' in page


def test_a_supplier_dashboard_offers_a_new_declaration_and_a_new_version_of_rejected_ones(
    client: TestClient, world: World, session: Session
) -> None:
    rejected = create(
        session,
        world.acme,
        body=pdf_factory.english_declaration(declared(pcf="16.8")),
        pcf_excluding_biogenic="16,800",
    ).id
    signed_in(client, world.acme_user)
    page = client.get("/declarations").text
    assert 'id="new-declaration"' in page
    assert f'href="/declarations/{rejected}/replace"' in page
    assert 'id="declaration-filters"' not in page
