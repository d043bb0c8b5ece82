"""The version that was valid on the purchase date: back-dated purchases after a supersession."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from factories import make_declaration
from fastapi.testclient import TestClient
from helpers import csrf_from
from sqlmodel import Session, select

from portal.declarations.models import Declaration, DeclarationStatus
from portal.procurement.models import Purchase, PurchaseImport

HTMX = {"HX-Request": "true"}
HEADER = "po_number,po_line,supplier,material,quantity_t,date,product_line,exception_reason"


def versions(session: Session, supplier, first_status: str = DeclarationStatus.ACCEPTED):  # type: ignore[no-untyped-def]
    """Version 1 (4.0 tCO2e/t, valid 2025-01-01 – 2026-04-30), replaced on 2026-05-10 by
    version 2 (3.0 tCO2e/t, valid 2026-04-01 – 2027-12-31)."""
    first = make_declaration(
        session,
        supplier,
        pcf_t_per_t="4.0",
        status=first_status,
        verdict="pass" if first_status == DeclarationStatus.ACCEPTED else "fail",
        reference_period_start=date(2025, 1, 1),
        reference_period_end=date(2025, 12, 31),
        valid_until=date(2026, 4, 30),
        submitted_on=date(2026, 1, 10),
    )
    second = make_declaration(
        session,
        supplier,
        pcf_t_per_t="3.0",
        supersedes=first,
        reference_period_start=date(2026, 4, 1),
        reference_period_end=date(2026, 4, 30),
        valid_until=date(2027, 12, 31),
        submitted_on=date(2026, 5, 10),
    )
    return first, second


def ask(client: TestClient, headers: dict[str, str], day: str, supplier: str = "YNSD"):  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/checks",
        json={
            "supplier": supplier,
            "material": "al_primary_ingot",
            "quantity_t": "100",
            "date": day,
            "product_line": "alloy",
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


def import_lines(client: TestClient, *lines: str) -> str:
    """Upload a CSV of LINES; the preview page's URL."""
    data = ("\n".join([HEADER, *lines]) + "\n").encode()
    token = csrf_from(client.get("/purchases/import").text)
    page = client.post(
        "/purchases/import", data={"csrf_token": token}, files={"file": ("erp.csv", data)}
    )
    assert page.status_code == 200, page.text
    match = re.search(r"/purchases/import/\d+", str(page.url))
    assert match, page.url
    return match.group(0)


def confirm(client: TestClient, url: str) -> None:
    token = csrf_from(client.get(url).text)
    assert client.post(url + "/confirm", data={"csrf_token": token}).status_code == 200


