"""Notifications, inboxes and data requests as each role meets them in the portal."""

from __future__ import annotations

import re
from datetime import timedelta

from declarations_helpers import World, form, signed_in, submit, submitted_id
from fastapi.testclient import TestClient
from helpers import csrf_from
from smtp_inbox import MailServer
from sqlmodel import Session, select

from portal.audit import AuditEvent
from portal.clock import plant_today
from portal.datarequests.models import DataRequestItem
from portal.notifications import outbox


def _post(client: TestClient, page: str, action: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def test_reviewer_is_told_decides_and_the_supplier_hears_with_the_comment(
    client: TestClient,
    session: Session,
    world: World,
    engine,
    smtp: tuple[MailServer, int],  # type: ignore[no-untyped-def]
) -> None:
    server, _port = smtp
    signed_in(client, world.acme_user)
    # 4,300 kg declared where the PDF says 4.2: the rules ask a person (in review).
    declaration_id = submitted_id(submit(client, form(pcf_excluding_biogenic="4300")))
    outbox.run_once(engine, sweep=False)
    [mail] = server.to(world.esg.email)
    assert f"http://portal.test:8123/review/{declaration_id}" in mail.text
    assert len(server.to(world.buyer.email)) == 1

    signed_in(client, world.esg)
    home = client.get("/").text
    assert 'id="inbox-review"' in home and f'href="/review/{declaration_id}"' in home
    assert 'id="unread-count">1<' in home  # the header's count
    response = _post(
        client,
        f"/review/{declaration_id}",
        f"/review/{declaration_id}/decision",
        {"decision": "reject", "comment": "The PDF says 4.2, not 4,300."},
    )
    assert response.status_code == 303, response.text
    outbox.run_once(engine, sweep=False)
    [decided] = server.to(world.acme_user.email)
    assert decided.subject.startswith("已拒绝")  # the supplier chose no language: Chinese
    assert "The PDF says 4.2, not 4,300." in decided.text

    signed_in(client, world.acme_user)
    home = client.get("/").text
    assert 'id="inbox-to-fix-count">1<' in home
    page = client.get("/notifications").text
    assert "已拒绝" in page and 'class="notification unread"' in page
    [row_id] = re.findall(r'<li class="notification unread" id="notification-(\d+)"', page)
    opened = _post(client, "/notifications", f"/notifications/{row_id}/open", {})
    assert opened.headers["location"] == f"/declarations/{declaration_id}"
    assert 'id="unread-count"' not in client.get("/").text


def test_the_supplier_chooses_english_for_its_emails(
    client: TestClient, session: Session, world: World
) -> None:
    signed_in(client, world.acme_user)
    assert 'id="notification-language-form"' in client.get("/account").text
    response = _post(client, "/notifications", "/account/notification-language", {"language": "xx"})
    assert response.status_code == 422
    response = _post(client, "/notifications", "/account/notification-language", {"language": "en"})
    assert response.status_code == 303
    session.refresh(world.acme_user)
    assert world.acme_user.notification_language == "en"
    assert session.exec(
        select(AuditEvent).where(AuditEvent.action == "user.notification_language_changed")
    ).one()


def test_esg_asks_suppliers_sees_progress_and_reminds_once(
    client: TestClient,
    session: Session,
    world: World,
    engine,
    smtp: tuple[MailServer, int],  # type: ignore[no-untyped-def]
) -> None:
    server, _port = smtp
    due = (plant_today() + timedelta(days=20)).isoformat()
    signed_in(client, world.esg)
    refused = _post(
        client,
        "/data-requests/new",
        "/data-requests",
        {"title": "Footprints 2026", "due_on": due, "everyone": "0", "suppliers": []},
    )
    assert refused.status_code == 422 and "Choose at least one material." in refused.text
    assert world.acme.id and world.other.id
    response = _post(
        client,
        "/data-requests/new",
        "/data-requests",
        {
            "title": "Footprints 2026",
            "message": "For the annual report.",
            "due_on": due,
            "materials": ["al_primary_ingot"],
            "everyone": "0",
            "suppliers": [str(world.acme.id), str(world.other.id)],
        },
    )
    assert response.status_code == 303, response.text
    request_url = response.headers["location"]
    page = client.get(request_url).text
    assert "requested: 2" in page and "accepted: 0" in page
    outbox.run_once(engine, sweep=False)
    [asked] = server.to(world.acme_user.email)
    assert "Footprints 2026" in asked.subject and "For the annual report." in asked.text
    assert len(server.to(world.other_user.email)) == 1

    # ACME sees it in its inbox, and answers with an accepted declaration.
    signed_in(client, world.acme_user)
    home = client.get("/").text
    assert 'id="inbox-requests-count">1<' in home and "Footprints 2026" in home
    submitted_id(submit(client))
    assert 'id="inbox-requests-count">0<' in client.get("/").text

    signed_in(client, world.esg)
    page = client.get(request_url).text
    assert "requested: 1" in page and "accepted: 1" in page
    # One click, one reminder; the same form sent again is refused.
    remind = {"supplier_id": str(world.other.id), "reminders_seen": "0"}
    token = csrf_from(page)
    first = client.post(
        request_url + "/remind", data={**remind, "csrf_token": token}, follow_redirects=False
    )
    again = client.post(
        request_url + "/remind", data={**remind, "csrf_token": token}, follow_redirects=False
    )
    assert first.status_code == 303 and again.status_code == 409
    outbox.run_once(engine, sweep=False)
    assert len(server.to(world.other_user.email)) == 2  # the request and one reminder
    assert len(server.to(world.acme_user.email)) == 1  # answered: no reminder for ACME
    reminded = session.exec(
        select(AuditEvent).where(AuditEvent.action == "data_request.reminded")
    ).all()
    assert len(reminded) == 1
    items = session.exec(select(DataRequestItem)).all()
    assert sorted(item.reminders_sent for item in items) == [0, 1]
