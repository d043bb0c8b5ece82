"""The buyer's pages: check form with its answer card, recording, the ledger and its CSV."""

from __future__ import annotations

import re
from datetime import date

import pytest
from factories import make_declaration
from fastapi.testclient import TestClient
from helpers import csrf_from, make_supplier, make_user, sign_in
from sqlmodel import Session, select

from portal.audit import AuditEvent
from portal.procurement.models import BuyerCheck, Purchase

HTMX = {"HX-Request": "true"}


def run_check(client: TestClient, htmx: bool = True, **changes: str):  # type: ignore[no-untyped-def]
    form = {
        "supplier": "YNSD",
        "material": "al_primary_ingot",
        "quantity_t": "25",
        "date": "2026-04-01",
        "product_line": "alloy",
    }
    form.update(changes)
    token = csrf_from(client.get("/checks").text)
    return client.post("/checks", data={**form, "csrf_token": token}, headers=HTMX if htmx else {})


def check_id_in(html: str) -> str:
    match = re.search(r'name="check_id" value="(\d+)"', html)
    assert match, html
    return match.group(1)


def test_the_answer_card_shows_pass_with_the_declaration_and_figures(
    buyer_client: TestClient,
    session: Session,
    plant,  # type: ignore[no-untyped-def]
) -> None:
    declaration = make_declaration(session, plant.hydro, pcf_t_per_t="3.8")
    page = buyer_client.get("/checks")
    assert page.status_code == 200 and 'id="check-form"' in page.text
    assert "/static/js/procurement.js" in page.text

    card = run_check(buyer_client)
    assert card.status_code == 200
    assert "<html" not in card.text  # a fragment for htmx, swapped in place
    assert re.search(r'id="check-verdict">pass<', card.text)
    assert f"#{declaration.id}, version 1: 3.800 tCO2e/t" in card.text
    assert 'id="check-emissions">95.000 t CO2e' in card.text
    assert "low-carbon aluminium" in card.text
    assert 'id="record-purchase"' in card.text and 'id="exception_reason"' not in card.text

    whole_page = run_check(buyer_client, htmx=False)
    assert "<html" in whole_page.text and 'id="answer-card"' in whole_page.text  # without JS


def test_a_failed_check_shows_the_reason_and_needs_an_exception_to_record(
    buyer_client: TestClient,
    session: Session,
    plant,
    buyer,  # type: ignore[no-untyped-def]
) -> None:
    card = run_check(buyer_client, supplier="sxml")
    assert re.search(r'id="check-verdict">fail<', card.text)
    assert "has not submitted a carbon-footprint declaration" in card.text
    assert 'id="exception_reason"' in card.text
    check_id = check_id_in(card.text)

    token = csrf_from(buyer_client.get("/checks").text)
    refused = buyer_client.post(
        "/purchases",
        data={"check_id": check_id, "po_number": "PO-7", "po_line": "1", "csrf_token": token},
        headers=HTMX,
    )
    assert 'id="error-exception_reason"' in refused.text
    assert session.exec(select(Purchase)).all() == []

    recorded = buyer_client.post(
        "/purchases",
        data={
            "check_id": check_id,
            "po_number": "PO-7",
            "po_line": "1",
            "exception_reason": "Sole source this month",
            "csrf_token": token,
        },
        headers=HTMX,
    )
    assert 'id="purchase-recorded"' in recorded.text and "Sole source this month" in recorded.text
    purchase = session.exec(select(Purchase)).one()
    assert purchase.exception_reason == "Sole source this month"
    assert purchase.recorded_by_id == buyer.id and purchase.factor_source == "default"

    ledger = buyer_client.get("/purchases")
    assert f'id="purchase-{purchase.id}"' in ledger.text
    assert "Sole source this month" in ledger.text


