"""GET /api/v1/reports/{year} and the production/Scope 1+2 API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from helpers import make_user
from sqlmodel import Session, col, select
from tracking_golden import Golden

from portal.audit import AuditEvent
from portal.security import create_api_token


def bearer(session: Session, role: str = "esg") -> dict[str, str]:
    user = make_user(session, role, email=f"api-{role}@example.com")
    _token, plain = create_api_token(session, user, "test")
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_report_gives_every_line_with_shares_as_fractions(
    client: TestClient, session: Session, golden: Golden
) -> None:
    response = client.get("/api/v1/reports/2026", headers=bearer(session))
    assert response.status_code == 200, response.text
    body = response.json()
    lines = {line["product_line"]: line for line in body["lines"]}
    alloy, extrusion = lines["alloy"], lines["extrusion"]
    assert alloy["production_t"] == 1000
    assert alloy["scope3_cat1_t"] == 3041
    assert alloy["scope3_cat1_intensity"] == 3.041
    assert alloy["scope3_cat1_target"] == 8.18
    assert alloy["supplier_specific_share"] == 0.4604
    assert alloy["scope12_intensity"] == 0.79 and alloy["scope12_target"] == 0.77
    assert alloy["recycled_share"] == 0.4394 and alloy["recycled_goal"] == 0.3
    assert extrusion["recycled_share"] is None and extrusion["recycled_goal"] is None
    assert extrusion["scope3_cat1_intensity"] == 7.82
    assert body["targets_source"]["dated"] == "2025-09-15"


def test_report_of_a_year_without_production_says_why(
    client: TestClient, session: Session, golden: Golden
) -> None:
    alloy = client.get("/api/v1/reports/2027", headers=bearer(session)).json()["lines"][0]
    assert alloy["scope3_cat1_t"] == 15100 and alloy["scope3_cat1_intensity"] is None
    assert alloy["no_intensity_reason"] == "no_production_entered"
    assert "No production has been entered" in alloy["no_intensity_message"]


@pytest.mark.parametrize("year", ["0", "1999", "2101", "99999999999999999999", "abc", "2026.5"])
def test_absurd_years_are_refused(client: TestClient, session: Session, year: str) -> None:
    response = client.get(f"/api/v1/reports/{year}", headers=bearer(session))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "year"


def test_only_the_esg_team_reads_reports(client: TestClient, session: Session) -> None:
    assert client.get("/api/v1/reports/2026").status_code == 401
    response = client.get("/api/v1/reports/2026", headers=bearer(session, "buyer"))
    assert response.status_code == 403


def test_production_is_set_through_the_api_and_audited(
    client: TestClient, session: Session
) -> None:
    headers = bearer(session)
    baseline = client.get("/api/v1/production/alloy/2023", headers=headers).json()
    assert baseline["production_t"] == 7880 and baseline["from_plan_baseline"] is True

    first = client.put(
        "/api/v1/production/alloy/2025",
        json={"production_t": "8420.5", "scope12_t": 6610, "source": "energy report 2025"},
        headers=headers,
    )
    assert first.status_code == 200, first.text
    assert first.json()["production_t"] == 8420.5 and first.json()["source"] == "energy report 2025"
    second = client.put(
        "/api/v1/production/alloy/2025",
        json={"production_t": 8500, "scope12_t": None},
        headers=headers,
    )
    assert second.json()["scope12_t"] is None
    assert second.json()["source"] == "entered by api-esg@example.com"
    events = session.exec(
        select(AuditEvent).where(AuditEvent.entity_type == "line_year").order_by(col(AuditEvent.id))
    ).all()
    assert [event.action for event in events] == ["line_year.created", "line_year.updated"]
    assert events[0].before is None and events[0].after is not None
    assert events[0].after["production_t"] == "8420.500"
    assert events[1].before == events[0].after
    assert events[1].after is not None and events[1].after["scope12_t"] is None
    assert events[1].actor == "api-esg@example.com"

    report = client.get("/api/v1/reports/2025", headers=headers).json()["lines"][0]
    assert report["production_t"] == 8500 and report["scope12_intensity"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"production_t": -1, "scope12_t": 1},
        {"production_t": "1.0001", "scope12_t": 1},
        {"production_t": "NaN", "scope12_t": 1},
        {"production_t": "Infinity", "scope12_t": 1},
        {"production_t": 1e30, "scope12_t": 1},
        {"production_t": "lots", "scope12_t": 1},
        {"production_t": 1, "scope12_t": 1, "extra": 1},
        {"production_t": 1},
        {"production_t": 1, "scope12_t": 1, "source": "x" * 201},
    ],
)
def test_bad_production_input_is_refused(
    client: TestClient, session: Session, body: dict[str, object]
) -> None:
    response = client.put("/api/v1/production/alloy/2025", json=body, headers=bearer(session))
    assert response.status_code == 422, response.text


def test_unknown_lines_and_years_are_refused(client: TestClient, session: Session) -> None:
    headers = bearer(session)
    body = {"production_t": 1, "scope12_t": 1}
    assert (
        client.put("/api/v1/production/rolling/2025", json=body, headers=headers).status_code == 422
    )
    assert (
        client.put("/api/v1/production/alloy/1800", json=body, headers=headers).status_code == 422
    )
    assert (
        client.put(
            "/api/v1/production/alloy/2025", json=body, headers=bearer(session, "buyer")
        ).status_code
        == 403
    )
