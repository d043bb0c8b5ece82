"""A supplier renews an accepted declaration early, withdraws the renewal, and renews again."""

from __future__ import annotations

import re

from e2e_helpers import sign_in_as
from playwright.sync_api import Page, expect


def test_a_supplier_renews_early_withdraws_the_renewal_and_renews_again(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    base = live_server.url
    sign_in_as(page, base, "recycler@demo.portal")
    page.goto(base + "/declarations")
    page.get_by_role("link", name="ADC12 recycled aluminium alloy ingot").first.click()
    expect(page.locator("#declaration-status")).to_contain_text("accepted")
    first_url = page.url

    # Renew before it expires: the form is filled in and keeps the three PDFs.
    page.locator("#renew-link").click()
    expect(page.locator("#replacing-note")).to_contain_text("It stays valid until your new")
    for field in ("declaration_pdf", "recycled_evidence_pdf", "verification_pdf"):
        expect(page.locator(f"#kept-{field}")).to_contain_text("Kept from version 1")
    # 2.5 tCO2e/t typed where the kept PDF says 1.9: within the limit, but a person must look.
    page.locator("#pcf_excluding_biogenic").fill("2,500")
    page.locator("#submit-declaration").click()
    expect(page.locator("#declaration-status")).to_contain_text("in review")
    expect(page.locator("#open-recycled_evidence")).to_be_visible()  # the kept certificate
    renewal_url = page.url

    # The accepted version stays in force while the renewal waits.
    page.goto(first_url)
    expect(page.locator("#declaration-status")).to_contain_text("accepted")
    expect(page.locator("#renewal-note")).to_contain_text("stays valid until the new one")

    # Typed wrong: the supplier withdraws the renewal.
    page.goto(renewal_url)
    page.locator("#withdraw-reason").fill("Typed 2.5 instead of 1.9")
    page.locator("#withdraw-button").click()
    expect(page.locator("#declaration-status")).to_contain_text("withdrawn")
    expect(page.locator("#summary-decision")).to_contain_text("Typed 2.5 instead of 1.9")

    # The first version cannot be renewed twice; the page says why and where to go.
    page.goto(first_url + "/replace")
    expect(page.locator("#replace-refused")).to_contain_text(
        "Version 2 already follows this one (withdrawn)"
    )
    page.locator("#refused-successor-link").click()
    page.locator("#replace-link").click()
    page.locator("#pcf_excluding_biogenic").fill("1,900")
    page.locator("#submit-declaration").click()
    expect(page.locator("#declaration-title")).to_contain_text("version 3")
    expect(page.locator("#declaration-status")).to_contain_text("accepted")

    page.goto(first_url)
    expect(page.locator("#declaration-status")).to_contain_text("superseded")

    # Reviewers never saw the withdrawn renewal waiting.
    page.context.clear_cookies()
    sign_in_as(page, base, "esg@demo.portal")
    page.goto(base + "/review")
    renewal_id = re.search(r"/declarations/(\d+)", renewal_url).group(1)  # type: ignore[union-attr]
    expect(page.locator(f"#queue-{renewal_id}")).to_have_count(0)
