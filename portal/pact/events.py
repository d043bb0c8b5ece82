"""PACT events received (CloudEvents): requests to answer later, notices to record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from portal import audit
from portal.audit import Actor
from portal.pact.errors import PactError
from portal.pact.models import PactClient, PactOutbox

V3 = "org.wbcsd.pact.ProductFootprint."
TYPES: dict[str, tuple[int, str]] = {
    V3 + "RequestCreatedEvent.3": (3, "created"),
    V3 + "RequestFulfilledEvent.3": (3, "fulfilled"),
    V3 + "RequestRejectedEvent.3": (3, "rejected"),
    V3 + "PublishedEvent.3": (3, "published"),
    "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1": (2, "created"),
    "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1": (2, "fulfilled"),
    "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1": (2, "rejected"),
    "org.wbcsd.pathfinder.ProductFootprint.Published.v1": (2, "published"),
}
OUTGOING = {
    3: {
        "fulfilled": V3 + "RequestFulfilledEvent.3",
        "rejected": V3 + "RequestRejectedEvent.3",
    },
    2: {
        "fulfilled": "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1",
        "rejected": "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1",
    },
}
MEDIA_TYPES = ("application/cloudevents+json", "application/json")
EVENT_PATH_SUFFIXES = ("/3/events", "/2/events", "/events")


@dataclass(frozen=True)
class Received:
    """What was done with an event."""

    kind: str
    outbox_id: int | None = None


def _text(event: dict[str, Any], name: str) -> str:
    value = event.get(name)
    if not isinstance(value, str) or not value.strip():
        raise PactError(400, f"The event's {name} is missing or not a string")
    return value


def callback_base(source: str) -> str:
    """The requester's base URL from an event's source (`//host/3/events` forms included)."""
    base = source.strip()
    if base.startswith("//"):
        base = "https:" + base
    for suffix in EVENT_PATH_SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base.rstrip("/")


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def check_callback(client: PactClient, base: str) -> None:
    """Refuse to call back anywhere but the client's registered host, over HTTPS."""
    parts = urlsplit(base)
    if parts.scheme != "https" or not parts.hostname:
        raise PactError(400, "The event's source must be an https:// address to answer to")
    if client.callback_client_id is None or client.callback_secret_encrypted is None:
        raise PactError(
            400, "No credentials for this client's host are registered, so no answer can be sent"
        )
    if client.callback_base_url and base.rstrip("/") != client.callback_base_url.rstrip("/"):
        raise PactError(400, "The event's source is not this client's registered host")


def receive(
    db: Session, *, client: PactClient, event: Any, path_version: int, ip: str | None
) -> Received:
    """Validate EVENT, queue the answer a request is owed, record everything in the audit."""
    if not isinstance(event, dict):
        raise PactError(400, "The event must be a JSON object")
    event_type = _text(event, "type")
    for name in ("specversion", "id", "source", "time"):
        _text(event, name)
    data = event.get("data")
    if not isinstance(data, dict):
        raise PactError(400, "The event's data must be an object")
    known = TYPES.get(event_type)
    if known is None or known[0] != path_version:
        raise PactError(400, f"Unsupported event type {event_type[:120]}")
    version, kind = known
    actor = Actor(label=f"PACT client {client.client_id}", ip=ip)
    outbox_id = None
    if kind == "published":
        ids = data.get("pfIds")
        if not isinstance(ids, list) or not all(_is_uuid(item) for item in ids):
            raise PactError(400, "pfIds must be a list of UUIDs")
        if client.supplier_id is not None and ids:  # a supplier's host: pull what it published
            row = PactOutbox(
                client_pk=client.id or 0,
                kind="pull",
                api_version=version,
                request_event=event,
                target="",
            )
            db.add(row)
            db.flush()
            outbox_id = row.id
    elif kind == "created":
        if version == 2 and not isinstance(data.get("pf"), dict):
            raise PactError(400, "The request's data.pf must be an object")
        base = callback_base(event["source"])
        check_callback(client, base)
        row = PactOutbox(
            client_pk=client.id or 0,
            kind="answer",
            api_version=version,
            request_event=event,
            target=base,
        )
        db.add(row)
        db.flush()
        outbox_id = row.id
    elif kind == "fulfilled":
        if not isinstance(data.get("requestEventId"), str) or not isinstance(data.get("pfs"), list):
            raise PactError(400, "A fulfilled event needs data.requestEventId and data.pfs")
    elif kind == "rejected" and (
        not isinstance(data.get("requestEventId"), str) or not isinstance(data.get("error"), dict)
    ):
        raise PactError(400, "A rejected event needs data.requestEventId and data.error")
    audit.record(
        db,
        actor=actor,
        action=f"pact.event_{kind}",
        entity_type="pact_client",
        entity_id=client.id,
        after={
            "event_id": event["id"][:200],
            "type": event_type,
            "source": event["source"][:500],
            **({"pfIds": data["pfIds"]} if kind == "published" else {}),
            **({"outbox_id": outbox_id} if outbox_id else {}),
        },
    )
    return Received(kind=kind, outbox_id=outbox_id)
