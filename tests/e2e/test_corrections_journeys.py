"""A reviewer corrects the demo's unit slip in a real browser; the dashboard figure follows."""

from __future__ import annotations

import re
from decimal import Decimal

from e2e_helpers import sign_in_as
from playwright.sync_api import Page, expect

from portal.clock import plant_today


def _emissions(page: Page, base_url: str) -> Decimal:
    """The alloy line's Scope 3.1 emissions of this year, as the dashboard shows them."""
    page.goto(f"{base_url}/tracking?year={plant_today().year}")
    text = page.locator("#emissions-alloy").inner_text()
    number = re.match(r"([\d,]+\.\d)", text)
    assert number is not None, text
    return Decimal(number[1].replace(",", ""))


def test_a_reviewer_corrects_a_unit_slip_and_the_dashboard_figure_follows(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    url = live_server.url
    sign_in_as(page, url, "esg@demo.portal")
    before = _emissions(page, url)

    # The demo's pending A356.2 ingot: 2,100 kgCO2e per 1 kg = 2,100 tCO2e/t (meant per tonne).
    page.goto(f"{url}/review")
    row = page.locator("#review-table tbody tr", has_text="A356.2 recycled aluminium alloy ingot")
    row.locator("a", has_text="Review").click()
    expect(page.locator("#plausibility-guard")).to_be_visible()
    page.locator("#accept-button").click()
    expect(page.locator("#error-override_reason")).to_contain_text(
        "Correct the declared value or unit, or write why"
    )
    expect(page.locator("#declaration-status")).to_contain_text("in review")

    page.locator("#correction-unit").select_option("tonne")
    page.locator("#correction-reason").fill("kgCO2e per tonne typed for 1 kg; the PDF says 2.1")
    page.locator("#correct-button").click()
    # 2,100 kgCO2e per 1 tonne = 2,100 / 1,000 = 2.1 tCO2e/t: inside 0.3–10, the rules pass it.
    expect(page.locator("#declaration-status")).to_contain_text("2.100 tCO2e/t")
    expect(page.locator("#plausibility-guard")).to_have_count(0)
    expect(page.locator("#corrections-table")).to_contain_text("2,100.000 tCO2e/t")
    page.locator("#accept-button").click()
    expect(page.locator("#summary-status")).to_contain_text("accepted")
    expect(page.locator("#corrections-table")).to_contain_text("the PDF says 2.1")

    page.context.clear_cookies()
    sign_in_as(page, url, "buyer@demo.portal")
    page.locator("#nav-checks").click()
    page.wait_for_load_state("load")  # htmx, a deferred script, binds the field at load
    page.locator("#supplier").fill("JCHY")
    page.locator("#supplier-suggestions button", has_text="JCHY").click()
    page.locator("#material").fill("recycled")
    page.locator("#material-suggestions button", has_text="al_recycled_ingot").click()
    page.locator("#quantity_t").fill("5")
    page.locator("#date").fill(plant_today().isoformat())
    page.locator("#check-button").click()
    expect(page.locator("#check-verdict")).to_have_text("pass")
    # 5 t x 2.1 tCO2e/t = 10.5 tCO2e (accepted as typed it would have been 5 x 2,100 = 10,500).
    expect(page.locator("#check-factor")).to_contain_text("2.100 tCO2e/t")
    expect(page.locator("#check-emissions")).to_have_text("10.500 t CO2e")
    page.locator("#po_number").fill("PO-E2E-SLIP")
    page.locator("#record-purchase").click()
    expect(page.locator("#purchase-recorded")).to_contain_text("PO-E2E-SLIP")

    page.context.clear_cookies()
    sign_in_as(page, url, "esg@demo.portal")
    assert _emissions(page, url) == before + Decimal("10.5")
