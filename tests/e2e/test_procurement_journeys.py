"""A buyer checks purchases in a real browser: fail with the reason, then pass, and records it."""

from __future__ import annotations

from datetime import date

from e2e_helpers import sign_in_as
from factories import make_declaration
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal import db
from portal.clock import plant_today
from portal.suppliers.models import Supplier

PERIOD = {
    "reference_period_start": date(2025, 1, 1),
    "reference_period_end": date(2025, 12, 31),
    "valid_until": date(2028, 12, 31),
}


def arrange_declarations() -> None:
    """A hydro smelter well under the limit and a coal smelter over the 2026 limit."""
    newest = {"submitted_on": plant_today(), "version": 9}  # newer than any demo declaration
    with Session(db.get_engine()) as session:
        suppliers = {s.code: s for s in session.exec(select(Supplier))}
        make_declaration(session, suppliers["YNSD"], pcf_t_per_t="3.6", **PERIOD, **newest)
        make_declaration(session, suppliers["SXML"], pcf_t_per_t="15.8", **PERIOD, **newest)


def pick(page: Page, field: str, typed: str, option: str) -> None:
    # Typed before htmx (a deferred script) has bound the field, no suggestion ever comes.
    page.wait_for_load_state("load")
    page.locator(f"#{field}").fill(typed)
    page.locator(f"#{field}-suggestions button", has_text=option).click()
    expect(page.locator(f"#{field}")).to_have_value(option)


def test_buyer_sees_fail_with_the_reason_then_pass_and_records_the_purchase(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    arrange_declarations()
    sign_in_as(page, live_server.url, "buyer@demo.portal")
    page.locator("#nav-checks").click()
    pick(page, "supplier", "Coal", "SXML")
    pick(page, "material", "primary", "al_primary_ingot")
    page.locator("#quantity_t").fill("40")
    page.locator("#date").fill("2026-11-20")
    page.locator("#check-button").click()
    expect(page.locator("#check-verdict")).to_have_text("fail")
    expect(page.locator("#check-reasons")).to_contain_text("15.8 tCO2e/t is above the 2026 limit")
    expect(page.locator("#exception_reason")).to_be_visible()

    pick(page, "supplier", "Yunnan", "YNSD")
    page.locator("#check-button").click()
    expect(page.locator("#check-verdict")).to_have_text("pass")
    expect(page.locator("#check-emissions")).to_have_text("144.000 t CO2e")
    expect(page.locator("#check-label")).to_contain_text("low-carbon aluminium")
    expect(page.locator("#exception_reason")).to_have_count(0)
    page.locator("#po_number").fill("PO-E2E-1")
    page.locator("#record-purchase").click()
    expect(page.locator("#purchase-recorded")).to_contain_text("PO-E2E-1")

    page.locator("#open-ledger").click()
    row = page.locator("#purchases-table tbody tr", has_text="PO-E2E-1")
    expect(row).to_contain_text("YNSD")
    expect(row).to_contain_text("144.000")
