"""The ESG team enters production and Scope 1+2 on a page; the baseline comes from the plan."""

from __future__ import annotations

from fastapi.testclient import TestClient
from helpers import make_user, post_form, sign_in
from sqlmodel import Session, select

from portal.audit import AuditEvent
from portal.tracking.models import LineYear


def signed_in_esg(client: TestClient, session: Session) -> TestClient:
    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    return client


def test_the_baseline_is_prefilled_from_the_plan(client: TestClient, session: Session) -> None:
    html = signed_in_esg(client, session).get("/tracking/inputs").text
    assert 'id="from-plan-alloy-2023"' in html and 'id="from-plan-extrusion-2023"' in html
    row = html[html.index('id="row-alloy-2023"') :]
    assert 'value="7880"' in row[: row.index("</tr>")]
    assert 'value="6456.81"' in row[: row.index("</tr>")]
    assert 'id="from-plan-alloy-2024"' not in html


def test_saving_a_line_year_is_audited_and_shows_on_the_dashboard(
    client: TestClient, session: Session
) -> None:
    esg = signed_in_esg(client, session)
    response = post_form(
        esg,
        "/tracking/inputs",
        "/tracking/inputs/extrusion/2025",
        {"production_t": "455", "scope12_t": "560", "source": "energy report 2025"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("#row-extrusion-2025")
    stored = session.exec(select(LineYear).where(LineYear.year == 2025)).one()
    assert (stored.production_t, stored.scope12_t) == (455, 560)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "line_year.created")).one()
    assert event.actor == "esg@example.com" and event.after is not None
    assert event.after["source"] == "energy report 2025"

    dashboard = esg.get("/tracking?year=2025").text
    card = dashboard[dashboard.index('id="line-extrusion"') :]
    # 560 ÷ 455 = 1.2307… against the 2025 target of 1.21
    assert "1.231 tCO2e/t" in card and "above target" in card


def test_changing_the_baseline_records_before_and_after(
    client: TestClient, session: Session
) -> None:
    esg = signed_in_esg(client, session)
    form = {"production_t": "7900", "scope12_t": "6456.81", "source": ""}
    post_form(esg, "/tracking/inputs", "/tracking/inputs/alloy/2023", form)
    form["production_t"] = "7910"
    post_form(esg, "/tracking/inputs", "/tracking/inputs/alloy/2023", form)
    updated = session.exec(select(AuditEvent).where(AuditEvent.action == "line_year.updated")).one()
    assert updated.before is not None and updated.after is not None
    assert (updated.before["production_t"], updated.after["production_t"]) == (
        "7900.000",
        "7910.000",
    )
    html = esg.get("/tracking/inputs").text
    assert 'id="from-plan-alloy-2023"' not in html


def test_wrong_figures_are_shown_next_to_the_field(client: TestClient, session: Session) -> None:
    esg = signed_in_esg(client, session)
    response = post_form(
        esg,
        "/tracking/inputs",
        "/tracking/inputs/alloy/2026",
        {"production_t": "-5", "scope12_t": "10"},
    )
    assert response.status_code == 422
    assert 'id="error-production_t-alloy-2026"' in response.text
    assert 'value="-5"' in response.text
    too_precise = post_form(
        esg,
        "/tracking/inputs",
        "/tracking/inputs/alloy/2026",
        {"production_t": "1", "scope12_t": "0.0001"},
    )
    assert too_precise.status_code == 422 and 'id="error-scope12_t-alloy-2026"' in too_precise.text
    assert session.exec(select(LineYear)).all() == []
    unknown = post_form(
        esg, "/tracking/inputs", "/tracking/inputs/rolling/2026", {"production_t": "1"}
    )
    assert unknown.status_code == 422
