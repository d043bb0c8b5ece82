"""The demo's data requests as ESG and the suppliers meet them (portal/datarequests/demo.py).

Hand-worked from the demo: the recycled-ingot request (due in 21 days) asks JCHY, YNSD and SXML;
JCHY's accepted ADC12 ingot answers it, the others still owe it: requested 2, submitted 0,
accepted 1, overdue 0. The billet request (due 10 days ago) asks YNSD and SXML; YNSD's scanned
billet declaration is in review: requested 0, submitted 1, accepted 0, overdue 1 (SXML).
"""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from pages_helpers import browse_demo_as
from sqlmodel import Session, select

from portal.audit import AuditEvent
from portal.clock import plant_today
from portal.datarequests.demo import load_demo as load_data_requests
from portal.datarequests.models import DataRequest


def _counts(html: str, title_part: str) -> list[int]:
    """The four counts (requested, submitted, accepted, overdue) of the row titled TITLE_PART."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        if title_part in row:
            return [int(n) for n in re.findall(r"<td>(\d+)</td>", row)]
    raise AssertionError(f"no row for {title_part}")


def test_esg_sees_both_demo_requests_with_their_progress(
    demo_client: TestClient, session: Session
) -> None:
    browse_demo_as(demo_client, session, "esg@demo.portal", "en")
    page = demo_client.get("/data-requests").text
    assert _counts(page, "Recycled aluminium ingot footprints") == [2, 0, 1, 0]
    assert _counts(page, "Aluminium billet footprints") == [0, 1, 0, 1]
    by_material = {r.material_codes[0]: r for r in session.exec(select(DataRequest)).all()}
    assert by_material["al_recycled_ingot"].due_on == plant_today() + timedelta(days=21)
    assert by_material["al_billet"].due_on == plant_today() - timedelta(days=10)
    detail = demo_client.get(f"/data-requests/{by_material['al_recycled_ingot'].id}").text
    assert re.search(r'id="progress-JCHY">.*?state-accepted', detail, re.S)
    assert re.search(r'id="progress-YNSD">.*?state-requested', detail, re.S)
    # Made by the ESG user through the service, answered by the declarations' submission.
    events = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "data_request"))
    actions = [event.action for event in events]
    assert actions.count("data_request.created") == 2
    assert actions.count("data_request.answered") == 2  # JCHY's ADC12, YNSD's billet
    assert load_data_requests(session) == []


def test_each_demo_supplier_finds_what_it_still_owes_on_its_home(
    demo_client: TestClient, session: Session
) -> None:
    # YNSD answered the billet request (in review), still owes recycled ingot.
    browse_demo_as(demo_client, session, "smelter@demo.portal", "en")
    home = demo_client.get("/").text
    assert 'id="inbox-requests-count">1<' in home
    assert "Recycled aluminium ingot footprints" in home
    assert "Aluminium billet footprints" not in home
    # SXML owes both; the billet one is overdue and marked urgent.
    browse_demo_as(demo_client, session, "coalsmelter@demo.portal", "zh")
    home = demo_client.get("/").text
    assert 'id="inbox-requests-count">2<' in home
    assert re.search(r'<li class="urgent"><a [^>]*>铝棒碳足迹', home)
    # JCHY answered with its accepted ingot: nothing waits.
    browse_demo_as(demo_client, session, "recycler@demo.portal", "en")
    assert 'id="inbox-requests-count">0<' in demo_client.get("/").text
