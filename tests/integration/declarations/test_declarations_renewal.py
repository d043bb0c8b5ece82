"""Suppliers renew an accepted declaration before it expires, and withdraw one in review."""

from __future__ import annotations

import pdf_factory
from declarations_helpers import World, create, declared, form, pdf, signed_in, submit
from declarations_helpers import submitted_id as new_id
from fastapi.testclient import TestClient
from helpers import csrf_from
from sqlmodel import Session, select

from portal.audit import AuditEvent
from portal.declarations.models import Declaration, EvidenceFile


def _status(session: Session, declaration_id: int) -> tuple[str, str | None]:
    session.expire_all()
    found = session.get(Declaration, declaration_id)
    assert found is not None
    return found.status, found.superseded_status


def _files(session: Session, declaration_id: int) -> dict[str, tuple[str, str]]:
    rows = session.exec(
        select(EvidenceFile).where(EvidenceFile.declaration_id == declaration_id)
    ).all()
    return {row.kind: (row.sha256, row.original_name) for row in rows}


def _decide(client: TestClient, declaration_id: int, decision: str, comment: str = "") -> None:
    token = csrf_from(client.get(f"/review/{declaration_id}").text)
    response = client.post(
        f"/review/{declaration_id}/decision",
        data={"decision": decision, "comment": comment, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _renew(client: TestClient, old_id: int, files: dict[str, tuple[str, bytes, str]]) -> int:
    return new_id(
        submit(
            client,
            data=form(),
            files=files,
            action=f"/declarations/{old_id}/replace",
            form_page=f"/declarations/{old_id}/replace",
        )
    )


def test_a_renewal_in_review_leaves_the_accepted_version_in_force_until_it_is_accepted(
    client: TestClient, world: World, session: Session
) -> None:
    old = create(session, world.acme)
    assert old.status == "accepted"
    signed_in(client, world.acme_user)
    page = client.get(f"/declarations/{old.id}").text
    assert 'id="renew-link"' in page and 'id="replace-link"' not in page
    form_page = client.get(f"/declarations/{old.id}/replace").text
    assert "It stays valid until your new version is accepted" in form_page
    assert 'id="kept-declaration_pdf"' in form_page and "d.pdf" in form_page

    # The new PDF states 5.1 tCO2e/t where the form says 4.2: a person must look (in review).
    renewal = _renew(client, old.id, {"declaration_pdf": pdf(declared(pcf="5.1"))})
    assert _status(session, renewal) == ("in_review", None)
    assert _status(session, old.id) == ("accepted", None)  # still the version in force
    page = client.get(f"/declarations/{old.id}").text
    assert 'id="renewal-note"' in page and "This version stays valid" in page
    assert 'id="renew-link"' not in page

    signed_in(client, world.esg)
    _decide(client, renewal, "accept", "Checked: the new study is right.")
    assert _status(session, renewal) == ("accepted", None)
    assert _status(session, old.id) == ("superseded", "accepted")
    actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["declaration.accepted", "declaration.superseded"]


def test_a_renewal_without_new_files_keeps_the_old_ones_and_supersedes_when_accepted(
    client: TestClient, world: World, session: Session
) -> None:
    old = create(session, world.acme)
    signed_in(client, world.acme_user)
    # No file chosen: the old declaration PDF (4.2 tCO2e/t, as typed) is kept, so it passes.
    renewal = _renew(client, old.id, {})
    assert _status(session, renewal) == ("accepted", None)
    assert _status(session, old.id) == ("superseded", "accepted")
    assert _files(session, renewal) == _files(session, old.id)
    assert _files(session, renewal)["declaration"][1] == "d.pdf"
    submitted = session.exec(
        select(AuditEvent).where(AuditEvent.action == "declaration.submitted")
    ).all()[-1]
    assert submitted.after["files"][0]["kept_from"] == old.id


def test_a_rejected_renewal_keeps_the_old_version_and_can_itself_be_replaced(
    client: TestClient, world: World, session: Session
) -> None:
    old = create(session, world.acme)
    signed_in(client, world.acme_user)
    renewal = _renew(client, old.id, {"declaration_pdf": pdf(declared(pcf="5.1"))})
    signed_in(client, world.esg)
    _decide(client, renewal, "reject", "The PDF says 5.1.")
    assert _status(session, old.id) == ("accepted", None)

    signed_in(client, world.acme_user)
    refused = client.get(f"/declarations/{old.id}/replace", follow_redirects=False)
    assert refused.status_code == 409  # not a silent redirect: it says why
    assert "Version 2 already follows this one (rejected)" in refused.text
    assert f'href="/declarations/{renewal}" id="refused-successor-link"' in refused.text

    third = new_id(
        submit(
            client,
            data=form(),
            files={"declaration_pdf": pdf()},
            action=f"/declarations/{renewal}/replace",
            form_page=f"/declarations/{renewal}/replace",
        )
    )
    assert _status(session, third) == ("accepted", None)
    assert _status(session, renewal) == ("superseded", "rejected")
    assert _status(session, old.id) == ("superseded", "accepted")


def test_a_supplier_withdraws_a_declaration_in_review_and_reviewers_no_longer_see_it(
    client: TestClient, world: World, session: Session
) -> None:
    waiting = create(session, world.acme, body=pdf_factory.english_declaration(declared(pcf="5.1")))
    assert waiting.status == "in_review"
    signed_in(client, world.acme_user)
    refused = client.get(f"/declarations/{waiting.id}/replace")
    assert refused.status_code == 409
    assert "Withdraw it first" in refused.text
    page = client.get(f"/declarations/{waiting.id}").text
    token = csrf_from(page)
    assert 'id="withdraw-form"' in page
    response = client.post(
        f"/declarations/{waiting.id}/withdraw",
        data={"reason": "Wrong PDF attached", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _status(session, waiting.id) == ("withdrawn", None)
    page = client.get(f"/declarations/{waiting.id}").text
    assert "withdrawn" in page and "Wrong PDF attached" in page
    assert 'id="replace-link"' in page and 'id="withdraw-form"' not in page
    again = client.post(
        f"/declarations/{waiting.id}/withdraw",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert "Only a declaration in review can be withdrawn: this one is withdrawn." in again.text
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "declaration.withdrawn")
    ).one()
    assert event.actor == world.acme_user.email and event.after["reason"] == "Wrong PDF attached"

    signed_in(client, world.esg)
    assert f'id="queue-{waiting.id}"' not in client.get("/review").text
    token = csrf_from(client.get(f"/review/{waiting.id}").text)
    late = client.post(
        f"/review/{waiting.id}/decision",
        data={"decision": "accept", "csrf_token": token},
        follow_redirects=False,
    )
    assert late.status_code == 409


def test_another_company_cannot_withdraw_a_declaration(
    client: TestClient, world: World, session: Session
) -> None:
    theirs = create(session, world.other, body=pdf_factory.english_declaration(declared(pcf="5.1")))
    signed_in(client, world.acme_user)
    token = csrf_from(client.get("/declarations").text)
    response = client.post(
        f"/declarations/{theirs.id}/withdraw", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 404
    assert _status(session, theirs.id) == ("in_review", None)
