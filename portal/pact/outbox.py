"""Events the portal owes other PACT hosts, delivered with httpx, retried with backoff.

Rows are claimed with FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite serialises writers), leased
for a while, and delivered outside any transaction; a restart finds unanswered rows again.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.config import get_settings
from portal.db import utcnow
from portal.errors import NotFound
from portal.pact import filters, mapping, publishing
from portal.pact.auth import callback_secret
from portal.pact.config import get_pact_settings
from portal.pact.events import OUTGOING
from portal.pact.models import PactClient, PactOutbox
from portal.pact.served import record_served
from portal.suppliers.models import Supplier
from portal.workers import background
from portal.workers.background import BackgroundThread

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
FIRST_RETRY_S = 5.0
LONGEST_RETRY_S = 3600.0
MAX_RESPONSE_BYTES = 64 * 1024
ACTOR = Actor(label="system: PACT outbox")
_wake = threading.Event()


def wake_outbox() -> None:
    """Have the background worker look for owed events now."""
    _wake.set()


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after ATTEMPTS failed deliveries: 5 s, 10 s, 20 s … at most 1 h."""
    return timedelta(seconds=min(FIRST_RETRY_S * 2 ** max(attempts - 1, 0), LONGEST_RETRY_S))


def claim(engine: Engine, *, limit: int = 10, now: datetime | None = None) -> list[int]:
    """Lease up to LIMIT due rows to this worker; others skip them."""
    now = now or utcnow()
    with Session(engine) as db, db.begin():
        rows = db.exec(
            select(PactOutbox)
            .where(
                PactOutbox.status == "pending",
                col(PactOutbox.next_attempt_at) <= now,
                or_(col(PactOutbox.claimed_until).is_(None), col(PactOutbox.claimed_until) < now),
            )
            .order_by(col(PactOutbox.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            row.claimed_until = now + LEASE
            db.add(row)
        return [row.id for row in rows if row.id is not None]


def request_filters(event: dict[str, Any], version: int) -> filters.Filters:
    """The criteria of a RequestCreated event (v2's `pf` fragment: its product and company ids)."""
    data = event.get("data") or {}
    if version == 3:
        return filters.from_event_data(data)
    fragment = data.get("pf") or {}
    criteria: dict[str, Any] = {}
    if fragment.get("productIds"):
        criteria["productId"] = fragment["productIds"]
    if fragment.get("companyIds"):
        criteria["companyId"] = fragment["companyIds"]
    return filters.from_event_data(criteria)


@dataclass(frozen=True)
class Answer:
    """The event to send back and the footprints it carries."""

    body: dict[str, Any]
    footprint_ids: list[str]


def answer_for(db: Session, row: PactOutbox) -> Answer:
    """RequestFulfilled with the matching footprints, or RequestRejected when none match."""
    version = row.api_version
    wanted = request_filters(row.request_event, version)
    found = [
        (footprint, publishing.served_body(footprint))
        for footprint in publishing.all_footprints(db)
        if not wanted.empty and filters.matches(wanted, publishing.served_body(footprint))
    ]
    base = get_settings().base_url.rstrip("/")
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": f"{base}/{version}/events",
        "time": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    request_id = str(row.request_event.get("id", ""))
    if found:
        pfs = [
            body if version == 3 else mapping.v2_footprint(body, version=publishing.version_of(fp))
            for fp, body in found
        ]
        event["type"] = OUTGOING[version]["fulfilled"]
        event["data"] = {"requestEventId": request_id, "pfs": pfs}
        return Answer(event, [fp.id for fp, _b in found])
    event["type"] = OUTGOING[version]["rejected"]
    message = (
        "The request names no criteria to find footprints by."
        if wanted.empty
        else "No published footprint matches the request's criteria."
    )
    event["data"] = {
        "requestEventId": request_id,
        "error": {"code": "NotFound", "message": message},
    }
    return Answer(event, [])


class DeliveryFailed(Exception):
    """The requester's host did not take the event; the message says why."""


def _client() -> httpx.Client:
    settings = get_pact_settings()
    verify: Any = True
    if settings.ca_file is not None:
        import ssl

        verify = ssl.create_default_context(cafile=str(settings.ca_file))
    return httpx.Client(
        timeout=httpx.Timeout(settings.callback_timeout_s),
        follow_redirects=False,
        verify=verify,
    )


def _short(response: httpx.Response) -> str:
    return response.text[:300].replace("\n", " ")


def send(target: str, client_id: str, secret: str, event: dict[str, Any], version: int) -> None:
    """Get a token from TARGET and post EVENT to its events endpoint; DeliveryFailed if not."""
    try:
        with _client() as http:
            token = http.post(
                f"{target}/auth/token",
                data={"grant_type": "client_credentials"},
                auth=(client_id, secret),
            )
            if token.status_code != 200:
                raise DeliveryFailed(f"token: HTTP {token.status_code} {_short(token)}")
            try:
                access = token.json()["access_token"]
            except (ValueError, KeyError, TypeError):
                raise DeliveryFailed("token: no access_token in the answer") from None
            posted = http.post(
                f"{target}/{version}/events",
                content=_json(event),
                headers={
                    "Content-Type": "application/cloudevents+json",
                    "Authorization": f"Bearer {access}",
                },
            )
            if not 200 <= posted.status_code < 300:
                raise DeliveryFailed(f"events: HTTP {posted.status_code} {_short(posted)}")
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}"[:500]) from None


def _json(event: dict[str, Any]) -> bytes:
    import json

    return json.dumps(event, ensure_ascii=False).encode()


def deliver(engine: Engine, outbox_id: int) -> str:
    """Deliver one claimed row; its new status (sent / pending / failed)."""
    answer: Answer | None = None
    supplier_code: str | None = None
    with Session(engine, expire_on_commit=False) as db:
        row = db.get(PactOutbox, outbox_id)
        client = db.get(PactClient, row.client_pk) if row else None
        if row is None or client is None or row.status != "pending":
            return "gone"
        if row.kind == "pull":
            supplier = db.get(Supplier, client.supplier_id) if client.supplier_id else None
            supplier_code = supplier.code if supplier else None
        else:
            answer = answer_for(db, row)
        secret = callback_secret(client)
        client_id = client.callback_client_id
        target, version = row.target, row.api_version
        db.rollback()  # no transaction is held while another host is called
    error = None
    try:
        if answer is None:
            error = _pull(engine, supplier_code)
        elif not client_id or secret is None:
            raise DeliveryFailed("no usable credentials for the client's host")
        else:
            send(target, client_id, secret, answer.body, version)
    except DeliveryFailed as failed:
        error = str(failed)
    now = utcnow()
    with Session(engine) as db, db.begin():
        fresh = db.get(PactOutbox, outbox_id)
        assert fresh is not None
        fresh.attempts += 1
        fresh.claimed_until = None
        if error is None:
            fresh.status, fresh.sent_at, fresh.last_error = "sent", now, None
        else:
            fresh.last_error = error[:2000]
            give_up = timedelta(hours=get_pact_settings().outbox_give_up_hours)
            if now - fresh.created_at.astimezone(UTC) >= give_up:
                fresh.status = "failed"
            else:
                fresh.next_attempt_at = now + retry_delay(fresh.attempts)
        db.add(fresh)
        if error is None and answer is not None:
            record_served(client_pk=fresh.client_pk, footprint_ids=answer.footprint_ids, db=db)
        if fresh.status != "pending" or fresh.attempts == 1:
            outcome = "retrying" if fresh.status == "pending" else fresh.status
            audit.record(
                db,
                actor=ACTOR,
                action=f"pact.{'pull' if answer is None else 'answer'}_{outcome}",
                entity_type="pact_outbox",
                entity_id=outbox_id,
                after={
                    "type": answer.body["type"] if answer else "pull",
                    "target": fresh.target,
                    "attempts": fresh.attempts,
                    **({"error": error} if error else {}),
                },
            )
        return fresh.status


def _pull(engine: Engine, supplier_code: str | None) -> str | None:
    """Pull the notifying supplier's footprints; why not, if the pull failed."""
    from portal.pact.pulling import pull

    if supplier_code is None:
        return "the client is no supplier's"
    try:
        report = pull(engine, actor=ACTOR, supplier_code=supplier_code)
    except NotFound:
        return f"no PACT host is set for supplier {supplier_code}"
    return report.error


def run_once(engine: Engine) -> dict[str, int]:
    """Deliver every due row once; counts by outcome."""
    counts: dict[str, int] = {}
    while True:
        ids = claim(engine)
        if not ids:
            return counts
        for outbox_id in ids:
            status = deliver(engine, outbox_id)
            counts[status] = counts.get(status, 0) + 1


def run_forever(engine: Engine, stop: threading.Event, poll_s: float) -> None:
    """Deliver owed events until STOP is set, woken early by new requests."""
    while not stop.is_set():
        try:
            run_once(engine)
        except Exception:  # a bad row or a database outage must not end the worker
            log.exception("PACT outbox run failed")
        _wake.wait(poll_s)
        _wake.clear()


def start_in_background() -> BackgroundThread | None:
    """The serving process's outbox thread, unless turned off (and off by default in tests)."""
    from portal.db import get_engine

    settings = get_pact_settings()
    engine, poll_s = get_engine(), settings.outbox_poll_s
    return background.start(
        "pact-outbox",
        lambda stop: run_forever(engine, stop, poll_s),
        wake=_wake.set,
        enabled=settings.outbox_in_app,
    )
