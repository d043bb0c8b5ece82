"""The audit-trail page: filters, pages, the chain's status, links, languages and access."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from helpers import make_supplier, make_user, sign_in
from sqlalchemy import text
from sqlmodel import Session, select

from portal import audit
from portal.audit import Actor, AuditEvent


def entry_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="entry-(\d+)"', html)]


def record_at(session: Session, at: datetime, **fields: object) -> int:
    """An entry written as if at AT (later entries get the real time again)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit, "utcnow", lambda: at)
        event = audit.record(session, **fields)  # type: ignore[arg-type]
    session.commit()
    assert event.id is not None
    return event.id


@pytest.fixture
def trail(session: Session) -> dict[str, int]:
    """Three entries around the plant's midnight, by three people."""
    for role in ("esg", "admin", "buyer", "supplier"):
        make_user(session, role, supplier=make_supplier(session) if role == "supplier" else None)
    esg, buyer = Actor("esg@example.com", 1), Actor("buyer@example.com", 3)
    return {
        # 15:00 UTC on 1 March is 23:00 at the plant (UTC+8): plant date 2026-03-01.
        "accepted": record_at(
            session,
            datetime(2026, 3, 1, 15, 0, tzinfo=UTC),
            actor=esg,
            action="declaration.accepted",
            entity_type="declaration",
            entity_id=7,
            before={"status": "in_review"},
            after={"status": "accepted", "comment": "核查声明已确认"},
        ),
        # 16:30 UTC on 1 March is 00:30 on 2 March at the plant: plant date 2026-03-02.
        "purchase": record_at(
            session,
            datetime(2026, 3, 1, 16, 30, tzinfo=UTC),
            actor=buyer,
            action="purchase.recorded",
            entity_type="purchase",
            entity_id=3,
            after={"quantity_t": "40"},
        ),
        "supplier": record_at(
            session,
            datetime(2026, 3, 5, 2, 0, tzinfo=UTC),
            actor=Actor("admin@example.com", 2),
            action="supplier.created",
            entity_type="supplier",
            entity_id=1,
        ),
    }


def test_the_esg_team_filters_the_trail_by_entity_actor_action_and_plant_date(
    client: TestClient, session: Session, trail: dict[str, int]
) -> None:
    sign_in(client, "esg@example.com")
    everything = client.get("/audit")
    assert everything.status_code == 200
    total = len(session.exec(select(AuditEvent)).all())  # the users' and suppliers' entries too
    ids = entry_ids(everything.text)
    assert ids == sorted(ids, reverse=True) and len(ids) == total  # newest first
    # The chain is verified on request (htmx asks as the page loads; a link without JS).
    assert 'hx-get="/audit/chain"' in everything.text and 'href="/audit/chain"' in everything.text
    fragment = client.get("/audit/chain", headers={"HX-Request": "true"}).text
    assert "<html" not in fragment
    status = fragment.split('id="chain-status"')[1].split("</p>")[0]
    assert 'data-ok="true"' in status and f"{total} entries" in status
    # Verified a moment ago with no entry since: the page shows it at once.
    again = client.get("/audit").text.split('id="chain-status"')[1].split("</p>")[0]
    assert 'data-ok="true"' in again and "hx-get" not in again

    # Plant dates: the purchase at 16:30 UTC on 1 March belongs to 2 March at the plant.
    day_two = client.get("/audit?from=2026-03-02&to=2026-03-02")
    assert entry_ids(day_two.text) == [trail["purchase"]]
    day_one = client.get("/audit?from=2026-03-01&to=2026-03-01")
    assert entry_ids(day_one.text) == [trail["accepted"]]
    march = client.get("/audit?from=2026-03-01&to=2026-03-31")
    assert entry_ids(march.text) == [trail["supplier"], trail["purchase"], trail["accepted"]]

    assert entry_ids(client.get("/audit?actor=BUYER@").text) == [trail["purchase"]]
    assert entry_ids(client.get("/audit?action=supplier.created&to=2026-03-31").text) == [
        trail["supplier"]
    ]
    one = client.get("/audit?entity_type=declaration&entity_id=7").text
    assert entry_ids(one) == [trail["accepted"]]
    row = one.split(f'id="entry-{trail["accepted"]}"')[1].split("</tr>")[0]
    assert 'href="/declarations/7"' in row  # the esg team can open the declaration
    assert "核查声明已确认" in row and "2026-03-01 23:00:00" in row  # as written; plant time

    nothing = client.get("/audit?actor=nobody")
    assert 'id="no-entries"' in nothing.text and "0 entries" in nothing.text


