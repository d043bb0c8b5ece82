"""An administrator searches the supplier list, sorts it, pages it, and bookmarks the view."""

from __future__ import annotations

from e2e_helpers import sign_in_as
from playwright.sync_api import Page, expect
from sqlmodel import Session

from portal import db
from portal.accounts import service as accounts
from portal.audit import Actor


def _sixty_companies() -> None:
    """Companies E2E-01 … E2E-60 of the live portal: 测试铝业01 / Test Aluminium 01 …"""
    with Session(db.get_engine()) as session:
        for number in range(1, 61):
            accounts.create_supplier(
                session,
                actor=Actor(label="e2e"),
                code=f"E2E-{number:02d}",
                name_zh=f"测试铝业{number:02d}",
                name_en=f"Test Aluminium {number:02d}",
            )
        session.commit()


def test_an_admin_searches_sorts_and_pages_suppliers_and_the_bookmark_shows_the_same(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    _sixty_companies()
    sign_in_as(page, live_server.url, "admin@demo.portal")
    page.locator("#nav-suppliers").click()
    rows = page.locator("#suppliers-table tbody tr")
    # The demo's seven companies and the sixty: 67, fifty a page.
    expect(page.locator("#list-count")).to_have_text("1–50 of 67")

    page.locator("#q").fill("测试")
    page.locator("#list-search button[type=submit]").click()
    expect(page.locator("#list-count")).to_have_text("1–50 of 60")
    expect(rows.first).to_have_id("supplier-E2E-01")

    # English name: once ascending, again descending (Test Aluminium 60 first).
    page.locator("#sort-name_en").click()
    expect(page.locator("#sort-name_en")).to_contain_text("▲")
    page.locator("#sort-name_en").click()
    expect(rows.first).to_have_id("supplier-E2E-60")
    expect(page.locator("#sort-name_en")).to_contain_text("▼")

    # Page 2 of 2: the ten oldest names, 10 down to 01.
    page.locator("#next-page").click()
    expect(page.locator("#list-count")).to_have_text("51–60 of 60")
    expect(rows).to_have_count(10)
    expect(rows.first).to_have_id("supplier-E2E-10")
    expect(rows.last).to_have_id("supplier-E2E-01")
    bookmark = page.url
    assert "sort=-name_en" in bookmark and "page=2" in bookmark

    # The bookmark, opened afresh, shows the same view: search box, order and page.
    page.goto(live_server.url + "/")
    page.goto(bookmark)
    expect(page.locator("#q")).to_have_value("测试")
    expect(page.locator("#list-count")).to_have_text("51–60 of 60")
    expect(rows.first).to_have_id("supplier-E2E-10")
    expect(page.locator("#sort-name_en").locator("xpath=..")).to_have_attribute(
        "aria-sort", "descending"
    )

    # Clearing the search keeps the order: all 67 by English name, descending.
    page.locator("#clear-search").click()
    expect(page.locator("#list-count")).to_have_text("1–50 of 67")
    expect(page.locator("#q")).to_have_value("")
    assert "sort=-name_en" in page.url and "q=" not in page.url
