"""Dates in the plant's time zone and numbers read alike through the import, the form and the API.

The plant is in Shanxi, UTC+8 (no daylight saving). Hand-worked:
  2027-12-31T20:00:00Z      = 2028-01-01 04:00 in Shanxi  -> booked 2028-01-01, year 2028
  2027-12-31T23:30:00+08:00 = 2027-12-31 23:30 in Shanxi  -> booked 2027-12-31
  2027-12-31 23:30 (no offset) is plant time already      -> booked 2027-12-31
  2028-01-01T01:00:00-05:00 = 2028-01-01 06:00 UTC = 14:00 in Shanxi -> 2028-01-01
Numbers: a point is the decimal mark, a comma only groups thousands (the declaration form's
rule): "1,200" = 1200 t, "1.200" = 1.2 t, "1,2" is refused rather than guessed.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from factories import make_declaration
from fastapi.testclient import TestClient
from helpers import csrf_from
from sqlmodel import Session, select
from test_procurement_imports import confirm, import_url, upload

from portal.procurement.models import Purchase

HEADER = "po_number,po_line,supplier,material,quantity_t,date,product_line,exception_reason"


@pytest.fixture
def declared(session: Session, plant):  # type: ignore[no-untyped-def]
    """YNSD's accepted ingot declaration of 4.0 t/t, valid through 2028."""
    return make_declaration(session, plant.hydro, pcf_t_per_t="4.0", valid_until=date(2028, 12, 31))


