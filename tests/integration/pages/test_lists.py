"""Lists people can work with: search, sort and pages kept in the URL (portal/listing.py).

The demo's declarations (hand-listed from portal/declarations/demo.py):
  #1 JCHY ADC12 recycled ingot 1.9 accepted     #5 JCHY A356.2 recycled ingot 2100 in review
  #2 YNSD A00 primary ingot 3.6 accepted        #6 YNSD 6063 billet 4.3 in review
  #3 SXML A00 primary ingot 16.8 superseded     #7 XJGY silicon metal 11.6 accepted
  #4 SXML A00 primary ingot v2 14.6 accepted    #8 FGMG magnesium ingot 38.9 accepted
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from pages_helpers import browse_demo_as
from sqlmodel import Session
from starlette.requests import Request

from portal.listing import ListQuery, page_items


def row_ids(html: str, prefix: str) -> list[int]:
    return [int(found) for found in re.findall(rf'<tr id="{prefix}-(\d+)"', html)]


def test_declarations_search_by_chinese_or_english_name_code_or_product(
    demo_client: TestClient, session: Session
) -> None:
    browse_demo_as(demo_client, session, "esg@demo.portal", "zh")
    # 晋城宏远 is JCHY's Chinese name: its two declarations, newest first.
    chinese = demo_client.get("/declarations", params={"q": "晋城宏远"})
    assert row_ids(chinese.text, "declaration") == [5, 1]
    # "Coal-Power" is in SXML's English name; "sxml" its code in lower case.
    assert row_ids(demo_client.get("/declarations?q=coal-power").text, "declaration") == [4, 3]
    assert row_ids(demo_client.get("/declarations?q=sxml").text, "declaration") == [4, 3]
    # A product word, and a material's Chinese name (镁锭: magnesium ingot).
    assert row_ids(demo_client.get("/declarations?q=billet").text, "declaration") == [6]
    assert row_ids(demo_client.get("/declarations?q=镁锭").text, "declaration") == [8]
    # Two words must both match: YNSD's primary ingot only.
    assert row_ids(demo_client.get("/declarations?q=YNSD+A00").text, "declaration") == [2]
    assert 'id="no-declarations"' in demo_client.get("/declarations?q=nothing-like-it").text


def test_declarations_sort_by_a_column_and_keep_the_filters_in_the_links(
    demo_client: TestClient, session: Session
) -> None:
    browse_demo_as(demo_client, session, "esg@demo.portal", "en")
    accepted = demo_client.get("/declarations", params={"status": "accepted", "sort": "pcf"})
    # Accepted, by footprint: 1.9 (#1), 3.6 (#2), 11.6 (#7), 14.6 (#4), 38.9 (#8).
    assert row_ids(accepted.text, "declaration") == [1, 2, 7, 4, 8]
    # The footprint header now sorts the other way, and keeps the status filter.
    assert 'href="/declarations?status=accepted&amp;sort=-pcf"' in accepted.text
    assert 'aria-sort="ascending"' in accepted.text
    descending = demo_client.get("/declarations?status=accepted&sort=-pcf")
    assert row_ids(descending.text, "declaration") == [8, 4, 7, 2, 1]
    # An unknown column falls back to newest first.
    assert row_ids(demo_client.get("/declarations?sort=nonsense").text, "declaration")[0] == 8


def test_the_review_queue_searches_and_sorts(demo_client: TestClient, session: Session) -> None:
    browse_demo_as(demo_client, session, "esg@demo.portal", "en")
    # In review: #5 (JCHY, 2100) and #6 (YNSD, 4.3); oldest first by default.
    assert row_ids(demo_client.get("/review").text, "queue") == [5, 6]
    assert row_ids(demo_client.get("/review?sort=-pcf").text, "queue") == [5, 6]
    assert row_ids(demo_client.get("/review?sort=pcf").text, "queue") == [6, 5]
    assert row_ids(demo_client.get("/review?q=Yunnan").text, "queue") == [6]


def test_the_audit_trail_searches_and_pages(demo_client: TestClient, session: Session) -> None:
    browse_demo_as(demo_client, session, "admin@demo.portal", "en")
    # The demo created 7 supplier companies (JCHY, YNSD, SXML, XJGY, FGMG, PLANT, and the
    # logistics demo's far recycled-ingot supplier GDZS).
    found = demo_client.get("/audit?q=supplier.created")
    assert "7 entries" in found.text
    assert len(row_ids(found.text, "entry")) == 7
    first = demo_client.get("/audit?q=demo+loader&sort=id")
    ids = row_ids(first.text, "entry")
    assert len(ids) == 50 and ids == sorted(ids)  # oldest first when sorted by # ascending
    assert 'href="/audit?q=demo+loader&amp;sort=id&amp;page=2"' in first.text
    second = row_ids(demo_client.get("/audit?q=demo+loader&sort=id&page=2").text, "entry")
    assert min(second) > max(ids)


def _request(query: str) -> Request:
    return Request(
        {"type": "http", "path": "/things", "query_string": query.encode(), "headers": []}
    )


def test_the_list_query_keeps_filters_toggles_sorting_and_pages_items() -> None:
    query = ListQuery.read(
        _request("status=open&q=%20Al%20%20ingot&sort=-name&page=2"),
        sorts=("name", "size"),
        default="name",
        per_page=2,
    )
    assert (query.q, query.sort, query.descending, query.page) == ("Al ingot", "name", True, 2)
    assert query.sort_link("name") == "/things?status=open&q=Al+ingot&sort=name"
    assert query.sort_link("size") == "/things?status=open&q=Al+ingot&sort=size"
    assert query.link(page=3) == "/things?status=open&q=Al+ingot&sort=-name&page=3"
    assert query.hidden_fields() == [("status", "open"), ("sort", "-name")]
    items = [("Al ingot A", 3), ("al INGOT b", 1), ("Copper", 9), ("ingot al c", None)]
    page = page_items(
        items,
        query,
        texts=lambda item: (item[0],),
        keys={"name": lambda item: item[0], "size": lambda item: item[1]},
    )
    # Three match both words; by name descending: "ingot al c", "al INGOT b", "Al ingot A";
    # page 2 of 2 (two a page) holds the last.
    assert (page.total, page.pages, page.rows) == (3, 2, [("Al ingot A", 3)])
    by_size = ListQuery.read(_request("sort=size"), sorts=("name", "size"), default="name")
    sized = page_items(
        items, by_size, texts=lambda i: (i[0],), keys={"size": lambda i: i[1], "name": str}
    )
    assert [item[1] for item in sized.rows] == [1, 3, 9, None]  # blanks last
