"""The check and purchase API as an ERP uses it with a buyer's token."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from factories import make_declaration
from fastapi.testclient import TestClient
from helpers import make_user
from sqlmodel import Session, select

from portal.audit import AuditEvent
from portal.clock import plant_today
from portal.declarations.models import DeclarationStatus, EvidenceFile
from portal.procurement.models import BuyerCheck, Purchase
from portal.security import create_api_token


def ask(client: TestClient, headers: dict[str, str], **changes: object):  # type: ignore[no-untyped-def]
    body: dict[str, object] = {
        "supplier": "YNSD",
        "material": "al_primary_ingot",
        "quantity_t": "100",
        "date": "2026-03-02",
        "product_line": "alloy",
    }
    body.update(changes)
    return client.post(
        "/api/v1/checks", json={k: v for k, v in body.items() if v is not None}, headers=headers
    )


def test_a_check_answers_with_the_declaration_and_figures_and_is_recorded(
    client: TestClient,
    session: Session,
    plant,
    erp,
    buyer,  # type: ignore[no-untyped-def]
) -> None:
    hydro = make_declaration(session, plant.hydro, pcf_t_per_t="3.5")
    response = ask(client, erp)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["verdict"] == "pass" and answer["reasons"] == []
    assert answer["declaration_id"] == hydro.id
    assert answer["declaration"]["version"] == 1
    assert Decimal(answer["pcf_t_per_t"]) == Decimal("3.5")
    assert answer["factor_source"] == "declaration"
    assert Decimal(answer["emissions_t"]) == Decimal(350)
    assert Decimal(answer["recycled_t"]) == 0
    assert answer["low_carbon_label"]["code"] == "low_carbon"
    assert len(answer["ruleset"]) == 64 and answer["date"] == "2026-03-02"

    check = session.exec(select(BuyerCheck)).one()
    assert (check.id, check.user_id, check.via_api) == (answer["check_id"], buyer.id, True)
    assert (check.quantity_t, check.check_date, check.verdict) == (100, date(2026, 3, 2), "pass")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "check.recorded")).one()
    assert event.actor == buyer.email and event.after and event.after["verdict"] == "pass"


def test_a_failed_check_gives_each_reason_in_both_languages(
    client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    make_declaration(session, plant.hydro, valid_until=date(2026, 3, 1))
    answer = ask(client, erp).json()
    assert answer["verdict"] == "fail"
    assert answer["declaration_id"] is None and answer["no_declaration"] == "expired"
    [reason] = answer["reasons"]
    assert reason["rule_id"] == "procurement.declaration_required" and reason["blocking"]
    assert "2026-03-01" in reason["message_en"] and "2026-03-01" in reason["message_zh"]
    assert answer["factor_source"] == "default" and Decimal(answer["pcf_t_per_t"]) == Decimal(
        "15.1"
    )

    answer = ask(client, erp, supplier="SXML").json()
    assert answer["no_declaration"] == "none_submitted"


def test_the_newest_accepted_declaration_with_its_evidence_is_used(
    client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    make_declaration(
        session,
        plant.hydro,
        "al_recycled_ingot",
        pcf_t_per_t="1.9",
        recycled_fraction="0.8",
        submitted_on=date(2024, 3, 1),
    )
    newer = make_declaration(
        session,
        plant.hydro,
        "al_recycled_ingot",
        pcf_t_per_t="1.7",
        recycled_fraction="0.9",
        recycled_pre_consumer_pct=Decimal(0),
        submitted_on=date(2025, 2, 1),
    )
    make_declaration(
        session,
        plant.hydro,
        "al_recycled_ingot",
        pcf_t_per_t="0.9",
        status=DeclarationStatus.IN_REVIEW,
        submitted_on=date(2025, 9, 1),
    )
    answer = ask(client, erp, material="al_recycled_ingot", quantity_t="10").json()
    assert answer["declaration_id"] == newer.id
    assert answer["verdict"] == "fail"  # a recycled-content claim needs its evidence file
    assert [r["rule_id"] for r in answer["reasons"]] == ["recycled.evidence"]

    session.add(
        EvidenceFile(
            declaration_id=newer.id,
            kind="recycled_evidence",
            original_name="coc.pdf",
            sha256="0" * 64,
            size_bytes=1,
            page_count=1,
            has_text_layer=True,
        )
    )
    session.commit()
    answer = ask(client, erp, material="al_recycled_ingot", quantity_t="10").json()
    assert answer["verdict"] == "pass", answer["reasons"]
    assert Decimal(answer["recycled_t"]) == 9 and Decimal(answer["emissions_t"]) == 17


def test_unknown_supplier_or_material_and_the_own_plant_are_422_naming_the_field(
    client: TestClient,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    response = ask(client, erp, supplier="NOPE")
    assert response.status_code == 422 and response.json()["field"] == "supplier"
    response = ask(client, erp, material="unobtainium")
    assert response.status_code == 422 and response.json()["field"] == "material"
    response = ask(client, erp, supplier="PLANT")
    assert response.status_code == 422 and response.json()["field"] == "supplier"
    assert "Internal transfers" in response.json()["detail"]
    response = ask(client, erp, product_line="rolling")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "product_line"
    for bad in ("0", "-1", "NaN", "1e400", "1.0000001", "2000000"):
        response = ask(client, erp, quantity_t=bad)
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == "quantity_t"


def test_the_date_defaults_to_today_at_the_plant(client: TestClient, plant, erp) -> None:  # type: ignore[no-untyped-def]
    answer = ask(client, erp, date=None).json()
    assert answer["date"] == plant_today().isoformat()


def test_only_buyers_check_and_record_but_esg_reads_the_ledger(
    client: TestClient,
    session: Session,
    plant,  # type: ignore[no-untyped-def]
) -> None:
    esg = make_user(session, "esg")
    _token, plain = create_api_token(session, esg, "reporting")
    session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    assert ask(client, headers).status_code == 403
    assert (
        client.post(
            "/api/v1/purchases", json={"check_id": 1, "po_number": "X"}, headers=headers
        ).status_code
        == 403
    )
    assert client.get("/api/v1/purchases", headers=headers).status_code == 200
    assert client.get("/api/v1/purchases").status_code == 401


def test_recording_purchases_copies_the_check_and_refuses_doubles(
    client: TestClient,
    session: Session,
    plant,
    erp,
    buyer,  # type: ignore[no-untyped-def]
) -> None:
    declaration = make_declaration(session, plant.hydro, pcf_t_per_t="8.0")
    check_id = ask(client, erp, quantity_t="12.5").json()["check_id"]
    response = client.post(
        "/api/v1/purchases",
        json={"check_id": check_id, "po_number": "PO-1", "po_line": 2},
        headers=erp,
    )
    assert response.status_code == 201, response.text
    bought = response.json()
    assert bought["check_id"] == check_id and bought["check_verdict"] == "pass"
    assert (bought["po_number"], bought["po_line"], bought["supplier"]) == ("PO-1", 2, "YNSD")
    assert bought["declaration_id"] == declaration.id and Decimal(bought["emissions_t"]) == 100
    assert bought["purchase_year"] == 2026 and bought["exception_reason"] is None

    again = client.post(
        "/api/v1/purchases", json={"check_id": check_id, "po_number": "PO-9"}, headers=erp
    )
    assert again.status_code == 409 and again.json()["field"] == "check_id"
    other_check = ask(client, erp).json()["check_id"]
    same_po = client.post(
        "/api/v1/purchases",
        json={"check_id": other_check, "po_number": "PO-1", "po_line": 2},
        headers=erp,
    )
    assert same_po.status_code == 409 and "PO-1" in same_po.json()["detail"]

    # Later changes to the declaration never rewrite the purchase.
    declaration.status = DeclarationStatus.REJECTED
    declaration.pcf_t_per_t = Decimal(20)
    session.add(declaration)
    session.commit()
    [listed] = client.get("/api/v1/purchases", headers=erp).json()["items"]
    assert Decimal(listed["pcf_t_per_t"]) == 8 and listed["factor_source"] == "declaration"


def test_a_failed_check_is_bought_only_with_a_reason_which_is_audited(
    client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    check_id = ask(client, erp, supplier="SXML").json()["check_id"]
    refused = client.post(
        "/api/v1/purchases", json={"check_id": check_id, "po_number": "PO-2"}, headers=erp
    )
    assert refused.status_code == 422 and refused.json()["field"] == "exception_reason"
    assert session.exec(select(Purchase)).all() == []

    reason = "Only supplier able to deliver this week"
    response = client.post(
        "/api/v1/purchases",
        json={"check_id": check_id, "po_number": "PO-2", "exception_reason": reason},
        headers=erp,
    )
    assert response.status_code == 201 and response.json()["exception_reason"] == reason
    assert response.json()["check_verdict"] == "fail"
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "purchase.recorded_exception")
    ).one()
    assert (
        event.after
        and event.after["exception_reason"] == reason
        and event.after["po_number"] == "PO-2"
    )


def test_check_and_record_in_one_call(client: TestClient, session: Session, plant, erp) -> None:  # type: ignore[no-untyped-def]
    make_declaration(session, plant.hydro)
    body = {
        "supplier": "YNSD",
        "material": "al_primary_ingot",
        "quantity_t": 3,
        "date": "2025-07-01",
        "product_line": "extrusion",
        "po_number": "PO-3",
    }
    response = client.post("/api/v1/purchases", json=body, headers=erp)
    assert response.status_code == 201, response.text
    assert (
        response.json()["product_line"] == "extrusion" and response.json()["date"] == "2025-07-01"
    )
    both = client.post(
        "/api/v1/purchases", json={**body, "check_id": 1, "po_number": "PO-4"}, headers=erp
    )
    assert both.status_code == 422
    neither = client.post("/api/v1/purchases", json={"po_number": "PO-5"}, headers=erp)
    assert neither.status_code == 422
    own = client.post(
        "/api/v1/purchases", json={**body, "supplier": "PLANT", "po_number": "PO-6"}, headers=erp
    )
    assert own.status_code == 422 and own.json()["field"] == "supplier"
    assert len(session.exec(select(Purchase)).all()) == 1


def test_the_purchase_list_filters_and_totals(
    client: TestClient, session: Session, plant, erp
) -> None:  # type: ignore[no-untyped-def]
    make_declaration(
        session,
        plant.hydro,
        pcf_t_per_t="4.0",
        submitted_on=date(2024, 1, 10),
        valid_until=date(2028, 12, 31),
        reference_period_start=date(2023, 1, 1),
        reference_period_end=date(2023, 12, 31),
    )
    lines = [
        ("YNSD", "2024-05-01", "alloy", "100", None),
        ("YNSD", "2025-05-01", "alloy", "200", None),
        ("YNSD", "2025-06-01", "extrusion", "50", None),
        ("SXML", "2025-07-01", "alloy", "10", "urgent"),
    ]
    for number, (supplier, day, line, tonnes, reason) in enumerate(lines, 1):
        body = {
            "supplier": supplier,
            "material": "al_primary_ingot",
            "quantity_t": tonnes,
            "date": day,
            "product_line": line,
            "po_number": f"PO-{number}",
            "exception_reason": reason,
        }
        assert client.post("/api/v1/purchases", json=body, headers=erp).status_code == 201
    everything = client.get("/api/v1/purchases", headers=erp).json()
    assert everything["total"] == 4 and Decimal(everything["quantity_t"]) == 360
    assert [item["po_number"] for item in everything["items"]] == ["PO-4", "PO-3", "PO-2", "PO-1"]
    year = client.get(
        "/api/v1/purchases", params={"year": 2025, "product_line": "alloy"}, headers=erp
    ).json()
    assert [item["po_number"] for item in year["items"]] == ["PO-4", "PO-2"]
    assert Decimal(year["emissions_t"]) == Decimal("200") * 4 + Decimal("10") * Decimal("15.1")
    exceptions = client.get(
        "/api/v1/purchases", params={"exceptions_only": True}, headers=erp
    ).json()
    assert [item["exception_reason"] for item in exceptions["items"]] == ["urgent"]
    page = client.get(
        "/api/v1/purchases", params={"limit": 1, "offset": 1, "supplier": "ynsd"}, headers=erp
    ).json()
    assert page["total"] == 3 and [item["po_number"] for item in page["items"]] == ["PO-2"]
    default = client.get(
        "/api/v1/purchases", params={"factor_source": "default"}, headers=erp
    ).json()
    assert [item["supplier"] for item in default["items"]] == ["SXML"]
    assert client.get("/api/v1/purchases", params={"limit": 0}, headers=erp).status_code == 422


def test_the_openapi_schema_describes_the_procurement_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    check = spec["paths"]["/api/v1/checks"]["post"]
    assert {"200", "401", "403", "422"} <= set(check["responses"])
    body = spec["components"]["schemas"]["CheckIn"]
    assert set(body["required"]) == {"supplier", "material", "quantity_t", "product_line"}
    assert "date" in body["properties"]
    assert "/api/v1/purchases" in spec["paths"] and {"get", "post"} <= set(
        spec["paths"]["/api/v1/purchases"]
    )
