"""The dashboard, the drill-downs from a figure to its purchases and declarations, the report."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from helpers import make_user, sign_in
from sqlmodel import Session
from tracking_golden import Golden


def esg_client(client: TestClient, session: Session) -> TestClient:
    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    return client


def test_dashboard_shows_this_year_and_the_trend_with_charts_and_tables(
    client: TestClient, session: Session, golden: Golden
) -> None:
    page = esg_client(client, session).get("/tracking?year=2026")
    assert page.status_code == 200, page.text
    html = page.text
    card = html[html.index('id="line-alloy"') : html.index('id="line-extrusion"')]
    assert "3.041 tCO2e/t" in card and "8.18" in card and "on track" in card
    assert "46.0 %" in card  # supplier-specific share 0.4604
    assert "43.9 %" in card and "goal reached" in card  # recycled 0.4394 vs 30 %
    assert "0.790 tCO2e/t" in card and "above target" in card  # Scope 1+2 vs 0.77
    for name in ("intensity-alloy", "intensity-extrusion", "scope12-alloy", "recycled-alloy"):
        assert f'id="chart-{name}"' in html and f'id="table-{name}"' in html
    assert 'id="chart-recycled-extrusion"' not in html
    assert 'id="tracking-charts"' in html and "<script>" not in html
    assert 'src="/static/js/tracking.js"' in html


def test_dashboard_renders_without_any_purchases(client: TestClient, session: Session) -> None:
    html = esg_client(client, session).get("/tracking?year=2026").text
    assert "No purchases are recorded for this line and year." in html
    # the baseline year still has its Scope 1+2 intensity from the plan: 0.8194
    row = html[html.index('id="scope12-alloy-2023"') :]
    assert "0.819" in row[: row.index("</tr>")]


def test_a_year_without_production_says_why(
    client: TestClient, session: Session, golden: Golden
) -> None:
    html = esg_client(client, session).get("/tracking?year=2027").text
    card = html[html.index('id="line-alloy"') : html.index('id="line-extrusion"')]
    assert "15,100.0 tCO2e" in card
    assert "No production has been entered for this line and year" in card


def test_drill_down_from_a_figure_to_its_purchases_and_declarations(
    client: TestClient, session: Session, golden: Golden
) -> None:
    esg = esg_client(client, session)
    dashboard = esg.get("/tracking?year=2026").text
    link = re.search(r'id="supplier-share-alloy"', dashboard)
    assert link
    href = re.search(r'href="([^"]+)" id="supplier-share-alloy"', dashboard)
    assert (
        href
        and href.group(1) == "/tracking/purchases?year=2026&amp;line=alloy&amp;source=declaration"
    )
    listing = esg.get("/tracking/purchases?year=2026&line=alloy&source=declaration").text
    assert 'id="total-purchases">2<' in listing
    assert 'id="total-emissions">1,400.000<' in listing
    assert f'href="/declarations/{golden.primary_declaration.id}"' in listing

    declarations = esg.get("/tracking/declarations?year=2026&line=alloy").text
    assert f'id="declaration-{golden.recycled_declaration.id}"' in declarations
    assert f'id="declaration-{golden.primary_declaration.id}"' in declarations
    assert "test-revision" in declarations

    detail = esg.get(f"/tracking/purchases/{golden.under_primary_declaration.id}").text
    assert f'href="/declarations/{golden.primary_declaration.id}"' in detail
    assert "200.000 t × 4.000 = 800.000 tCO2e" in detail
    assert "test-revision" in detail and 'href="/rules"' in detail


def test_filters_are_checked(client: TestClient, session: Session) -> None:
    esg = esg_client(client, session)
    assert esg.get("/tracking/purchases?year=2026&line=rolling").status_code == 422
    assert esg.get("/tracking/purchases?year=1200").status_code == 422
    assert esg.get("/tracking/purchases/999999").status_code == 404
    assert esg.get("/tracking/purchases/99999999999999999999").status_code == 422
    assert (
        esg.get("/tracking/purchases?year=2026&declaration=99999999999999999999").status_code == 422
    )


def test_printable_report_lists_the_declarations_used(
    client: TestClient, session: Session, golden: Golden
) -> None:
    html = esg_client(client, session).get("/tracking/report/2026").text
    assert 'id="report-figures-table"' in html and "3.0410" in html
    assert f'id="declaration-{golden.primary_declaration.id}"' in html
    assert 'id="chart-recycled-alloy"' in html


def test_only_the_esg_team_sees_tracking(client: TestClient, session: Session) -> None:
    make_user(session, "buyer")
    sign_in(client, "buyer@example.com")
    for path in (
        "/tracking",
        "/tracking/inputs",
        "/tracking/purchases?year=2026",
        "/tracking/report/2026",
    ):
        assert client.get(path).status_code == 403, path


def test_a_purchase_shows_the_superseded_declaration_it_was_recorded_under(
    client: TestClient, session: Session, golden: Golden
) -> None:
    from factories import make_declaration

    from portal.suppliers.models import Supplier

    smelter = session.get(Supplier, golden.primary_declaration.supplier_id)
    assert smelter is not None
    newer = make_declaration(
        session,
        smelter,
        "al_primary_ingot",
        pcf_t_per_t="9.0",
        supersedes=golden.primary_declaration,
    )
    detail = esg_client(client, session).get(
        f"/tracking/purchases/{golden.under_primary_declaration.id}"
    )
    status = detail.text[detail.text.index('id="declaration-status"') :]
    assert status[: status.index("</dd>")].count("superseded") == 1
    assert "200.000 t × 4.000 = 800.000 tCO2e" in detail.text
    assert f'href="/declarations/{newer.id}"' not in detail.text


def test_the_dashboard_speaks_chinese(client: TestClient, session: Session, golden: Golden) -> None:
    esg_client(client, session)
    page = client.get("/tracking?year=2026", headers={"Accept-Language": "zh"})
    assert page.status_code == 200 and 'lang="zh-Hans"' in page.text
    assert "铝合金" in page.text  # the line's name from the plan
