"""The purchases behind a figure: search, sortable columns and pages, with the drill-down filters.

60 purchases T-000 … T-059, one a day from 2026-01-01, of n + 1 tonnes (T-000: 1 t … T-059:
60 t), all primary ingot for the alloy line; every tenth (T-000, T-010 … T-050: 6) from JCHY
(晋城宏远再生资源), the other 54 from YNSD. 50 a page.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from helpers import export_url, make_supplier, make_user, sign_in
from sqlmodel import Session
from tracking_factory import make_purchase


def po_numbers(html: str) -> list[str]:
    return re.findall(r">(T-\d{3})/1</a>", html)


def link(html: str, element_id: str) -> str:
    found = re.search(rf'href="([^"]+)"[^>]* id="{element_id}"', html)
    assert found, f"no link #{element_id}"
    return found.group(1).replace("&amp;", "&")


def numbers(values: range) -> list[str]:
    return [f"T-{n:03d}" for n in values if n % 10]


def test_the_drill_down_searches_sorts_and_pages_its_purchases(
    client: TestClient, session: Session
) -> None:
    jchy = make_supplier(
        session, "JCHY", name_zh="晋城宏远再生资源", name_en="Jincheng Hongyuan Recycling"
    )
    ynsd = make_supplier(session, "YNSD", name_zh="云南水电铝业", name_en="Yunnan Hydro Aluminium")
    buyer = make_user(session, "buyer")
    for n in range(60):
        make_purchase(
            session,
            supplier=jchy if n % 10 == 0 else ynsd,
            user=buyer,
            quantity_t=str(n + 1),
            purchase_date=date(2026, 1, 1) + timedelta(days=n),
            po_number=f"T-{n:03d}",
        )
    make_user(session, "esg")
    sign_in(client, "esg@example.com")

    # Oldest first, paged by keyset: T-000 … T-049, then T-050 … T-059.
    first = client.get("/tracking/purchases?year=2026")
    assert po_numbers(first.text)[:2] == ["T-000", "T-001"] and "Page 1 of 2" in first.text
    assert "after=" in link(first.text, "next-page")
    assert po_numbers(client.get(link(first.text, "next-page")).text) == [
        f"T-{n:03d}" for n in range(50, 60)
    ]

    # By tonnes, most first, paged by offset: page 2 holds the ten smallest, T-009 … T-000.
    by_tonnes = client.get("/tracking/purchases?year=2026&sort=-tonnes")
    assert po_numbers(by_tonnes.text)[0] == "T-059" and 'aria-sort="descending"' in by_tonnes.text
    # The header's link turns the order round and keeps the year.
    assert link(by_tonnes.text, "sort-tonnes") == "/tracking/purchases?year=2026&sort=tonnes"
    second = client.get(link(by_tonnes.text, "next-page"))
    assert po_numbers(second.text) == [f"T-{n:03d}" for n in range(9, -1, -1)]

    # The supplier's Chinese name as a substring: its six, and the totals of those six:
    # 1 + 11 + 21 + 31 + 41 + 51 = 156 t.
    chinese = client.get("/tracking/purchases", params={"year": "2026", "q": "宏远"})
    assert po_numbers(chinese.text) == [f"T-{n:03d}" for n in range(0, 60, 10)]
    total = re.search(r'id="total-quantity">([^<]+)<', chinese.text)
    assert total and total.group(1) == "156.000"
    assert re.search(r'id="total-purchases">6<', chinese.text)
    # The export takes the search too: the six and the header.
    export = export_url(chinese.text, "export-purchases-csv")
    rows = list(
        csv.DictReader(io.StringIO(client.get(export + "&headers=keys").text.lstrip("\ufeff")))
    )
    assert [row["po_number"] for row in rows] == [f"T-{n:03d}" for n in range(0, 60, 10)]

    # Filter, search and sort survive into the next page: YNSD's 54, newest first; page 2
    # holds the four oldest, T-004 … T-001.
    view = client.get("/tracking/purchases?year=2026&line=alloy&q=yunnan&sort=-date")
    following = link(view.text, "next-page")
    assert following == "/tracking/purchases?year=2026&line=alloy&q=yunnan&sort=-date&page=2"
    assert po_numbers(client.get(following).text) == ["T-004", "T-003", "T-002", "T-001"]
    # Oldest first with a search still pages by keyset, keeping the search: page 1 holds
    # YNSD's first 50 (T-001 … T-055 without the tenths), page 2 T-056 … T-059.
    keyset = client.get("/tracking/purchases?year=2026&q=YNSD")
    assert po_numbers(keyset.text) == numbers(range(1, 56))
    onward = link(keyset.text, "next-page")
    assert "q=YNSD" in onward and "after=" in onward
    assert po_numbers(client.get(onward).text) == numbers(range(56, 60))

    nothing = client.get("/tracking/purchases?year=2026&q=copper")
    assert po_numbers(nothing.text) == [] and "Nothing matches “copper”." in nothing.text
    assert link(nothing.text, "clear-search-empty") == "/tracking/purchases?year=2026"
