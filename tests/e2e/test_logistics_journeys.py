"""A buyer sees the check card's transport finding, records the purchase and its delivery; a
supplier declares its packaging once; the ESG team's charts fit a phone."""

from __future__ import annotations

from typing import Any

from e2e_helpers import sign_in_as
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal import db
from portal.audit import Actor
from portal.logistics import service
from portal.logistics.inputs import LegDraft, ShipmentDraft
from portal.suppliers.models import Supplier


def test_buyer_sees_the_transport_finding_and_records_a_delivery(
    page: Page,
    live_server: Any,
) -> None:
    with Session(db.get_engine()) as session:
        ynsd = session.exec(select(Supplier).where(Supplier.code == "YNSD")).one()
        # Yunnan's ingot usually comes by diesel truck: Kunming–plant 1,900 km by road.
        service.set_dispatch_site(
            session, actor=Actor(label="e2e"), user_id=None, supplier_id=ynsd.id or 0,
            place="kunming", usual_mode="truck_diesel_heavy", rail_available=True,
        )  # fmt: skip
        session.commit()
    sign_in_as(page, live_server.url, "buyer@demo.portal")
    page.goto(f"{live_server.url}/checks")
    page.locator("#supplier").fill("YNSD")
    page.locator("#material").fill("al_primary_ingot")
    page.locator("#quantity_t").fill("40")
    page.locator("#date").fill("2026-11-20")
    page.locator("#check-button").click()
    # 40 t × 1,900 km × 0.095 kg/t·km = 7.220 t; by rail 40 × 2,100 km × 0.018571 = 1.560 t
    expect(page.locator("#check-transport-estimate")).to_contain_text("7.220")
    findings = page.locator("#check-transport-findings")
    expect(findings).to_contain_text("long_haul_by_road")
    expect(findings).to_contain_text("5.660 tCO2e less")
    page.locator("#po_number").fill("PO-E2E-LOGI-1")
    if page.locator("#exception_reason").count():
        page.locator("#exception_reason").fill("e2e: only offer this month")
    page.locator("#record-purchase").click()
    page.locator("#open-shipments").click()
    page.locator("#reference").fill("E2E-DN-1")
    page.locator("#tonnes").fill("40")
    page.locator("#shipped_on").fill("2026-11-25")
    page.locator("#leg1_mode").select_option("rail_electric")
    page.locator("#leg1_distance_km").fill("2100")
    page.locator("#leg2_mode").select_option("truck_diesel_heavy")
    page.locator("#leg2_distance_km").fill("20")
    page.locator("#record-shipment").click()
    expect(page.locator("#shipment-recorded")).to_be_visible()
    # 84,000 t·km × 0.018571 = 1.559964 t + 800 t·km × 0.095 = 0.076 t
    expect(page.locator("#shipment-emissions")).to_have_text("1.635964 tCO2e")
    expect(page.locator("#shipment-findings-none")).to_be_visible()


def test_a_supplier_declares_packaging_once_and_a_delivery_counts_it(
    page: Page,
    live_server: Any,
) -> None:
    sign_in_as(page, live_server.url, "recycler@demo.portal")
    page.locator("#nav-packaging").click()
    expect(page.locator("#packaging-supplier")).to_contain_text("JCHY")
    page.locator("#material").select_option("al_recycled_ingot")
    page.locator("#packaging").select_option("steel_strapping")
    page.locator("#kg_per_t").fill("-2")
    page.locator("#save-packaging").click()
    expect(page.locator("#error-kg_per_t")).to_contain_text("Must be more than 0.")
    page.locator("#kg_per_t").fill("1.5")
    page.locator("#recyclable").check()
    page.locator("#recyclable_basis").select_option("iso18604")
    page.locator("#save-packaging").click()
    expect(page.locator("#packaging-saved")).to_be_visible()
    row = page.locator("#declared-al_recycled_ingot-steel_strapping")
    expect(row).to_contain_text("1.500")
    expect(row).to_contain_text("ISO 18604")
    # The layout walk opens this page only as the ESG team's chooser: the form fits a phone too.
    page.set_viewport_size({"width": 375, "height": 800})
    width, inner = page.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
    assert width <= inner
    with Session(db.get_engine()) as session:
        # A delivery of 20 t of the demo's recycled ingot, recorded without packaging items.
        recorded = service.record_shipment(
            session, actor=Actor(label="e2e"), user_id=None, source="api",
            draft=ShipmentDraft(
                reference="E2E-DECL-1", po_number="DEMO-2026-003", shipped_on="2026-07-01",
                tonnes="20", legs=[LegDraft("truck_diesel_heavy", "250")],
            ),
        )  # fmt: skip
        session.commit()
        shipment_id = recorded.shipment.id
    page.context.clear_cookies()
    sign_in_as(page, live_server.url, "buyer@demo.portal")
    page.goto(f"{live_server.url}/shipments/{shipment_id}")
    # 20 t × 1.5 kg/t = 30.0 kg of strapping, as the supplier declared
    item = page.locator("#shipment-packaging #packaging-1")
    expect(item).to_contain_text("30.0")
    expect(item).to_contain_text("declared by supplier")


def test_the_logistics_charts_fit_their_cards_on_a_phone(
    page: Page,
    live_server: Any,
) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in_as(page, live_server.url, "esg@demo.portal")
    page.goto(f"{live_server.url}/tracking/logistics?year=2026")
    for code in ("cat4", "cat9", "rail", "electric", "packaging"):
        canvas = page.locator(f"#chart-{code}")
        expect(canvas).to_have_attribute("data-rendered", "true")
        card = page.locator(f"#trend-{code}").bounding_box()
        box = canvas.bounding_box()
        assert card is not None and box is not None
        assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"]
        assert box["height"] > 100  # drawn, not collapsed
