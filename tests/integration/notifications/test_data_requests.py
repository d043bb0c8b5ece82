"""Data requests to everyone bought from this year, and the due-date reminder sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from declarations_helpers import World, create
from fastapi.testclient import TestClient
from smtp_inbox import MailServer
from sqlmodel import Session, select

from portal.audit import Actor
from portal.clock import plant_today
from portal.datarequests import service
from portal.datarequests.models import DataRequestItem
from portal.errors import InvalidInput
from portal.notifications import outbox
from portal.notifications.sweeps import sweep_all
from portal.security import create_api_token

ESG = Actor(label="test: esg")


def _buy(client: TestClient, session: Session, world: World, supplier: str, po: str) -> None:
    """A purchase of primary ingot this year, recorded through the API as the ERP does."""
    _token, plain = create_api_token(session, world.buyer, f"ERP {po}")
    session.commit()
    response = client.post(
        "/api/v1/purchases",
        headers={"Authorization": f"Bearer {plain}"},
        json={
            "supplier": supplier,
            "material": "al_primary_ingot",
            "quantity_t": "10",
            "date": plant_today().isoformat(),
            "product_line": "alloy",
            "po_number": po,
            "exception_reason": "no declaration yet",
        },
    )
    assert response.status_code == 201, response.text


def test_everyone_bought_from_this_year_is_asked_and_reminded_once_when_due(
    client: TestClient,
    session: Session,
    world: World,
    engine,
    smtp: tuple[MailServer, int],  # type: ignore[no-untyped-def]
) -> None:
    server, _port = smtp
    today = plant_today()
    with pytest.raises(InvalidInput) as nothing_bought:
        service.create(
            session,
            actor=ESG,
            title="Ingot",
            message="",
            due_on=today + timedelta(days=5),
            material_codes=["al_primary_ingot"],
            supplier_ids=[],
            everyone_bought=True,
            today=today,
        )
    assert nothing_bought.value.field == "suppliers"
    session.rollback()
    _buy(client, session, world, "ACME", "PO-1")  # only ACME was bought from
    request = service.create(
        session,
        actor=ESG,
        title="Ingot",
        message="",
        due_on=today + timedelta(days=5),
        material_codes=["al_primary_ingot"],
        supplier_ids=[],
        everyone_bought=True,
        today=today,
    )
    session.commit()
    items = session.exec(select(DataRequestItem)).all()
    assert [(item.supplier_id, item.material_code) for item in items] == [
        (world.acme.id, "al_primary_ingot")
    ]
    assert request.bought_in_year == today.year

    # Due in 5 days: not yet; due in 3 days (the sweep run 2 days later): once.
    assert sweep_all(engine, today=today) == 0
    assert sweep_all(engine, today=today + timedelta(days=2)) == 1
    assert sweep_all(engine, today=today + timedelta(days=3)) == 0
    outbox.run_once(engine, sweep=False)
    subjects = [mail.subject for mail in server.to(world.acme_user.email)]
    assert len(subjects) == 2 and subjects[1].startswith(
        f"{(today + timedelta(days=5)).isoformat()} 截止"
    )
    # Overdue when the date has passed and nothing was submitted.
    [entry] = service.progress(session, request, today + timedelta(days=6))
    assert entry.state == "overdue"

    # A declaration for the material answers it: in review it is "submitted".
    create(session, world.acme, pcf_excluding_biogenic="4,300")  # PDF says 4.2: in review
    [entry] = service.progress(session, request, today + timedelta(days=6))
    assert entry.state == "submitted"
    assert sweep_all(engine, today=today + timedelta(days=4)) == 0  # answered: no due mail
