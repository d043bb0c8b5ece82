"""The administrators' supplier list: search by code or name (Chinese or English), sort, pages.

Sixty companies S001 … S060 (测试供应商001 / Test Supplier 001 …) and one more, YNSD
(云南水电铝业 / Yunnan Hydro Aluminium); fifty a page.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from helpers import make_supplier, make_user, sign_in
from sqlmodel import Session


def codes(html: str) -> list[str]:
    return re.findall(r'<tr id="supplier-([A-Z0-9]+)"', html)


def next_link(html: str) -> str:
    found = re.search(r'href="([^"]+)" id="next-page"', html)
    assert found, "no next-page link"
    return found.group(1).replace("&amp;", "&")


def test_admins_search_sort_and_page_the_supplier_companies(
    client: TestClient, session: Session
) -> None:
    for number in range(1, 61):
        make_supplier(
            session,
            f"S{number:03d}",
            name_zh=f"测试供应商{number:03d}",
            name_en=f"Test Supplier {number:03d}",
        )
    make_supplier(session, "YNSD", name_zh="云南水电铝业", name_en="Yunnan Hydro Aluminium")
    make_user(session, "admin")
    sign_in(client, "admin@example.com")

    # By code: S001 … S050 on page 1; S051 … S060 and YNSD on page 2 of 2.
    first = client.get("/admin/suppliers")
    assert codes(first.text)[:2] == ["S001", "S002"] and len(codes(first.text)) == 50
    assert "1–50 of 61" in first.text and "Page 1 of 2" in first.text
    second = client.get(next_link(first.text))
    assert codes(second.text) == [f"S{n:03d}" for n in range(51, 61)] + ["YNSD"]
    assert "51–61 of 61" in second.text

    # The code header sorts the other way once sorted by it: YNSD, S060, S059 …
    assert 'href="/admin/suppliers?sort=-code" class="sort-link" id="sort-code"' in first.text
    backwards = client.get("/admin/suppliers?sort=-code")
    assert codes(backwards.text)[:3] == ["YNSD", "S060", "S059"]
    assert 'aria-sort="descending"' in backwards.text

    # A Chinese name as a substring, an English word in any case, a code in lower case.
    assert codes(client.get("/admin/suppliers", params={"q": "水电"}).text) == ["YNSD"]
    assert codes(client.get("/admin/suppliers?q=HYDRO").text) == ["YNSD"]
    assert codes(client.get("/admin/suppliers?q=s05").text) == [f"S{n:03d}" for n in range(50, 60)]

    # 测试 matches the sixty; by English name descending the next page keeps search and sort:
    # page 1 holds Test Supplier 060 … 011, page 2 the ten from 010 down to 001.
    searched = client.get("/admin/suppliers", params={"q": "测试", "sort": "-name_en"})
    assert codes(searched.text)[0] == "S060" and "1–50 of 60" in searched.text
    link = next_link(searched.text)
    assert link == "/admin/suppliers?" + urlencode({"q": "测试", "sort": "-name_en", "page": 2})
    assert codes(client.get(link).text) == [f"S{n:03d}" for n in range(10, 0, -1)]


def test_a_search_that_finds_nothing_says_so_and_offers_to_clear_it(
    client: TestClient, session: Session
) -> None:
    make_supplier(session, "YNSD", name_zh="云南水电铝业", name_en="Yunnan Hydro Aluminium")
    make_user(session, "admin")
    sign_in(client, "admin@example.com")
    page = client.get("/admin/suppliers?q=copper&sort=-code")
    assert codes(page.text) == []
    assert "Nothing matches “copper”." in page.text
    assert 'href="/admin/suppliers?sort=-code" id="clear-search-empty"' in page.text
    chinese = client.get("/admin/suppliers?q=copper", headers={"Accept-Language": "zh"})
    assert "没有与“copper”匹配的结果。" in chinese.text and "清除搜索" in chinese.text