def test_a_back_dated_check_uses_the_version_valid_on_its_date_and_says_why(
    client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    first, second = versions(session, plant.hydro)

    # 2026-03-02: only version 1 covers the day (version 2 starts 2026-04-01), so its factor
    # applies although version 2 replaced it since: 100 t x 4.0 = 400 t CO2e (not the default
    # 100 x 15.1 = 1510, and not a failure).
    answer = ask(client, erp, "2026-03-02")
    assert answer["verdict"] == "pass" and answer["declaration_id"] == first.id
    assert answer["factor_source"] == "declaration"
    assert Decimal(answer["pcf_t_per_t"]) == 4 and Decimal(answer["emissions_t"]) == 400
    used = answer["declaration"]
    assert (used["version"], used["status"]) == (1, "superseded")
    assert (used["valid_from"], used["valid_until"]) == ("2025-01-01", "2026-04-30")
    assert "version 1" in used["why_en"] and "valid on 2026-03-02" in used["why_en"]
    assert "version 2 replaced it on 2026-05-10" in used["why_en"]
    assert "第 1 版" in used["why_zh"] and "第 2 版于 2026-05-10 取代了它" in used["why_zh"]

    # 2026-06-01: only version 2 covers it: 100 x 3.0 = 300.
    later = ask(client, erp, "2026-06-01")
    assert later["declaration_id"] == second.id and Decimal(later["emissions_t"]) == 300
    assert later["declaration"]["status"] == "accepted"
    assert "replaced" not in later["declaration"]["why_en"]

    # 2026-04-15: both accepted versions cover it; the newest wins: 100 x 3.0 = 300.
    both = ask(client, erp, "2026-04-15")
    assert both["declaration_id"] == second.id and Decimal(both["emissions_t"]) == 300
    assert (
        "the newest of the 2 accepted versions valid on that date"
        in (both["declaration"]["why_en"])
    )

    # 2026-05-15: version 1 expired on 2026-04-30, version 2 applies.
    assert ask(client, erp, "2026-05-15")["declaration_id"] == second.id


def test_the_check_form_names_the_back_dated_version_and_records_its_factor(
    buyer_client: TestClient,
    session: Session,
    plant,  # type: ignore[no-untyped-def]
) -> None:
    first, _second = versions(session, plant.hydro)
    token = csrf_from(buyer_client.get("/checks").text)
    form = {
        "supplier": "YNSD",
        "material": "al_primary_ingot",
        "quantity_t": "25",
        "date": "2026-03-02",
        "product_line": "alloy",
        "csrf_token": token,
    }
    card = buyer_client.post("/checks", data=form, headers=HTMX)
    assert re.search(r'id="check-verdict">pass<', card.text)
    assert f"#{first.id}, version 1: 4.000 tCO2e/t" in card.text
    assert 'id="check-emissions">100.000 t CO2e' in card.text  # 25 t x 4.0
    why = re.search(r'id="check-declaration-why">([^<]*)<', card.text)
    assert why and "valid on 2026-03-02" in why.group(1)
    assert "version 2 replaced it on 2026-05-10" in why.group(1)

    zh = buyer_client.post("/checks", data=form, headers={**HTMX, "Accept-Language": "zh"})
    assert "第 2 版于 2026-05-10 取代了它" in zh.text

    check_id = re.search(r'name="check_id" value="(\d+)"', card.text)
    assert check_id
    recorded = buyer_client.post(
        "/purchases",
        data={"check_id": check_id.group(1), "po_number": "PO-5", "csrf_token": token},
        headers=HTMX,
    )
    assert 'id="purchase-recorded"' in recorded.text
    purchase = session.exec(select(Purchase)).one()
    assert (purchase.declaration_id, purchase.pcf_t_per_t, purchase.emissions_t) == (
        first.id,
        4,
        100,
    )


def test_an_import_books_each_line_on_the_version_valid_on_its_date(
    buyer_client: TestClient,
    session: Session,
    plant,  # type: ignore[no-untyped-def]
) -> None:
    first, second = versions(session, plant.hydro)
    # The coal smelter's version 1 was rejected, then replaced by an accepted version 2 that
    # starts later: its purchase on 2026-03-02 has no declaration (raw material: fail).
    rejected, _accepted = versions(session, plant.coal, DeclarationStatus.REJECTED)
    url = import_lines(
        buyer_client,
        "PO-1,1,YNSD,al_primary_ingot,10,2026-03-02,alloy,",  # v1: 10 x 4.0 = 40
        "PO-1,2,YNSD,al_primary_ingot,10,2026-06-01,alloy,",  # v2: 10 x 3.0 = 30
        "PO-1,3,YNSD,al_primary_ingot,10,2026-04-15,alloy,",  # both: newest, v2: 30
        "PO-2,1,SXML,al_primary_ingot,10,2026-03-02,alloy,Sole source",  # default: 151
    )
    confirm(buyer_client, url)
    purchases = session.exec(select(Purchase).order_by(Purchase.po_number, Purchase.po_line)).all()
    assert [(p.declaration_id, p.factor_source, p.emissions_t) for p in purchases] == [
        (first.id, "declaration", 40),
        (second.id, "declaration", 30),
        (second.id, "declaration", 30),
        (None, "default", 151),
    ]
    assert purchases[3].exception_reason == "Sole source"
    assert rejected.id not in {p.declaration_id for p in purchases}


@pytest.mark.parametrize("status", [DeclarationStatus.REJECTED, DeclarationStatus.IN_REVIEW])
def test_a_superseded_version_never_accepted_is_never_used(
    client: TestClient,
    session: Session,
    plant,
    erp,
    status: str,  # type: ignore[no-untyped-def]
) -> None:
    first, _second = versions(session, plant.hydro, status)
    stored = session.get(Declaration, first.id)
    assert stored is not None and stored.superseded_status == status
    answer = ask(client, erp, "2026-03-02")
    # Version 2 starts on 2026-04-01 and version 1 was never accepted: the raw material fails
    # on the default factor, 100 x 15.1 = 1510.
    assert answer["verdict"] == "fail" and answer["declaration_id"] is None
    assert answer["no_declaration"] == "not_yet_valid"
    assert Decimal(answer["emissions_t"]) == Decimal(1510)


def test_recorded_purchases_keep_the_factor_they_were_recorded_with(
    buyer_client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    first = make_declaration(
        session,
        plant.hydro,
        pcf_t_per_t="4.0",
        reference_period_start=date(2025, 1, 1),
        reference_period_end=date(2025, 12, 31),
        valid_until=date(2026, 4, 30),
        submitted_on=date(2026, 1, 10),
    )
    check = ask(buyer_client, erp, "2026-03-02")
    response = buyer_client.post(
        "/api/v1/purchases", json={"check_id": check["check_id"], "po_number": "PO-8"}, headers=erp
    )
    assert response.status_code in (200, 201), response.text
    # Booked before this change on the default factor: 10 t x 15.1 = 151 t CO2e.
    url = import_lines(buyer_client, "PO-9,1,YNSD,al_primary_ingot,10,2026-03-02,alloy,Back-fill")
    confirm(buyer_client, url)
    old = session.exec(select(Purchase).where(Purchase.po_number == "PO-9")).one()
    old.declaration_id, old.factor_source = None, "default"
    old.pcf_t_per_t, old.emissions_t = Decimal("15.1"), Decimal(151)
    session.add(old)
    session.commit()

    # Version 2 (3.0) replaces version 1 afterwards.
    make_declaration(
        session,
        plant.hydro,
        pcf_t_per_t="3.0",
        supersedes=first,
        reference_period_start=date(2026, 4, 1),
        reference_period_end=date(2026, 4, 30),
        submitted_on=date(2026, 5, 10),
    )
    again = import_lines(
        buyer_client,
        "PO-9,1,YNSD,al_primary_ingot,10,2026-03-02,alloy,Back-fill",
        "PO-8,1,YNSD,al_primary_ingot,100,2026-03-02,alloy,",
    )
    page = buyer_client.get(again)
    assert "0 new, 2 already recorded (skipped)" in page.text
    confirm(buyer_client, again)
    assert len(session.exec(select(PurchaseImport)).all()) == 2
    session.expire_all()
    stored = {p.po_number: p for p in session.exec(select(Purchase)).all()}
    assert (stored["PO-8"].declaration_id, stored["PO-8"].emissions_t) == (first.id, 400)
    assert (stored["PO-9"].factor_source, stored["PO-9"].emissions_t) == ("default", 151)
    listed = buyer_client.get("/api/v1/purchases", headers=erp).json()
    assert Decimal(listed["emissions_t"]) == 551  # 400 + 151, as recorded
