"""A rejected or expired declaration is replaced by a new version; the old one stays."""

from __future__ import annotations

import threading
from datetime import timedelta

import pdf_factory
from declarations_helpers import (
    World,
    create,
    declared,
    form,
    pdf,
    signed_in,
    submit,
    submitted_id,
)
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal.audit import Actor, AuditEvent
from portal.clock import plant_today
from portal.config import get_settings
from portal.declarations import service
from portal.declarations.models import Declaration
from portal.errors import Conflict


def rejected(session: Session, world: World) -> Declaration:
    declaration = create(
        session,
        world.acme,
        body=pdf_factory.english_declaration(declared(pcf="16.8")),
        pcf_excluding_biogenic="16,800",
    )
    assert declaration.status == "rejected"
    return declaration


def test_a_rejected_declaration_is_replaced_and_the_versions_link_both_ways(
    client: TestClient, world: World, session: Session
) -> None:
    old = rejected(session, world)
    before = old.model_dump(exclude={"status"})
    signed_in(client, world.acme_user)
    page = client.get(f"/declarations/{old.id}").text
    assert 'id="replace-link"' in page

    form_page = client.get(f"/declarations/{old.id}/replace").text
    assert 'value="16,800"' not in form_page and 'value="16800"' in form_page  # filled in
    assert 'id="material-fixed"' in form_page
    new_id = submitted_id(
        submit(
            client,
            data=form(pcf_excluding_biogenic="14,600"),
            files={"declaration_pdf": pdf(declared(pcf="14.6"))},
            action=f"/declarations/{old.id}/replace",
            form_page=f"/declarations/{old.id}/replace",
        )
    )
    session.expire_all()
    new = session.get(Declaration, new_id)
    old_again = session.get(Declaration, old.id)
    assert new is not None and old_again is not None
    assert (new.version, new.supersedes_id, new.status) == (2, old.id, "accepted")
    assert (old_again.status, old_again.superseded_status) == ("superseded", "rejected")
    assert old_again.model_dump(exclude={"status", "superseded_status"}) == {
        key: value for key, value in before.items() if key != "superseded_status"
    }  # never edited in place: only where it stands changes

    new_page = client.get(f"/declarations/{new_id}").text
    assert 'id="predecessor-link">version 1</a>' in new_page
    assert 'id="version-1"' in new_page and 'id="version-2" aria-current="true"' in new_page
    old_page = client.get(f"/declarations/{old.id}").text
    assert f'href="/declarations/{new_id}" id="successor-link"' in old_page
    assert 'id="replace-link"' not in old_page
    actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["declaration.superseded", "declaration.submitted"]


def test_an_accepted_declaration_still_valid_is_renewed_not_replaced(
    client: TestClient, world: World, session: Session
) -> None:
    current = create(session, world.acme)
    signed_in(client, world.acme_user)
    page = client.get(f"/declarations/{current.id}").text
    assert 'id="replace-link"' not in page and 'id="renew-link"' in page
    response = client.get(f"/declarations/{current.id}/replace", follow_redirects=False)
    assert response.status_code == 200
    assert "It stays valid until your new version is accepted" in response.text


def test_an_expired_declaration_can_be_replaced(
    client: TestClient, world: World, session: Session
) -> None:
    current = create(session, world.acme)
    session.execute(
        update(Declaration)
        .where(Declaration.id == current.id)  # type: ignore[arg-type]
        .values(valid_until=plant_today() - timedelta(days=1))
    )
    session.commit()
    signed_in(client, world.acme_user)
    page = client.get("/declarations").text
    assert f'href="/declarations/{current.id}/replace"' in page
    new_id = submitted_id(
        submit(
            client,
            action=f"/declarations/{current.id}/replace",
            form_page=f"/declarations/{current.id}/replace",
        )
    )
    session.expire_all()
    old = session.get(Declaration, current.id)
    assert old is not None and old.status == "superseded"
    assert new_id != current.id


def test_a_new_version_must_be_for_the_same_material(
    client: TestClient, world: World, session: Session
) -> None:
    old = rejected(session, world)
    signed_in(client, world.acme_user)
    response = submit(
        client,
        data=form(material_code="al_billet"),
        action=f"/declarations/{old.id}/replace",
        form_page=f"/declarations/{old.id}/replace",
    )
    assert response.status_code == 422
    assert "A new version must be for the same material." in response.text


def test_a_version_can_be_replaced_only_once(
    client: TestClient, world: World, session: Session
) -> None:
    old = rejected(session, world)
    signed_in(client, world.acme_user)
    replace = f"/declarations/{old.id}/replace"
    first = submit(
        client,
        data=form(pcf_excluding_biogenic="16,700"),
        files={"declaration_pdf": pdf(declared(pcf="16.7"))},
        action=replace,
        form_page=replace,
    )
    assert first.status_code == 303
    second = submit(client, action=replace, form_page=f"/declarations/{old.id}")
    assert second.status_code == 409
    versions = session.exec(select(Declaration).where(Declaration.supersedes_id == old.id)).all()
    assert len(versions) == 1


def test_another_companys_declaration_cannot_be_replaced(
    client: TestClient, world: World, session: Session
) -> None:
    theirs = create(
        session,
        world.other,
        body=pdf_factory.english_declaration(declared(pcf="16.8")),
        pcf_excluding_biogenic="16,800",
    )
    signed_in(client, world.acme_user)
    response = submit(
        client, action=f"/declarations/{theirs.id}/replace", form_page="/declarations/new"
    )
    assert response.status_code == 404


def test_two_replacements_at_the_same_moment_make_exactly_one_new_version(
    engine: Engine, world: World, session: Session
) -> None:
    old_id = rejected(session, world).id
    assert world.acme.id is not None
    results: list[str] = []
    submitted, release = threading.Event(), threading.Event()

    def replace(pcf: str, holds: bool) -> None:
        with Session(engine) as db:
            try:
                service.submit(
                    db,
                    actor=Actor(label=pcf),
                    supplier_id=world.acme.id,  # type: ignore[arg-type]
                    submitted_by_id=None,
                    raw=form(pcf_excluding_biogenic=pcf),
                    uploads=[service.Upload("declaration_pdf", "d.pdf", pdf()[1])],
                    settings=get_settings(),
                    supersedes_id=old_id,
                )
                if holds:
                    submitted.set()
                    release.wait(10)
                db.commit()
                results.append(pcf)
            except Conflict:
                db.rollback()
                results.append("conflict")

    first = threading.Thread(target=replace, args=("4,200", True))
    first.start()
    assert submitted.wait(10)
    second = threading.Thread(target=replace, args=("4,300", False))
    second.start()
    second.join(0.5)
    release.set()
    first.join(30)
    second.join(30)
    assert sorted(results) == ["4,200", "conflict"]
    session.expire_all()
    versions = session.exec(select(Declaration).where(Declaration.supersedes_id == old_id)).all()
    assert [version.pcf_excluding_biogenic for version in versions] == [4200]
