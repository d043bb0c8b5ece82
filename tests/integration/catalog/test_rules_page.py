"""The read-only page of the rules in force on a date."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from helpers import make_supplier, make_user, sign_in
from sqlmodel import Session

from portal.catalog import get_ruleset


def test_every_role_sees_the_rules_in_force_on_a_date_in_both_languages(
    client: TestClient, session: Session
) -> None:
    make_user(session, "supplier", supplier=make_supplier(session))
    sign_in(client, "supplier@example.com")
    ruleset = get_ruleset()
    limit_2025 = ruleset.max_pcf_for("al_primary_ingot", date(2025, 6, 1))
    limit_2030 = ruleset.max_pcf_for("al_primary_ingot", date(2030, 6, 1))
    assert limit_2025 and limit_2030 and limit_2030.max_pcf_t_per_t < limit_2025.max_pcf_t_per_t

    page = client.get("/rules?on=2025-06-01&material=al_primary_ingot")
    assert page.status_code == 200
    assert ruleset.short_revision in page.text
    assert (
        'id="material-al_primary_ingot"' in page.text
        and 'id="material-silicon_metal"' not in page.text
    )
    row = page.text.split(f'id="rule-al_primary_ingot-{limit_2025.rule_id}"')[1].split("</tr>")[0]
    assert f"maximum = {limit_2025.max_pcf_t_per_t} tCO2e/t" in row
    assert limit_2025.period_from.isoformat() in row
    assert "原铝锭" in page.text and "Primary aluminium ingot" in page.text

    later = client.get("/rules?on=2030-06-01&material=al_primary_ingot")
    assert f"maximum = {limit_2030.max_pcf_t_per_t} tCO2e/t" in later.text


def test_a_bad_date_or_material_is_named(client: TestClient, session: Session) -> None:
    make_user(session, "buyer")
    sign_in(client, "buyer@example.com")
    assert client.get("/rules?on=2025-13-45").status_code == 422
    unknown = client.get("/rules?material=unobtainium")
    assert unknown.status_code == 422 and "Unknown material." in unknown.text