def test_recording_without_javascript_goes_to_the_ledger(
    buyer_client: TestClient,
    session: Session,
    plant,  # type: ignore[no-untyped-def]
) -> None:
    make_declaration(session, plant.hydro)
    check_id = check_id_in(run_check(buyer_client, htmx=False).text)
    token = csrf_from(buyer_client.get("/checks").text)
    response = buyer_client.post(
        "/purchases",
        data={"check_id": check_id, "po_number": "PO-8", "po_line": "3", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/purchases?recorded=")
    page = buyer_client.get(response.headers["location"])
    assert 'id="recorded-note"' in page.text and "PO-8 / 3" in page.text

    again = buyer_client.post(
        "/purchases",
        data={"check_id": check_id, "po_number": "PO-9", "csrf_token": token},
    )
    assert again.status_code == 409 and "already been used" in again.text


def test_invalid_input_is_shown_next_to_the_field(
    buyer_client: TestClient,
    plant,  # type: ignore[no-untyped-def]
) -> None:
    page = run_check(buyer_client, htmx=False, quantity_t="12,5")
    assert page.status_code == 422 and 'id="error-quantity_t"' in page.text
    page = run_check(buyer_client, htmx=False, supplier="PLANT")
    assert page.status_code == 422 and "Internal transfers" in page.text
    fragment = run_check(buyer_client, material="gold")
    assert 'id="error-material"' in fragment.text and "gold" in fragment.text


def test_search_as_you_type(buyer_client: TestClient, plant) -> None:  # type: ignore[no-untyped-def]
    found = buyer_client.get("/checks/suppliers", params={"supplier": "hydro"}, headers=HTMX)
    assert 'data-value="YNSD"' in found.text and "SXML" not in found.text
    everyone = buyer_client.get("/checks/suppliers", params={"supplier": ""}, headers=HTMX)
    assert "SXML" in everyone.text and "PLANT" not in everyone.text  # the plant is no supplier
    materials = buyer_client.get("/checks/materials", params={"material": "magn"}, headers=HTMX)
    assert 'data-value="magnesium"' in materials.text and "al_primary_ingot" not in materials.text
    chinese = buyer_client.get("/checks/materials", params={"material": "原铝"}, headers=HTMX)
    assert 'data-value="al_primary_ingot"' in chinese.text


def test_ledger_filters_and_csv_export(
    client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    make_declaration(session, plant.hydro)
    for number, (day, line) in enumerate(
        [("2025-03-01", "alloy"), ("2026-03-01", "alloy"), ("2026-04-01", "extrusion")], 1
    ):
        body = {
            "supplier": "YNSD",
            "material": "al_primary_ingot",
            "quantity_t": "10",
            "date": day,
            "product_line": line,
            "po_number": f"=cmd|{number}",
        }
        assert client.post("/api/v1/purchases", json=body, headers=erp).status_code == 201
    esg = make_user(session, "esg")
    sign_in(client, esg.email)
    page = client.get("/purchases", params={"year": "2026", "product_line": "alloy"})
    assert page.status_code == 200
    assert len(re.findall(r'id="purchase-\d+"', page.text)) == 1 and "1 purchase" in page.text
    assert 'id="ledger-actions"' not in page.text  # the ESG team reads, buyers record
    exported = client.get("/purchases/export.csv", params={"year": "2026", "headers": "keys"})
    assert exported.headers["content-type"].startswith("text/csv")
    text = exported.content.decode("utf-8")
    assert text.startswith("\ufeffpo_number,")
    rows = text.strip().splitlines()
    assert len(rows) == 3  # header and the two 2026 purchases
    assert rows[1].startswith("'=cmd|3")  # never a formula in a spreadsheet
    ignored = client.get("/purchases", params={"year": "20x6", "date_from": "yesterday"})
    assert ignored.status_code == 200 and len(re.findall(r'id="purchase-\d+"', ignored.text)) == 3


@pytest.mark.parametrize("role", ["supplier", "esg"])
def test_only_buyers_check_or_import(client: TestClient, session: Session, role: str) -> None:
    supplier = make_supplier(session, "ACME") if role == "supplier" else None
    make_user(session, role, supplier=supplier)
    sign_in(client, f"{role}@example.com")
    for page in ("/checks", "/purchases/import"):
        assert client.get(page).status_code == 403
    assert client.get("/purchases").status_code == (403 if role == "supplier" else 200)


def test_every_check_is_recorded_with_who_and_what(
    buyer_client: TestClient,
    session: Session,
    plant,
    buyer,  # type: ignore[no-untyped-def]
) -> None:
    run_check(buyer_client, supplier="SXML", quantity_t="7.25", date="2025-12-31")
    check = session.exec(select(BuyerCheck)).one()
    assert (check.user_id, check.via_api, check.supplier_id) == (buyer.id, False, plant.coal.id)
    assert (check.quantity_t, check.check_date, check.verdict) == (
        7.25,
        date(2025, 12, 31),
        "fail",
    )
    assert check.reasons[0]["rule_id"] == "procurement.declaration_required"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "check.recorded")).one()


def test_every_procurement_route_names_its_roles_and_sends_strangers_away(
    client: TestClient,
) -> None:
    from fastapi.routing import APIRoute

    from portal.procurement import api, routes

    for route in [*routes.router.routes, *api.router.routes]:
        assert isinstance(route, APIRoute)
        assert any(hasattr(d.call, "allowed_roles") for d in route.dependant.dependencies), route
    for page in ("/checks", "/purchases", "/purchases/import", "/purchases/export.csv"):
        response = client.get(page, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get("/api/v1/purchases").status_code == 401