def test_bad_filters_are_named(client: TestClient, trail: dict[str, int]) -> None:
    sign_in(client, "admin@example.com")
    backwards = client.get("/audit?from=2026-03-05&to=2026-03-01")
    assert backwards.status_code == 422 and "before the start date" in backwards.text
    assert client.get("/audit?from=2026-02-30").status_code == 422
    assert client.get("/audit?page=zero").status_code == 422
    assert client.get(f"/audit?entity_id={'9' * 65}").status_code == 422


def test_administrators_see_the_links_their_role_opens(
    client: TestClient, trail: dict[str, int]
) -> None:
    sign_in(client, "admin@example.com")
    page = client.get("/audit?from=2026-03-01&to=2026-03-31").text
    supplier = page.split(f'id="entry-{trail["supplier"]}"')[1].split("</tr>")[0]
    declaration = page.split(f'id="entry-{trail["accepted"]}"')[1].split("</tr>")[0]
    assert 'href="/admin/suppliers"' in supplier
    assert 'href="/declarations/7"' not in declaration  # administrators do not read declarations


def test_pages_of_fifty_newest_first(
    client: TestClient, session: Session, trail: dict[str, int]
) -> None:
    for number in range(60):
        audit.record(
            session,
            actor=Actor("loader"),
            action="test.bulk",
            entity_type="batch",
            entity_id=number,
        )
    session.commit()
    sign_in(client, "esg@example.com")
    first = client.get("/audit?action=test.bulk")
    # 60 entries: page 1 holds the newest 50 (ids 60..11 of the batch), page 2 the oldest 10.
    assert "60 entries" in first.text and "Page 1 of 2" in first.text
    ids = entry_ids(first.text)
    assert len(ids) == 50 and ids == sorted(ids, reverse=True)
    assert 'href="/audit?action=test.bulk&amp;page=2"' in first.text
    second = entry_ids(client.get("/audit?action=test.bulk&page=2").text)
    assert len(second) == 10 and max(second) < min(ids)


def test_a_forged_entry_shows_the_chain_broken(
    client: TestClient, session: Session, trail: dict[str, int]
) -> None:
    last = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()  # type: ignore[union-attr]
    assert last is not None
    session.execute(
        text(
            "INSERT INTO audit_event (at, actor, action, entity_type, prev_hash, entry_hash) "
            "VALUES (:at, 'intruder', 'supplier.created', 'supplier', :prev, :forged)"
        ),
        {"at": last.at, "prev": last.entry_hash, "forged": "f" * 64},
    )
    session.commit()
    forged = session.exec(select(AuditEvent).where(AuditEvent.actor == "intruder")).one()
    sign_in(client, "esg@example.com")
    page = client.get("/audit/chain").text  # without JavaScript: a page of its own
    status = page.split('id="chain-status"')[1].split("</p>")[0]
    assert 'data-ok="false"' in status and f"#{forged.id}" in status
    assert 'href="/audit" id="back-to-trail"' in page


def test_in_chinese(client: TestClient, trail: dict[str, int]) -> None:
    sign_in(client, "esg@example.com")
    page = client.get("/audit", headers={"Accept-Language": "zh"}).text
    assert "审计记录" in page and "筛选" in page


@pytest.mark.parametrize(
    ("email", "status"),
    [
        (None, 303),
        ("supplier@example.com", 403),
        ("buyer@example.com", 403),
        ("esg@example.com", 200),
        ("admin@example.com", 200),
    ],
)
def test_only_the_esg_team_and_administrators_read_the_trail(
    client: TestClient, trail: dict[str, int], email: str | None, status: int
) -> None:
    if email:
        sign_in(client, email)
    page = client.get("/audit", follow_redirects=False)
    assert page.status_code == status
    assert client.get("/audit/chain", follow_redirects=False).status_code == status
    if status == 200:
        assert 'id="nav-audit"' in page.text
    elif email:
        assert 'id="nav-audit"' not in client.get("/").text
