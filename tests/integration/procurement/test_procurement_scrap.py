"""Aluminium scrap is bought without a footprint declaration, by the rule in requirements.toml."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from helpers import csrf_from, make_supplier
from sqlmodel import Session, select

from portal.procurement.models import Purchase


def test_a_scrap_purchase_passes_by_rule_and_is_recorded_without_an_exception(
    client: TestClient, session: Session, erp: dict[str, str], buyer_client: TestClient
) -> None:
    make_supplier(session, "JCHY", name_en="Jiangsu Recycler")  # no declaration at all
    body = {
        "supplier": "JCHY",
        "material": "al_scrap_post_consumer",
        "quantity_t": "40",
        "date": "2026-03-02",
        "product_line": "alloy",
        "po_number": "PO-SCRAP-1",
    }
    response = client.post("/api/v1/purchases", json=body, headers=erp)
    assert response.status_code == 201, response.text
    purchase = session.exec(select(Purchase)).one()
    # 40 t × 0.3 tCO2e/t (post-consumer scrap's default in materials.toml) = 12 t CO2e;
    # scrap counts 100 % recycled: 40 t. No exception reason was needed.
    assert purchase.exception_reason is None and purchase.factor_source == "default"
    assert purchase.pcf_t_per_t == Decimal("0.3") and purchase.emissions_t == Decimal(12)
    assert purchase.recycled_t == Decimal(40) and purchase.declaration_id is None

    answer = client.post(
        "/api/v1/checks", json={k: v for k, v in body.items() if k != "po_number"}, headers=erp
    ).json()
    assert answer["verdict"] == "pass"
    [reason] = answer["reasons"]
    assert reason["rule_id"] == "requirement.scrap_post_consumer" and not reason["blocking"]
    assert "cut-off" in reason["message_en"] and "0.3 tCO2e/t" in reason["message_en"]
    assert "切断法" in reason["message_zh"]

    # The buyer's card says the same, with a link to the rules that decided it.
    form = {k: v for k, v in body.items() if k != "po_number"}
    form["supplier"], form["material"] = "JCHY", "al_scrap_post_consumer"
    token = csrf_from(buyer_client.get("/checks").text)
    card = buyer_client.post(
        "/checks", data={**form, "csrf_token": token}, headers={"HX-Request": "true"}
    ).text
    assert 'id="check-verdict">pass<' in card
    assert "needs no footprint declaration" in card and 'id="exception_reason"' not in card
    assert f'href="/rules?revision={answer["ruleset"]}"' in card
    # The ledger row links to the rules its check was judged by.
    ledger = buyer_client.get("/purchases").text
    row = ledger.split(f'id="purchase-{purchase.id}"')[1].split("</tr>")[0]
    assert f'href="/rules?revision={purchase.ruleset_revision}"' in row
