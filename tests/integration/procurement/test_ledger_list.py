"""The purchase ledger: search, sortable columns and pages, with its filters and CSV export.

130 purchases L-000 … L-129, one a day from 2026-01-01, of n + 1 tonnes (L-000: 1 t …
L-129: 130 t). Every tenth (L-000, L-010 … L-120: 13) from JCHY (晋城宏远再生资源), the
other 117 from YNSD; L-003, L-033, L-063, L-093, L-123 are magnesium (镁锭), the rest primary
aluminium ingot; every seventh (L-000, L-007 … L-126: 19) failed its check. 100 a page.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from helpers import export_url, make_supplier, make_user, sign_in
from sqlmodel import Session

from portal.catalog import get_ruleset
from portal.procurement.models import BuyerCheck, Purchase

START = date(2026, 1, 1)


def po_numbers(html: str) -> list[str]:
    return re.findall(r">(L-\d{3}) / 1</a>", html)


def link(html: str, element_id: str) -> str:
    found = re.search(rf'href="([^"]+)"[^>]* id="{element_id}"', html)
    assert found, f"no link #{element_id}"
    return found.group(1).replace("&amp;", "&")


def _ledger(session: Session) -> None:
    jchy = make_supplier(
        session, "JCHY", name_zh="晋城宏远再生资源", name_en="Jincheng Hongyuan Recycling"
    )
    ynsd = make_supplier(session, "YNSD", name_zh="云南水电铝业", name_en="Yunnan Hydro Aluminium")
    buyer = make_user(session, "buyer")
    for n in range(130):
        code = "magnesium" if n % 30 == 3 else "al_primary_ingot"
        material = get_ruleset().material(code)
        quantity = Decimal(n + 1)
        pcf = material.default_factor_t_per_t
        values = {
            "supplier_id": (jchy if n % 10 == 0 else ynsd).id,
            "material_code": code,
            "quantity_t": quantity,
            "product_line": "alloy",
            "factor_source": "default",
            "pcf_t_per_t": pcf,
            "recycled_fraction": Decimal(0),
            "emissions_t": quantity * pcf,
            "recycled_t": Decimal(0),
            "ruleset_revision": "test-revision",
        }
        day = START + timedelta(days=n)
        failed = n % 7 == 0
        check = BuyerCheck(
            user_id=buyer.id, check_date=day, verdict="fail" if failed else "pass", **values
        )
        session.add(check)
        session.flush()
        session.add(
            Purchase(
                material_category=str(material.category),
                purchase_date=day,
                purchase_year=day.year,
                po_number=f"L-{n:03d}",
                check_id=check.id,
                recorded_by_id=buyer.id,
                exception_reason="urgent order" if failed else None,
                **values,
            )
        )
    session.commit()


def test_the_ledger_searches_sorts_and_pages_and_keeps_its_filters(
    client: TestClient, session: Session
) -> None:
    _ledger(session)
    make_user(session, "esg")
    sign_in(client, "esg@example.com")

    # Newest first: L-129 … L-030 on page 1, L-029 … L-000 on page 2.
    first = client.get("/purchases")
    assert po_numbers(first.text)[:2] == ["L-129", "L-128"] and "1–100 of 130" in first.text
    second = client.get(link(first.text, "next-page"))
    assert po_numbers(second.text) == [f"L-{n:03d}" for n in range(29, -1, -1)]

    # By tonnes: 1 t (L-000) first; the header then sorts the other way: 130 t (L-129) first.
    by_tonnes = client.get("/purchases?sort=tonnes")
    assert po_numbers(by_tonnes.text)[:2] == ["L-000", "L-001"]
    assert po_numbers(client.get(link(by_tonnes.text, "sort-tonnes")).text)[0] == "L-129"
    # By the check's verdict: the 19 failed (ties oldest first), then the passed.
    by_verdict = po_numbers(client.get("/purchases?sort=verdict").text)
    assert by_verdict[:3] == ["L-000", "L-007", "L-014"] and by_verdict[19] == "L-001"
    by_supplier = po_numbers(client.get("/purchases?sort=supplier").text)
    assert by_supplier[:2] == ["L-000", "L-010"]  # JCHY before YNSD

    # The supplier's Chinese name (a substring): its 13, with their totals:
    # 1 + 11 + … + 121 = 13 × 61 = 793 t.
    chinese = client.get("/purchases", params={"q": "宏远"})
    assert po_numbers(chinese.text) == [f"L-{n:03d}" for n in range(120, -1, -10)]
    assert "13 purchases" in chinese.text and "793.000 t bought" in chinese.text
    # A material's Chinese name; a PO number in lower case.
    assert po_numbers(client.get("/purchases", params={"q": "镁锭"}).text) == [
        "L-123",
        "L-093",
        "L-063",
        "L-033",
        "L-003",
    ]
    assert len(po_numbers(client.get("/purchases?q=l-12").text)) == 10  # L-120 … L-129
    # With the existing filters: JCHY's from March (day 59 on): L-060 … L-120.
    march = client.get("/purchases", params={"q": "宏远", "date_from": "2026-03-01"})
    assert po_numbers(march.text) == [f"L-{n:03d}" for n in range(120, 59, -10)]

    # Filter, search and sort survive into the next page: YNSD's 117 by tonnes, page 2 holds
    # the 17 largest (L-112 … L-129 without L-120), ending with L-129.
    view = client.get("/purchases?year=2026&q=YNSD&sort=tonnes")
    assert "117 purchases" in view.text
    following = link(view.text, "next-page")
    assert following == "/purchases?year=2026&q=YNSD&sort=tonnes&page=2"
    page_two = po_numbers(client.get(following).text)
    assert len(page_two) == 17 and page_two[0] == "L-112" and page_two[-1] == "L-129"

    # The CSV takes filters, search and order, never the page: all 117, smallest first.
    export = export_url(client.get(following).text, "export-csv")
    assert export == "/purchases/export.csv?year=2026&q=YNSD&sort=tonnes"
    rows = list(
        csv.DictReader(io.StringIO(client.get(export + "&headers=keys").text.lstrip("\ufeff")))
    )
    assert len(rows) == 117 and rows[0]["po_number"] == "L-001" and rows[-1]["po_number"] == "L-129"
    assert {row["supplier_code"] for row in rows} == {"YNSD"}

    nothing = client.get("/purchases?year=2026&q=copper")
    assert "Nothing matches “copper”." in nothing.text
    assert link(nothing.text, "clear-search-empty") == "/purchases?year=2026"
