"""A reviewer sees the candidate footprints of a document and picks one with one click."""

from __future__ import annotations

import pdf_factory
from declarations_helpers import World, create, declared, signed_in
from fastapi.testclient import TestClient
from helpers import csrf_from
from sqlmodel import Session, select

from portal.audit import AuditEvent
from portal.declarations.models import Declaration, EvidenceFile
from portal.pdfreading import PdfReading


def _unsure(session: Session, world: World) -> int:
    """A declaration whose PDF states two labelled footprints: 4.2 (as typed) and 6.1."""
    lines = pdf_factory.english_declaration_lines(declared())
    lines.append("Carbon footprint (cradle-to-gate): 6.1 tCO2e/t")
    declaration = create(session, world.acme, body=pdf_factory.text_pdf(lines))
    assert declaration.status == "in_review"
    return int(declaration.id)


def _pick(client: TestClient, declaration_id: int, candidate: str) -> object:
    token = csrf_from(client.get(f"/review/{declaration_id}").text)
    return client.post(
        f"/review/{declaration_id}/footprint",
        data={"document": "declaration", "candidate": candidate, "csrf_token": token},
        follow_redirects=False,
    )


def _candidate_index(session: Session, declaration_id: int, t_per_t: str) -> str:
    evidence = session.exec(
        select(EvidenceFile).where(EvidenceFile.declaration_id == declaration_id)
    ).one()
    reading = PdfReading.from_dict(evidence.reading)
    values = [str(candidate.t_per_t) for candidate in reading.candidates]
    return str(values.index(t_per_t))


def test_an_unsure_choice_lists_the_candidates_and_the_reviewer_picks_one(
    client: TestClient, session: Session, world: World
) -> None:
    declaration_id = _unsure(session, world)
    signed_in(client, world.esg)
    page = client.get(f"/review/{declaration_id}").text
    assert "not sure which figure is the product&#39;s footprint" in page
    assert 'id="candidates-declaration"' in page and 'id="pick-declaration-1"' in page
    index = _candidate_index(session, declaration_id, "4.2")

    answer = _pick(client, declaration_id, index)

    assert answer.status_code == 303  # type: ignore[attr-defined]
    session.expire_all()
    declaration = session.get(Declaration, declaration_id)
    assert declaration is not None and declaration.status == "in_review"  # still to decide
    assert [m for m in declaration.pdf_mismatches if m["field"] == "pcf"] == []
    page = client.get(f"/review/{declaration_id}").text
    assert '<span id="chosen-declaration">4.2 tCO2e/t (= 4.2 tCO2e/t)</span>' in page
    assert "picked by a reviewer" in page
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "declaration.footprint_picked")
    ).one()
    assert event.entity_id == str(declaration_id) and event.actor == world.esg.email
    assert event.before["footprint"]["t_per_t"] != "4.2"
    assert event.after["footprint"]["t_per_t"] == "4.2"


def test_picking_a_figure_the_form_does_not_match_records_the_difference(
    client: TestClient, session: Session, world: World
) -> None:
    declaration_id = _unsure(session, world)
    signed_in(client, world.buyer)
    _pick(client, declaration_id, _candidate_index(session, declaration_id, "6.1"))
    session.expire_all()
    declaration = session.get(Declaration, declaration_id)
    assert declaration is not None
    [pcf] = [m for m in declaration.pdf_mismatches if m["field"] == "pcf"]
    assert (pcf["kind"], pcf["pdf_value"], pcf["form_value"]) == (
        "differs",
        "6.1 tCO2e/t",
        "4.2 tCO2e/t",
    )


def test_a_figure_not_listed_is_refused_by_name(
    client: TestClient, session: Session, world: World
) -> None:
    declaration_id = _unsure(session, world)
    signed_in(client, world.esg)
    answer = _pick(client, declaration_id, "99")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert "Choose one of the figures listed." in answer.text  # type: ignore[attr-defined]
    assert (
        session.exec(
            select(AuditEvent).where(AuditEvent.action == "declaration.footprint_picked")
        ).all()
        == []
    )