def _csv(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def _ask(client: TestClient, headers: dict[str, str], **changes: object):  # type: ignore[no-untyped-def]
    body: dict[str, object] = {
        "supplier": "YNSD",
        "material": "al_primary_ingot",
        "quantity_t": "100",
        "date": "2026-03-02",
        "product_line": "alloy",
        **changes,
    }
    return client.post("/api/v1/checks", json=body, headers=headers)


def test_the_import_books_timestamps_on_the_plant_date_and_reads_1_200_as_1200(
    buyer_client: TestClient,
    session: Session,
    plant,
    declared,  # type: ignore[no-untyped-def]
) -> None:
    page = upload(
        buyer_client,
        _csv(
            'PO-NY,1,YNSD,al_primary_ingot,"1,200",2027-12-31T20:00:00Z,alloy,',
            "PO-NY,2,YNSD,al_primary_ingot,10,2027-12-31T23:30:00+08:00,alloy,",
            "PO-NY,3,YNSD,al_primary_ingot,1.200,2027-12-31 23:30,alloy,",
            "PO-NY,4,YNSD,al_primary_ingot,5,2028-01-01T01:00:00-05:00,alloy,",
            "PO-NY,5,YNSD,al_primary_ingot,5,2028-01-02,alloy,",
        ),
    )
    assert page.status_code == 200, page.text
    assert "5 lines: 5 new, 0 already recorded (skipped), 0 invalid" in page.text
    # The preview shows the date each line will be booked on, and what the file said.
    assert re.search(r'id="line-2-date">2028-01-01<br>', page.text)
    assert 'id="line-2-date-in-file">in the file: 2027-12-31T20:00:00Z<' in page.text
    assert re.search(r'id="line-3-date">2027-12-31<br>', page.text)
    assert re.search(r'id="line-4-date">2027-12-31<br>', page.text)
    assert re.search(r'id="line-5-date">2028-01-01<br>', page.text)
    assert 'id="line-6-date">2028-01-02</td>' in page.text  # a plain date: nothing to add
    assert re.search(r'<td class="num">1200</td>', page.text)

    assert confirm(buyer_client, import_url(page)).status_code == 200
    stored = {
        p.po_line: p
        for p in session.exec(select(Purchase).where(Purchase.po_number == "PO-NY")).all()
    }
    booked = {line: (p.purchase_date, p.purchase_year, p.quantity_t) for line, p in stored.items()}
    assert booked == {
        1: (date(2028, 1, 1), 2028, Decimal(1200)),
        2: (date(2027, 12, 31), 2027, Decimal(10)),
        3: (date(2027, 12, 31), 2027, Decimal("1.2")),
        4: (date(2028, 1, 1), 2028, Decimal(5)),
        5: (date(2028, 1, 2), 2028, Decimal(5)),
    }
    assert stored[1].emissions_t == Decimal(4800)  # 1,200 t x 4.0 t/t

    again = upload(
        buyer_client,
        _csv('PO-NY,1,YNSD,al_primary_ingot,"1,200",2028-01-01T04:00:00+08:00,alloy,'),
    )
    assert "0 new, 1 already recorded (skipped), 0 invalid" in again.text  # the same moment


@pytest.mark.parametrize(
    ("locale", "quantity", "date_text"),
    [
        pytest.param(
            "en",
            "Quantity (t): Enter a number such as 12.5 or 1,200",
            "Date: Enter a date as",
            id="en",
        ),
        pytest.param(
            "zh",
            "数量（t）: 请输入数字，例如 12.5 或 1,200",
            "日期: 请按 YYYY-MM-DD 输入日期",
            id="zh",
        ),
    ],
)
def test_the_import_refuses_1_2_and_unreadable_times_naming_the_field(
    buyer_client: TestClient,
    plant,
    declared,
    locale: str,
    quantity: str,
    date_text: str,  # type: ignore[no-untyped-def]
) -> None:
    buyer_client.cookies.set("portal_lang", locale)
    page = upload(
        buyer_client,
        _csv(
            'PO-X,1,YNSD,al_primary_ingot,"1,2",2027-12-31,alloy,',
            "PO-X,2,YNSD,al_primary_ingot,10,2027-12-31T24:30:00Z,alloy,",
            "PO-X,3,YNSD,al_primary_ingot,10,2027-12-31T20:00:00+15:00,alloy,",
        ),
    )
    assert page.status_code == 200
    problems = {
        row: re.sub(r"\s+", " ", text)
        for row, text in re.findall(r'id="line-(\d)-problems">(.*?)</ul>', page.text, re.S)
    }
    assert quantity in problems["2"]
    assert date_text in problems["3"] and date_text in problems["4"]


def test_the_api_books_a_utc_new_years_eve_timestamp_in_2028(
    client: TestClient,
    session: Session,
    plant,
    declared,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    answer = _ask(client, erp, date="2027-12-31T20:00:00Z", quantity_t="1,200")
    assert answer.status_code == 200, answer.text
    assert answer.json()["date"] == "2028-01-01"
    assert Decimal(answer.json()["quantity_t"]) == 1200
    assert Decimal(answer.json()["emissions_t"]) == 4800  # 1,200 t x 4.0 t/t
    assert _ask(client, erp, date="2027-12-31T23:30:00+08:00").json()["date"] == "2027-12-31"
    assert _ask(client, erp, date="2027-12-31T23:30:00").json()["date"] == "2027-12-31"
    assert _ask(client, erp, quantity_t=1200).json()["quantity_t"] in ("1200", 1200)
    assert Decimal(_ask(client, erp, quantity_t="1.200").json()["quantity_t"]) == Decimal("1.2")

    bought = client.post(
        "/api/v1/purchases",
        json={
            "supplier": "YNSD",
            "material": "al_primary_ingot",
            "quantity_t": "1,200",
            "date": "2027-12-31T20:00:00Z",
            "product_line": "alloy",
            "po_number": "PO-API-NY",
        },
        headers=erp,
    )
    assert bought.status_code == 201, bought.text
    assert bought.json()["date"] == "2028-01-01" and bought.json()["purchase_year"] == 2028
    purchase = session.exec(select(Purchase).where(Purchase.po_number == "PO-API-NY")).one()
    assert (purchase.purchase_date, purchase.quantity_t) == (date(2028, 1, 1), 1200)


@pytest.mark.parametrize(
    ("language", "quantity", "date_text"),
    [
        pytest.param(
            "en",
            "Quantity (t): Enter a number such as 12.5 or 1,200",
            "Date: Enter a date as",
            id="en",
        ),
        pytest.param("zh-CN", "数量（t）: 请输入数字", "日期: 请按 YYYY-MM-DD 输入日期", id="zh"),
    ],
)
def test_the_api_refuses_1_2_and_unreadable_times_naming_the_field(
    client: TestClient,
    plant,
    erp,
    language: str,
    quantity: str,
    date_text: str,  # type: ignore[no-untyped-def]
) -> None:
    headers = {**erp, "Accept-Language": language}
    refused = _ask(client, headers, quantity_t="1,2")
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "quantity_t" and error["message"].startswith(quantity)
    # A JSON number or list where a date belongs is refused by name too, not a server error.
    for bad in ("2027-12-31T20:00Z+08:00", "2027-12-31T20:61:00Z", "31.12.2027", 1.0, [2027]):
        refused = _ask(client, headers, date=bad)
        assert refused.status_code == 422, bad
        [error] = refused.json()["errors"]
        assert error["field"] == "date" and error["message"].startswith(date_text), bad


def test_the_check_form_reads_1_200_and_a_utc_timestamp_like_the_import(
    buyer_client: TestClient,
    plant,
    declared,  # type: ignore[no-untyped-def]
) -> None:
    def run(**form: str):  # type: ignore[no-untyped-def]
        fields = {"supplier": "YNSD", "material": "al_primary_ingot", "product_line": "alloy"}
        token = csrf_from(buyer_client.get("/checks").text)
        return buyer_client.post(
            "/checks", data={**fields, **form, "csrf_token": token}, headers={"HX-Request": "true"}
        )

    card = run(quantity_t="1,200", date="2027-12-31T20:00:00Z")
    assert card.status_code == 200
    assert 'id="check-quantity">1,200.000 t' in card.text
    assert re.search(r'id="check-date">2028-01-01<', card.text)
    assert 'id="check-emissions">4,800.000 t CO2e' in card.text  # 1,200 t x 4.0 t/t
    assert 'id="check-quantity">1.200 t' in run(quantity_t="1.200", date="2027-12-31").text

    refused = run(quantity_t="1,2", date="2027-12-31")
    assert 'id="error-quantity_t"' in refused.text
    assert "Quantity (t): Enter a number such as 12.5 or 1,200" in refused.text
    buyer_client.cookies.set("portal_lang", "zh")
    refused = run(quantity_t="10", date="2027-12-31T20:00:00+25:00")
    assert 'id="error-date"' in refused.text and "日期: 请按 YYYY-MM-DD 输入日期" in refused.text
