"""PACT clients (OAuth2 client credentials) and the short-lived bearer tokens they get."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.config import get_settings
from portal.db import DbSession, utcnow
from portal.errors import InvalidInput, NotFound
from portal.i18n import _
from portal.pact import crypto
from portal.pact.errors import PactError
from portal.pact.models import PactClient
from portal.security import sha256_hex

TOKEN_PREFIX = "pact1."  # noqa: S105 - a public marker, not a secret
TOKEN_LIFETIME_S = 3600
CLIENT_ID_PREFIX = "pact-"
MAX_NAME = 200


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str) -> str:
    key = hashlib.sha256(b"pact-token:" + get_settings().secret_key.encode()).digest()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


# --- clients ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewClient:
    """A client just created, with its secret (shown once, stored only as a hash)."""

    client: PactClient
    secret: str


def _check_url(url: str | None) -> str | None:
    url = (url or "").strip().rstrip("/")
    if not url:
        return None
    if not url.startswith("https://") or len(url) > 500 or any(c.isspace() for c in url):
        raise InvalidInput(
            _("Enter the host's address starting with https://."), field="callback_base_url"
        )
    return url


def create_client(
    db: Session,
    *,
    actor: Actor,
    name: str,
    callback_base_url: str | None = None,
    callback_client_id: str | None = None,
    callback_secret: str | None = None,
    supplier_id: int | None = None,
) -> NewClient:
    """A new PACT client for the customer company NAME; its secret is returned once."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("This field is required."), field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": MAX_NAME}, field="name")
    url = _check_url(callback_base_url)
    callback_client_id = (callback_client_id or "").strip() or None
    if (callback_client_id is None) != (not callback_secret):
        raise InvalidInput(
            _("Give both the client id and the secret of the customer's host, or neither."),
            field="callback_client_id",
        )
    secret = secrets.token_urlsafe(32)
    client = PactClient(
        client_id=CLIENT_ID_PREFIX + secrets.token_urlsafe(12),
        name=name,
        secret_hash=sha256_hex(secret),
        callback_base_url=url,
        callback_client_id=callback_client_id,
        callback_secret_encrypted=crypto.encrypt(callback_secret) if callback_secret else None,
        created_by_id=actor.user_id,
        supplier_id=supplier_id,
    )
    db.add(client)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="pact.client_created",
        entity_type="pact_client",
        entity_id=client.id,
        after={
            "client_id": client.client_id,
            "name": name,
            "callback_base_url": url,
            "supplier_id": supplier_id,
        },
    )
    return NewClient(client=client, secret=secret)


def list_clients(db: Session) -> list[PactClient]:
    """Every PACT client, newest first."""
    return list(db.exec(select(PactClient).order_by(col(PactClient.id).desc())).all())


def find_client(db: Session, client_id: str) -> PactClient | None:
    """The client with CLIENT_ID (the public identifier), if any."""
    return db.exec(select(PactClient).where(PactClient.client_id == client_id)).first()


def revoke_client(db: Session, *, actor: Actor, client_id: str) -> PactClient:
    """Revoke the client: its secret and every token it holds stop working at once."""
    client = find_client(db, client_id)
    if client is None:
        raise NotFound(_("No PACT client %(id)s.") % {"id": client_id})
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        db.add(client)
        db.flush()
        audit.record(
            db,
            actor=actor,
            action="pact.client_revoked",
            entity_type="pact_client",
            entity_id=client.id,
            after={"client_id": client.client_id},
        )
    return client


# --- tokens -------------------------------------------------------------------------------


def _basic_credentials(header: str) -> tuple[str, str] | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def issue_token(
    db: Session, *, authorization: str, grant_type: str | None, ip: str | None
) -> dict[str, Any]:
    """A bearer token for the client named by HTTP Basic AUTHORIZATION; PactError if not."""
    if grant_type != "client_credentials":
        raise PactError(400, "grant_type must be client_credentials", code="BadRequest")
    credentials = _basic_credentials(authorization)
    if credentials is None:
        raise PactError(400, "Client credentials are required as HTTP Basic authentication")
    client_id, secret = credentials
    client = find_client(db, client_id)
    actor = Actor(label=f"PACT client {client_id[:80]}", ip=ip)
    good = client is not None and hmac.compare_digest(client.secret_hash, sha256_hex(secret))
    if client is None or not good or client.revoked_at is not None:
        if client is not None:
            audit.record(
                db,
                actor=actor,
                action="pact.token_refused",
                entity_type="pact_client",
                entity_id=client.id,
                after={"reason": "revoked" if good else "wrong secret"},
            )
        raise PactError(400, "Invalid client credentials", code="BadRequest")
    expires = int(time.time()) + TOKEN_LIFETIME_S
    payload = _b64(json.dumps({"c": client.id, "e": expires, "n": secrets.token_hex(8)}).encode())
    client.last_token_at = utcnow()
    db.add(client)
    audit.record(
        db,
        actor=actor,
        action="pact.token_issued",
        entity_type="pact_client",
        entity_id=client.id,
        after={"expires_in": TOKEN_LIFETIME_S},
    )
    return {
        "access_token": f"{TOKEN_PREFIX}{payload}.{_signature(payload)}",
        "token_type": "bearer",
        "expires_in": TOKEN_LIFETIME_S,
    }


def client_for_token(db: Session, token: str) -> PactClient:
    """The live client a bearer TOKEN was issued to; PactError 401 when invalid or expired."""
    if not token.startswith(TOKEN_PREFIX):
        raise PactError(401, "Invalid access token")
    payload, _sep, signature = token[len(TOKEN_PREFIX) :].partition(".")
    if not hmac.compare_digest(_signature(payload), signature):
        raise PactError(401, "Invalid access token")
    try:
        claims = json.loads(_unb64(payload))
        client_pk, expires = int(claims["c"]), int(claims["e"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise PactError(401, "Invalid access token") from None
    if expires <= time.time():
        raise PactError(401, "The access token has expired")
    client = db.get(PactClient, client_pk)
    if client is None or client.revoked_at is not None:
        raise PactError(401, "Invalid access token")
    return client


# --- dependencies -------------------------------------------------------------------------


async def pact_transport(request: Request) -> None:
    """PACT is served over HTTPS only: over plain http its routes refuse to answer."""
    if request.url.scheme != "https":
        raise PactError(403, "PACT is served over HTTPS only", code="AccessDenied")


# Not a portal role: PACT routes take no browser session or portal API token; their callers
# prove themselves with PACT's own client credentials (the token endpoint) or bearer tokens.
pact_transport.allowed_roles = ()  # type: ignore[attr-defined]


def current_pact_client(request: Request, db: DbSession) -> PactClient:
    """The PACT client whose bearer token the request carries."""
    authorization = request.headers.get("authorization", "")
    if not authorization.lower().startswith("bearer "):
        raise PactError(401, "A bearer access token is required")
    return client_for_token(db, authorization[7:].strip())


def callback_secret(client: PactClient) -> str | None:
    """The customer host's secret for our callbacks, decrypted."""
    if not client.callback_secret_encrypted:
        return None
    return crypto.decrypt(client.callback_secret_encrypted)
