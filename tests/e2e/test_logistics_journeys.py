"""A buyer sees the check card's transport finding, records the purchase and its delivery."""

from __future__ import annotations

from typing import Any

from e2e_helpers import sign_in_as
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal import db
from portal.audit import Actor
from portal.logistics import service
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
