"""A flagged unit slip is corrected on the record, or accepted only with a written reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pdf_factory
import pytest
from declarations_helpers import World, create, declared, signed_in
from fastapi.testclient import TestClient
from helpers import csrf_from
from sqlmodel import Session, select

from portal.audit import AuditEvent
from portal.declarations.models import Declaration, DeclarationCorrection
from portal.security import create_api_token

# A manganese declaration typed as 9,800 kgCO2e per 1 kg (meant 9.8): 9,800 / 1 = 9,800 tCO2e/t,
# outside plausibility.alloying_elements' range 1–30 tCO2e/t, so it waits for a person.
# Corrected to 9.8 kgCO2e per kg: 9.8 / 1 = 9.8 tCO2e/t, inside 1–30 and under max_pcf 18.9.
SLIP = {
    "material_code": "manganese",
    "product_name": "Electrolytic manganese flake",
    "site_name": "Xiangtan plant",
    "declared_unit_of_measurement": "kilogram",
    "declared_unit_amount": "1",
    "pcf_excluding_biogenic": "9,800",
    "recycled_pre_consumer_pct": "",
    "recycled_post_consumer_pct": "",
}


def _slip(session: Session, world: World) -> Declaration:
    declaration = create(
        session,
        world.acme,
        body=pdf_factory.english_declaration(declared(pcf="9.8")),
        **SLIP,
    )
    assert declaration.status == "in_review"
    assert declaration.pcf_t_per_t == Decimal("9800")
    return declaration


def _finding(declaration: Declaration, rule_id: str) -> dict[str, Any]:
    [found] = [f for f in declaration.verdict_detail["findings"] if f["rule_id"] == rule_id]
    return found


def _post(client: TestClient, declaration_id: int, action: str, **data: str) -> Any:
    token = csrf_from(client.get(f"/review/{declaration_id}").text)
    return client.post(
        f"/review/{declaration_id}/{action}",
        data={**data, "csrf_token": token},
        follow_redirects=False,
    )


def _fresh(session: Session, declaration_id: int) -> Declaration:
    session.expire_all()
    declaration = session.get(Declaration, declaration_id)
    assert declaration is not None
    return declaration


def test_accepting_a_unit_slip_as_is_is_refused_on_the_page_naming_the_field(
    client: TestClient, session: Session, world: World
) -> None:
    declaration = _slip(session, world)
    assert _finding(declaration, "plausibility.alloying_elements")["outcome"] == "review"
    signed_in(client, world.esg)
    page = client.get(f"/review/{declaration.id}").text
    assert 'id="plausibility-guard"' in page and 'id="correction-form"' in page

    refused = _post(client, int(declaration.id), "decision", decision="accept", comment="ok")

    assert refused.status_code == 422
    assert 'id="error-override_reason"' in refused.text
    assert "Correct the declared value or unit below, or write why" in refused.text
    assert "outside the plausible range (a unit slip?)" in refused.text
    assert _fresh(session, int(declaration.id)).status == "in_review"
    # Rejecting needs no override: the guard stands only in front of accepting.
    rejected = _post(client, int(declaration.id), "decision", decision="reject", comment="slip")
    assert rejected.status_code == 303
    assert _fresh(session, int(declaration.id)).status == "rejected"


def test_the_guard_message_is_in_chinese_for_a_chinese_reviewer(
    client: TestClient, session: Session, world: World
) -> None:
    declaration = _slip(session, world)
    signed_in(client, world.esg)
    token = csrf_from(client.get(f"/review/{declaration.id}").text)
    refused = client.post(
        f"/review/{declaration.id}/decision",
        data={"decision": "accept", "csrf_token": token},
        headers={"Accept-Language": "zh"},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "申报的碳足迹超出合理范围" in refused.text


def test_a_correction_is_recorded_the_rules_run_again_and_the_supplier_sees_it(
    client: TestClient, session: Session, world: World
) -> None:
    declaration = _slip(session, world)
    declaration_id = int(declaration.id)
    verdict_before = declaration.verdict
    signed_in(client, world.esg)
    # A correction without a reason, or with the supplier's own figures, is refused by field.
    no_reason = _post(
        client,
        declaration_id,
        "correction",
        pcf_excluding_biogenic="9.8",
        declared_unit_amount="1",
        declared_unit_of_measurement="kilogram",
    )
    assert no_reason.status_code == 422
    assert 'id="error-correction-reason"' in no_reason.text
    assert "Say why the declared value is corrected." in no_reason.text
    same = _post(
        client,
        declaration_id,
        "correction",
        pcf_excluding_biogenic="9800",
        declared_unit_amount="1",
        declared_unit_of_measurement="kilogram",
        reason="?",
    )
    assert same.status_code == 422 and "This is what the supplier declared" in same.text

    done = _post(
        client,
        declaration_id,
        "correction",
        pcf_excluding_biogenic="9.8",
        declared_unit_amount="1",
        declared_unit_of_measurement="kilogram",
        reason="Typed per tonne; the PDF says 9.8 tCO2e/t",
    )

    assert done.status_code == 303
    corrected = _fresh(session, declaration_id)
    assert corrected.pcf_t_per_t == Decimal("9.8")  # 9.8 kgCO2e / 1 kg
    assert corrected.pcf_excluding_biogenic == Decimal("9.8")
    assert _finding(corrected, "plausibility.alloying_elements")["outcome"] == "pass"
    assert _finding(corrected, "max_pcf.manganese")["outcome"] == "pass"  # 9.8 <= 18.9
    assert (verdict_before, corrected.verdict) == ("review", "pass")  # the verdict changes
    assert corrected.status == "in_review"  # the reviewer still decides
    assert [m for m in corrected.pdf_mismatches if m["field"] == "pcf"] == []  # PDF says 9.8
    [row] = session.exec(select(DeclarationCorrection)).all()
    assert (row.original_pcf, row.original_t_per_t) == (Decimal("9800"), Decimal("9800"))
    assert (row.corrected_pcf, row.corrected_t_per_t) == (Decimal("9.8"), Decimal("9.8"))
    assert row.corrected_by_id == world.esg.id and row.verdict_after == corrected.verdict
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "declaration.corrected")
    ).one()
    assert event.actor == world.esg.email and event.entity_id == str(declaration_id)
    assert Decimal(event.before["pcf_t_per_t"]) == Decimal("9800")
    assert Decimal(event.after["pcf_t_per_t"]) == Decimal("9.8")
    assert event.after["reason"] == "Typed per tonne; the PDF says 9.8 tCO2e/t"

    # No plausibility finding is left, so accepting needs no override any more.
    accepted = _post(client, declaration_id, "decision", decision="accept")
    assert accepted.status_code == 303
    assert _fresh(session, declaration_id).status == "accepted"
    assert _fresh(session, declaration_id).plausibility_override is None

    signed_in(client, world.acme_user)
    page = client.get(f"/declarations/{declaration_id}").text
    assert 'id="corrections-table"' in page
    assert "9,800.000 kgCO2e / 1.000 kg (= 9,800.000 tCO2e/t)" in page
    assert "9.800 kgCO2e / 1.000 kg (= 9.800 tCO2e/t)" in page
    assert "Typed per tonne; the PDF says 9.8 tCO2e/t" in page
    assert world.esg.email in page


def test_an_override_with_a_reason_is_shown_on_the_declaration_and_in_the_drill_down(
    client: TestClient, session: Session, world: World
) -> None:
    from integration.tracking.tracking_factory import make_purchase

    declaration = _slip(session, world)
    declaration_id = int(declaration.id)
    signed_in(client, world.esg)
    accepted = _post(
        client,
        declaration_id,
        "decision",
        decision="accept",
        override_reason="Confirmed with the supplier by phone: the figure stands",
    )
    assert accepted.status_code == 303
    stored = _fresh(session, declaration_id)
    assert stored.status == "accepted"
    assert stored.plausibility_override == "Confirmed with the supplier by phone: the figure stands"
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "declaration.accepted")
    ).one()
    assert event.after["plausibility_override"] == stored.plausibility_override

    page = client.get(f"/declarations/{declaration_id}").text
    assert 'id="plausibility-override"' in page
    assert "Accepted against a plausibility finding" in page
    assert "Confirmed with the supplier by phone" in page

    purchase = make_purchase(
        session,
        supplier=world.acme,
        user=world.buyer,
        material_code="manganese",
        quantity_t="5",
        purchase_date=stored.reference_period_end,
        declaration=stored,
        po_number="SLIP-1",
    )
    year = purchase.purchase_date.year
    drill = client.get(f"/tracking/declarations?year={year}").text
    assert f'id="declaration-{declaration_id}"' in drill
    assert "accepted against a plausibility finding" in drill


def token_for(session: Session, user: Any) -> dict[str, str]:
    _token, plain = create_api_token(session, user, "ERP")
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_the_api_refuses_the_slip_as_is_and_takes_a_correction_or_a_reason(
    client: TestClient, session: Session, world: World
) -> None:
    first = int(_slip(session, world).id)
    second = int(_slip(session, world).id)
    headers = token_for(session, world.buyer)

    refused = client.post(
        f"/api/v1/declarations/{first}/decision", headers=headers, json={"decision": "accept"}
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "override_reason"

    no_reason = client.post(
        f"/api/v1/declarations/{first}/correction",
        headers=headers,
        json={
            "pcf_excluding_biogenic": "9.8",
            "declared_unit_amount": "1",
            "declared_unit_of_measurement": "kilogram",
            "reason": " ",
        },
    )
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    # The same slip fixed by the unit: 9,800 kgCO2e per 1 tonne = 9,800 / 1,000 = 9.8 tCO2e/t.
    corrected = client.post(
        f"/api/v1/declarations/{first}/correction",
        headers=headers,
        json={
            "pcf_excluding_biogenic": "9800",
            "declared_unit_amount": "1",
            "declared_unit_of_measurement": "tonne",
            "reason": "kgCO2e per tonne, not per kg",
        },
    )
    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert body["pcf_t_per_t"] == "9.8" and body["status"] == "in_review"
    [correction] = body["corrections"]
    assert correction["original_pcf_t_per_t"] == "9800"
    assert correction["corrected_pcf_t_per_t"] == "9.8"
    assert correction["corrected_declared_unit_of_measurement"] == "tonne"
    accepted = client.post(
        f"/api/v1/declarations/{first}/decision", headers=headers, json={"decision": "accept"}
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"

    overridden = client.post(
        f"/api/v1/declarations/{second}/decision",
        headers=headers,
        json={"decision": "accept", "override_reason": "Lab report attached shows 9,800"},
    )
    assert overridden.status_code == 200
    assert overridden.json()["plausibility_override"] == "Lab report attached shows 9,800"

    # The supplier's own system reads the correction too, but cannot make one.
    supplier = token_for(session, world.acme_user)
    seen = client.get(f"/api/v1/declarations/{first}", headers=supplier).json()
    assert seen["corrections"][0]["reason"] == "kgCO2e per tonne, not per kg"
    forbidden = client.post(
        f"/api/v1/declarations/{second}/correction",
        headers=supplier,
        json={
            "pcf_excluding_biogenic": "9.8",
            "declared_unit_amount": "1",
            "declared_unit_of_measurement": "kilogram",
            "reason": "mine",
        },
    )
    assert forbidden.status_code == 403


def test_a_correction_the_rules_reject_cannot_then_be_accepted(
    client: TestClient, session: Session, world: World
) -> None:
    declaration_id = int(_slip(session, world).id)
    signed_in(client, world.buyer)
    # 25 kgCO2e per kg = 25 tCO2e/t: plausible (1–30) but above max_pcf.manganese (18.9 or less).
    done = _post(
        client,
        declaration_id,
        "correction",
        pcf_excluding_biogenic="25",
        declared_unit_amount="1",
        declared_unit_of_measurement="kilogram",
        reason="per the verifier's letter",
    )
    assert done.status_code == 303
    corrected = _fresh(session, declaration_id)
    assert corrected.verdict == "fail" and corrected.status == "in_review"
    refused = _post(client, declaration_id, "decision", decision="accept", override_reason="x")
    assert refused.status_code == 422
    assert "The rules reject the corrected figures" in refused.text
    assert _fresh(session, declaration_id).status == "in_review"


@pytest.mark.demo
def test_the_demos_pending_unit_slip_shows_the_guard(client: TestClient, session: Session) -> None:
    from helpers import sign_in

    from portal.demo import DEMO_PASSWORD, load_demo

    load_demo(session)
    session.commit()
    # The demo's A356.2 ingot: 2,100 kgCO2e per 1 kg = 2,100 tCO2e/t, 1000x its PDF's 2.1.
    slip = session.exec(
        select(Declaration).where(
            Declaration.product_name == "A356.2 recycled aluminium alloy ingot"
        )
    ).one()
    assert (slip.status, slip.pcf_t_per_t) == ("in_review", Decimal("2100"))
    sign_in(client, "esg@demo.portal", DEMO_PASSWORD)
    page = client.get(f"/review/{slip.id}").text
    assert 'id="plausibility-guard"' in page and 'id="correction-form"' in page
    refused = _post(client, int(slip.id), "decision", decision="accept")
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text
    assert _fresh(session, int(slip.id)).status == "in_review"
