"""Answers owed to other PACT hosts: delivered, retried with backoff, kept across restarts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pact_helpers import SETUP, Published
from pact_servers import Receiver, Tls, free_port, make_tls, receiver
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from portal import config
from portal.audit import AuditEvent
from portal.cli import app as cli
from portal.db import utcnow
from portal.pact import auth, outbox
from portal.pact.config import get_pact_settings
from portal.pact.models import PactClient, PactOutbox

ALLOY = "urn:pact:plant.example:product-id:alloy"


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tls:
    """A certificate the outbox trusts for the receiver."""
    made = make_tls(tmp_path / "tls")
    monkeypatch.setenv("PORTAL_PACT_CA_FILE", str(made.cert))
    monkeypatch.setenv("PORTAL_PACT_CALLBACK_TIMEOUT_S", "2")
    get_pact_settings.cache_clear()
    return made


@pytest.fixture
def recipient(tls: Tls) -> Iterator[Receiver]:
    """The requester's host."""
    with receiver(tls) as running:
        yield running


def _owed(session: Session, target: str, client_id: str, secret: str, product: str = ALLOY) -> int:
    client = auth.create_client(
        session,
        actor=SETUP,
        name="Buyer AG",
        callback_base_url=target,
        callback_client_id=client_id,
        callback_secret=secret,
    ).client
    row = PactOutbox(
        client_pk=client.id or 0,
        kind="answer",
        api_version=3,
        request_event={
            "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
            "id": "req-1",
            "data": {"productId": [product]},
        },
        target=target,
    )
    session.add(row)
    session.commit()
    assert row.id is not None
    return row.id


def test_a_refused_delivery_is_retried_with_backoff_then_delivered(
    session: Session, engine: Engine, published: Published, recipient: Receiver
) -> None:
    row_id = _owed(session, recipient.url, recipient.client_id, recipient.secret)
    recipient.refuse_events = 1
    assert outbox.run_once(engine) == {"pending": 1}
    row = session.get(PactOutbox, row_id)
    assert row is not None
    session.refresh(row)
    assert row.status == "pending" and row.attempts == 1 and "HTTP 503" in (row.last_error or "")
    wait = row.next_attempt_at - utcnow()
    assert timedelta(seconds=3) < wait <= timedelta(seconds=5)  # first retry after 5 s
    assert outbox.run_once(engine) == {}  # not due yet: nothing claimed
    row.next_attempt_at = utcnow()
    session.add(row)
    session.commit()
    assert outbox.run_once(engine) == {"sent": 1}
    [event] = recipient.wait_for(1, timeout_s=5)
    assert event["data"]["requestEventId"] == "req-1"
    session.refresh(row)
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None
    actions = session.exec(
        select(AuditEvent.action).where(AuditEvent.entity_type == "pact_outbox")
    ).all()
    assert list(actions) == ["pact.answer_retrying", "pact.answer_sent"]


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert outbox.retry_delay(30) == timedelta(hours=1)


def test_an_unreachable_host_keeps_the_answer_owed_until_72_hours_then_gives_up(
    session: Session, engine: Engine, published: Published, tls: Tls
) -> None:
    row_id = _owed(session, f"https://127.0.0.1:{free_port()}", "id", "secret")
    assert outbox.run_once(engine) == {"pending": 1}
    row = session.get(PactOutbox, row_id)
    assert row is not None
    session.refresh(row)
    assert "ConnectError" in (row.last_error or "")
    row.created_at = utcnow() - timedelta(hours=73)
    row.next_attempt_at = utcnow()
    session.add(row)
    session.commit()
    assert outbox.run_once(engine) == {"failed": 1}
    session.refresh(row)
    assert row.status == "failed"


def test_wrong_credentials_at_the_requesters_host_are_named(
    session: Session, engine: Engine, published: Published, recipient: Receiver
) -> None:
    row_id = _owed(session, recipient.url, recipient.client_id, "not-its-secret")
    outbox.run_once(engine)
    row = session.get(PactOutbox, row_id)
    assert row is not None
    session.refresh(row)
    assert row.status == "pending" and (row.last_error or "").startswith("token: HTTP 400")


def test_a_claimed_row_is_not_claimed_again_while_leased(
    session: Session, engine: Engine, published: Published, recipient: Receiver
) -> None:
    _owed(session, recipient.url, recipient.client_id, recipient.secret)
    first = outbox.claim(engine)
    assert len(first) == 1
    assert outbox.claim(engine) == []  # another worker skips the leased row
    assert outbox.claim(engine, now=utcnow() + outbox.LEASE + timedelta(seconds=1)) == first


def test_the_command_line_delivers_what_a_stopped_server_left_owed(
    session: Session, published: Published, recipient: Receiver, settings: config.Settings
) -> None:
    _owed(session, recipient.url, recipient.client_id, recipient.secret)
    result = CliRunner().invoke(cli, ["pact", "outbox", "run"])
    assert result.exit_code == 0, result.output
    assert "sent: 1" in result.output
    assert recipient.wait_for(1, timeout_s=5)[0]["type"].endswith("RequestFulfilledEvent.3")
    assert session.exec(select(PactClient)).one().callback_client_id == recipient.client_id
