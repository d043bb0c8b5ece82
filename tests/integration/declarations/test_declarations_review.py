"""Reviewers decide declarations in review; of two deciding at once exactly one wins."""

from __future__ import annotations

import threading

import pdf_factory
import pytest
from declarations_helpers import World, create, declared, signed_in
from fastapi.testclient import TestClient
from helpers import csrf_from
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal.audit import Actor, AuditEvent
from portal.declarations import service
from portal.declarations.models import Declaration
from portal.errors import Conflict


@pytest.fixture
def in_review(session: Session, world: World) -> int:
    """A declaration whose PDF states another footprint than the form (so: in review)."""
    declaration = create(
        session, world.acme, body=pdf_factory.english_declaration(declared(pcf="5.1"))
    )
    assert declaration.status == "in_review"
    return int(declaration.id)


def decide(client: TestClient, declaration_id: int, decision: str, comment: str = "") -> object:
    token = csrf_from(client.get(f"/review/{declaration_id}").text)
    return client.post(
        f"/review/{declaration_id}/decision",
        data={"decision": decision, "comment": comment, "csrf_token": token},
        follow_redirects=False,
    )


def test_the_queue_lists_declarations_in_review_with_their_reasons(
    client: TestClient, world: World, session: Session, in_review: int
) -> None:
    accepted = create(session, world.other).id
    signed_in(client, world.buyer)
    page = client.get("/review").text
    assert f'id="queue-{in_review}"' in page
    assert f'id="queue-{accepted}"' not in page
    assert "Page 1 states a footprint of 5.1 tCO2e/t" in page


def test_the_review_page_shows_the_pdf_beside_the_findings(
    client: TestClient, world: World, in_review: int
) -> None:
    signed_in(client, world.esg)
    page = client.get(f"/review/{in_review}").text
    assert f'<iframe id="pdf-frame" src="/declarations/{in_review}/files/declaration"' in page
    assert 'id="decision-form"' in page and 'id="findings"' in page
    assert 'id="mismatch-table"' in page


def test_a_reviewer_accepts_with_an_optional_comment_and_it_is_audited(
    client: TestClient, world: World, session: Session, in_review: int
) -> None:
    signed_in(client, world.esg)
    response = decide(client, in_review, "accept", "Checked with the verifier: 5.1 was a draft.")
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/declarations/{in_review}").text
    assert 'status-accepted">accepted</span>' in page
    assert "Checked with the verifier" in page and world.esg.email in page
    session.expire_all()
    stored = session.get(Declaration, in_review)
    assert stored is not None
    assert stored.status == "accepted" and stored.decided_by_id == world.esg.id
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "declaration.accepted")
    ).one()
    assert event.entity_id == str(in_review) and event.actor == world.esg.email
    assert event.before == {"status": "in_review"}


def test_rejecting_needs_a_comment(
    client: TestClient, world: World, session: Session, in_review: int
) -> None:
    signed_in(client, world.buyer)
    response = decide(client, in_review, "reject", "   ")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "Say why the declaration is rejected." in response.text  # type: ignore[attr-defined]
    response = decide(client, in_review, "reject", "The PDF shows 5.1, not 4.2.")
    assert response.status_code == 303  # type: ignore[attr-defined]
    session.expire_all()
    stored = session.get(Declaration, in_review)
    assert stored is not None and stored.status == "rejected"
    assert stored.decision_comment == "The PDF shows 5.1, not 4.2."


def test_the_second_of_two_decisions_gets_a_conflict_page(
    client: TestClient, world: World, in_review: int
) -> None:
    signed_in(client, world.esg)
    token = csrf_from(client.get(f"/review/{in_review}").text)  # both reviewers opened the page
    first = client.post(
        f"/review/{in_review}/decision",
        data={"decision": "accept", "csrf_token": token},
        follow_redirects=False,
    )
    assert first.status_code == 303
    second = client.post(
        f"/review/{in_review}/decision",
        data={"decision": "reject", "comment": "too high", "csrf_token": token},
    )
    assert second.status_code == 409
    assert "Someone else decided this declaration first: it is now accepted." in second.text


def test_two_reviewers_deciding_at_the_same_moment_make_exactly_one_decision(
    engine: Engine, world: World, in_review: int
) -> None:
    results: list[str] = []
    decided, release = threading.Event(), threading.Event()

    def reviewer(decision: str, user_id: int | None, holds: bool) -> None:
        with Session(engine) as db:
            try:
                service.decide(
                    db,
                    actor=Actor(label=decision),
                    reviewer_id=user_id,
                    declaration_id=in_review,
                    decision=decision,
                    comment="reason",
                )
                if holds:
                    decided.set()
                    release.wait(10)  # keep the transaction open while the other one tries
                db.commit()
                results.append(decision)
            except Conflict:
                db.rollback()
                results.append("conflict")

    first = threading.Thread(target=reviewer, args=("accept", world.esg.id, True))
    first.start()
    assert decided.wait(10)
    second = threading.Thread(target=reviewer, args=("reject", world.buyer.id, False))
    second.start()
    second.join(0.5)
    assert second.is_alive()  # waits for the first decision to commit or roll back
    release.set()
    first.join(30)
    second.join(30)
    assert sorted(results) == ["accept", "conflict"]
    with Session(engine) as db:
        stored = db.get(Declaration, in_review)
        assert stored is not None and stored.status == "accepted"
        assert stored.decided_by_id == world.esg.id
        decisions = db.exec(
            select(AuditEvent).where(
                AuditEvent.action.in_(["declaration.accepted", "declaration.rejected"])
            )  # type: ignore[attr-defined]
        ).all()
        assert len(decisions) == 1


def test_a_declaration_not_in_review_cannot_be_decided(
    client: TestClient, world: World, session: Session
) -> None:
    accepted = create(session, world.acme).id
    signed_in(client, world.esg)
    page = client.get(f"/review/{accepted}").text
    assert 'id="decision-closed"' in page
    response = decide(client, accepted, "reject", "no")
    assert response.status_code == 409  # type: ignore[attr-defined]
