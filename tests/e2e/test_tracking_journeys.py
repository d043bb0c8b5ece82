"""The ESG team follows a figure on the tracking dashboard down to a supplier's declaration."""

from __future__ import annotations

from datetime import date

from e2e_helpers import sign_in_as
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal import db
from portal.accounts.models import User
from portal.declarations.models import Declaration
from portal.suppliers.models import Supplier


def _declared_purchase() -> tuple[int, int]:
    """A 2026 alloy purchase under an accepted declaration, stored in the live portal's database."""
    from factories import make_declaration
    from integration.tracking.tracking_factory import make_purchase

    with Session(db.get_engine()) as session:
        supplier = session.exec(select(Supplier).where(Supplier.code == "JCHY")).one()
        buyer = session.exec(select(User).where(User.email == "buyer@demo.portal")).one()
        declaration: Declaration = make_declaration(
            session,
            supplier,
            "al_recycled_ingot",
            pcf_t_per_t="1.7",
            recycled_fraction="0.9",
            product_name="E2E recycled ingot 90R",
        )
        purchase = make_purchase(
            session,
            supplier=supplier,
            user=buyer,
            material_code="al_recycled_ingot",
            quantity_t="120",
            purchase_date=date(2026, 3, 2),
            declaration=declaration,
            po_number="E2E-TRACKING-1",
        )
        assert declaration.id is not None and purchase.id is not None
        return declaration.id, purchase.id


def test_esg_user_drills_down_from_the_dashboard_to_a_declaration(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    declaration_id, purchase_id = _declared_purchase()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if "Refused" in message.text else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda response: (
            problems.append(response.url)
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    sign_in_as(page, live_server.url, "esg@demo.portal")
    page.locator("#nav-tracking").click()
    page.locator("#year").select_option("2026")
    page.get_by_role("button", name="Show").click()

    # both charts are drawn, each with its table beside it
    for chart in ("intensity-alloy", "recycled-alloy"):
        expect(page.locator(f"#chart-{chart}")).to_have_attribute("data-rendered", "true")
        expect(page.locator(f"#table-{chart}")).to_be_visible()
    expect(page.locator("#intensity-alloy")).to_contain_text("tCO2e/t")
    expect(page.locator("#recycled-alloy")).to_contain_text("%")
    assert not problems, problems  # nothing refused by the CSP, no script error, no 404

    # from the supplier-specific share to the purchases behind it, then to one purchase
    page.locator("#supplier-share-alloy").click()
    expect(page.locator("#purchases-title")).to_be_visible()
    expect(page.locator(f"#purchase-{purchase_id}")).to_contain_text("E2E-TRACKING-1")
    page.locator(f"#open-purchase-{purchase_id}").click()
    expect(page.locator("#purchase-emissions")).to_contain_text("120.000 t × 1.700 = 204.000 tCO2e")
    expect(page.locator("#ruleset-revision")).to_contain_text("test-revision")
    expect(page.locator("#link-declaration")).to_have_attribute(
        "href", f"/declarations/{declaration_id}"
    )

    # and on to the declaration itself
    page.locator("#link-declaration").click()
    expect(page).to_have_url(f"{live_server.url}/declarations/{declaration_id}")
    expect(page.locator("#declaration-title")).to_contain_text("E2E recycled ingot 90R")


def test_the_declarations_behind_a_line_are_listed_with_links(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    declaration_id, _purchase_id = _declared_purchase()
    sign_in_as(page, live_server.url, "esg@demo.portal")
    page.goto(live_server.url + "/tracking?year=2026")
    page.locator("#declarations-alloy").click()
    row = page.locator(f"#declaration-{declaration_id}")
    expect(row).to_contain_text("E2E recycled ingot 90R")
    row.locator("a.declaration-link").click()
    expect(page.locator("#declaration-title")).to_contain_text("E2E recycled ingot 90R")
