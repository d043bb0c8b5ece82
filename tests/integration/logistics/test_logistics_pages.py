"""Recording deliveries through the purchase page, the API and the warehouse import, and
the check card's transport part."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from helpers import csrf_from, post_form
from logistics_helpers import buy
from sqlmodel import Session, select

from portal.accounts.models import User
from portal.audit import Actor, AuditEvent
from portal.logistics import service
from portal.logistics.importfile import read_lines
from portal.logistics.models import Shipment
from portal.suppliers.models import Supplier

pytestmark = pytest.mark.usefixtures("backend")


def test_buyer_records_a_two_leg_delivery_on_the_purchase_page(
    session: Session, buyer: User, far: Supplier, buyer_client: TestClient
) -> None:
    purchase = buy(session, buyer, far, "PO-PAGE-1")
    page = f"/purchases/{purchase.id}/shipments"
    assert buyer_client.get(page).status_code == 200
    response = post_form(
        buyer_client,
        page,
        page,
        {
            "reference": "DN-P1",
            "shipped_on": "2026-03-10",
            "tonnes": "25",
            "leg1_mode": "rail_electric",
            "leg1_distance_km": "1950",
            "leg2_mode": "truck_diesel_heavy",
            "leg2_distance_km": "30",
            "leg2_carrier_co2e_t": "0.060",
            "pack_packaging": "aluminium_rack",
            "pack_mass_kg": "80",
            "pack_reusable": "1",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200, response.text
    # 0.905336 t by rail (estimate) + 0.060000 t the trucker reported = 0.965336 t
    assert "0.965336 tCO2e" in response.text
    assert 'id="shipment-legs-carrier-2"' in response.text
    assert "carrier-reported" in response.text
    assert "GLEC" in response.text


def test_the_form_names_the_bad_field(
    session: Session, buyer: User, far: Supplier, buyer_client: TestClient
) -> None:
    purchase = buy(session, buyer, far, "PO-PAGE-2")
    page = f"/purchases/{purchase.id}/shipments"
    response = post_form(
        buyer_client,
        page,
        page,
        {
            "reference": "DN-P2",
            "shipped_on": "2026-03-10",
            "tonnes": "25",
            "leg1_mode": "truck_diesel_heavy",
            "leg1_distance_km": "1,2",
        },
    )
    assert response.status_code == 422
    assert 'id="error-legs-0-distance_km"' in response.text
    assert "Distance (km)" in response.text


def test_api_records_idempotently_and_warns_about_the_road(
    session: Session, buyer: User, far: Supplier, client: TestClient, erp: dict[str, str]
) -> None:
    buy(session, buyer, far, "PO-API-1")
    body = {
        "reference": "DN-A1",
        "po_number": "PO-API-1",
        "shipped_on": "2026-03-10",
        "tonnes": 25,
        "legs": [{"mode": "truck_diesel_heavy", "distance_km": 1800}],
    }
    headers = {**erp, "Idempotency-Key": "ship-1"}
    first = client.post("/api/v1/shipments", json=body, headers=headers)
    assert first.status_code == 201, first.text
    # 25 t × 1,800 km × 0.095 = 4.275 t; by rail 45,000 × 0.018571 kg = 0.835695 t
    assert first.json()["emissions_t"] == "4.275000"
    finding = first.json()["findings"][0]
    assert finding["code"] == "long_haul_by_road" and finding["difference_t"] == "3.439305"
    again = client.post("/api/v1/shipments", json=body, headers=headers)
    assert again.headers.get("Idempotent-Replayed") == "true"
    repeat = client.post("/api/v1/shipments", json=body, headers=erp)
    assert repeat.status_code == 200 and repeat.json()["id"] == first.json()["id"]
    bad = client.post(
        "/api/v1/shipments",
        json={**body, "reference": "DN-A2", "legs": [{"mode": "balloon"}]},
        headers=erp,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "legs[0].mode"
    assert len(session.exec(select(Shipment)).all()) == 1


def test_import_with_an_unmatched_line_stores_nothing(
    session: Session, buyer: User, far: Supplier, buyer_client: TestClient
) -> None:
    buy(session, buyer, far, "PO-IMP-1")
    buy(session, buyer, far, "PO-IMP-2")
    csv = (
        "Record number,PO number,Date,Tonnes,Mode,Distance (km),Packaging,Packaging (kg),"
        "Reusable,Recyclable,Recyclability basis\n"
        "WH-1,PO-IMP-1,2026-03-10,25,rail_electric+truck_diesel_heavy,1950+30,"
        "aluminium_rack,80,yes,yes,supplier\n"
        "WH-2,PO-IMP-2,2026-03-11,25,电力铁路,1950,,,,,\n"
        "WH-3,PO-NOPE,2026-03-12,25,rail_electric,1950,,,,,\n"
    )
    token = csrf_from(buyer_client.get("/logistics/import").text)
    response = buyer_client.post(
        "/logistics/import",
        data={"csrf_token": token, "direction": "inbound"},
        files={"file": ("in.csv", csv.encode(), "text/csv")},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.text
    # The header is row 1, so the unmatched third line is spreadsheet row 4.
    assert 'id="refused-row-4"' in response.text
    assert "PO-NOPE" in response.text
    assert 'id="confirm-import"' not in response.text
    import_id = int(str(response.url).rsplit("/", 1)[1])
    token = csrf_from(response.text)
    refused = buyer_client.post(
        f"/logistics/import/{import_id}/confirm", data={"csrf_token": token}
    )
    assert refused.status_code == 422 and "line 4" in refused.text
    assert session.exec(select(Shipment)).all() == []
    # Without the bad line, both are stored at once.
    good = csv.rsplit("WH-3", 1)[0]
    response = buyer_client.post(
        "/logistics/import",
        data={"csrf_token": token, "direction": "inbound"},
        files={"file": ("in.csv", good.encode(), "text/csv")},
        follow_redirects=True,
    )
    import_id = int(str(response.url).rsplit("/", 1)[1])
    done = buyer_client.post(
        f"/logistics/import/{import_id}/confirm",
        data={"csrf_token": csrf_from(response.text)},
        follow_redirects=True,
    )
    assert done.status_code == 200 and 'id="import-confirmed"' in done.text
    assert sorted(s.reference for s in session.exec(select(Shipment)).all()) == ["WH-1", "WH-2"]
    assert session.exec(
        select(AuditEvent).where(AuditEvent.action == "logistics_import.confirmed")
    ).first()


def test_check_card_shows_expected_transport_and_finding(
    session: Session, buyer: User, far: Supplier, buyer_client: TestClient
) -> None:
    service.set_dispatch_site(
        session,
        actor=Actor(label="test"),
        user_id=None,
        supplier_id=far.id or 0,
        place="foshan",
        usual_mode="truck_diesel_heavy",
        rail_available=True,
    )
    session.commit()
    response = post_form(
        buyer_client,
        "/checks",
        "/checks",
        {
            "supplier": "FSZS",
            "material": "al_recycled_ingot",
            "quantity_t": "25",
            "date": "2026-03-02",
            "product_line": "alloy",
        },
    )
    assert response.status_code == 200, response.text
    # 25 t × 1,800 km (Foshan by road) × 0.095 = 4.275 t expected
    assert 'id="check-transport-estimate"' in response.text
    assert "4.275" in response.text
    assert "long_haul_by_road" in response.text


def test_pages_speak_chinese(
    session: Session, buyer: User, far: Supplier, buyer_client: TestClient
) -> None:
    purchase = buy(session, buyer, far, "PO-ZH-1")
    zh = {"Accept-Language": "zh"}
    buyer_client.cookies.set("portal_lang", "zh")
    page = buyer_client.get(f"/purchases/{purchase.id}/shipments", headers=zh).text
    assert "记录此次送货" in page and "运输方式" in page and "Record the delivery" not in page
    outbound = buyer_client.get("/logistics/outbound", headers=zh).text
    assert "挤压材出厂发运" in outbound
    imports = buyer_client.get("/logistics/import", headers=zh).text
    assert "导入仓库出入库记录" in imports


def test_the_warehouse_template_is_headed_in_the_users_language(
    buyer_client: TestClient,
) -> None:
    url = "/logistics/import/template.csv"
    chinese = buyer_client.get(url, headers={"Accept-Language": "zh"}).content.decode("utf-8")
    assert chinese.startswith("\ufeff出入库单号,采购订单号,订单行号,客户,日期,重量（吨）,运输方式,")
    english = buyer_client.get(url).content.decode("utf-8")
    assert english.startswith("\ufeffRecord number,PO number,PO line,Customer,Date,Tonnes,Mode,")
    keys = buyer_client.get(url + "?headers=keys").text
    assert keys.startswith("reference,po_number,po_line,customer,shipped_on,tonnes,mode,")
    for text in (chinese, english, keys):
        lines = read_lines("template.csv", text.encode())
        assert [line["reference"] for line in lines] == ["WH-IN-0001", "WH-OUT-0001"]
    page = buyer_client.get("/logistics/import").text
    assert 'formaction="/logistics/import/template.csv" id="logistics-template"' in page
