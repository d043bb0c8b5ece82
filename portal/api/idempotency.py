"""Idempotency-Key on the API's writes: a retried request is answered, never carried out twice.

The middleware reads the request whole and fingerprints it; `claim_idempotency_key` (a
dependency of every /api/v1 route, after authentication) inserts the key in the request's own
transaction, so the key and what the request wrote commit together or not at all. A second
request with the key waits on the unique index until the first has committed, then replays
the first's answer, stored by the middleware right after the first one's commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.api.models import MAX_KEY_LENGTH, IdempotencyKey
from portal.config import get_settings
from portal.db import READ_ONLY_OPTION, DbSession, get_engine, utcnow
from portal.errors import Conflict, InvalidInput
from portal.i18n import _
from portal.security import CurrentPrincipal, sha256_hex

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_STORED_BODY = 1024 * 1024  # API answers are small; a larger one is passed on, not kept
WAIT_FOR_ANSWER_S = 10.0  # how long a repeat waits for the first request's answer
KEPT_HEADERS = ("content-type", "location", "content-language")
PURGE_EVERY_S = 600.0
_last_purge = 0.0


@dataclass
class Answer:
    """A stored answer, to be sent again."""

    status_code: int
    headers: list[list[str]]
    body: bytes


@dataclass
class Pending:
    """What the middleware and the dependency know about one keyed request."""

    key: str
    fingerprint: str
    outcome: str | None = None  # claimed / replay / in_flight / mismatch
    scope: str | None = None
    row_id: int | None = None
    answer: Answer | None = field(default=None, repr=False)


class KeyAnswered(Conflict):
    """The key's request was answered before: the middleware sends that answer instead."""


def key_problem(key: str) -> str | None:
    """Why KEY cannot be an Idempotency-Key, or None."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return _("The Idempotency-Key header must have 1 to %(n)d characters.") % {
            "n": MAX_KEY_LENGTH
        }
    if any(not 0x21 <= ord(char) <= 0x7E for char in key):
        return _("The Idempotency-Key header may hold only visible ASCII characters.")
    return None


def fingerprint(method: str, path: str, query: bytes, content_type: str, body: bytes) -> str:
    """A hash of what the request asks: JSON compared by value, multipart without its boundary."""
    kind, _sep, params = content_type.partition(";")
    kind = kind.strip().lower()
    if kind == "application/json":
        with contextlib.suppress(ValueError):
            body = json.dumps(
                json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
    elif kind == "multipart/form-data":
        # A retry of the same form usually comes with a new random boundary.
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.lower() == "boundary" and value.strip('"'):
                body = body.replace(value.strip('"').encode("latin-1"), b"")
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, kind.encode()):
        digest.update(len(part).to_bytes(8, "big") + part)
    digest.update(body)
    return digest.hexdigest()


def _scope_of(request: Request, principal: Any) -> str:
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return sha256_hex(authorization[7:].strip())
    return f"user:{principal.user.id}"


def _find(db: Session, scope: str, key: str) -> IdempotencyKey | None:
    statement = select(IdempotencyKey).where(
        IdempotencyKey.scope == scope, IdempotencyKey.key == key
    )
    return db.exec(statement.execution_options(populate_existing=True)).first()


async def claim_idempotency_key(
    request: Request, db: DbSession, principal: CurrentPrincipal
) -> None:
    """Take the request's Idempotency-Key in its transaction, or say why the request stops."""
    pending: Pending | None = getattr(request.state, "idempotency", None)
    if pending is not None:  # else nothing to do: no hop to the thread pool on every request
        await run_in_threadpool(_claim, db, pending, _scope_of(request, principal))


def _claim(db: Session, pending: Pending, scope: str) -> None:
    pending.scope = scope
    now = utcnow()
    existing = _find(db, scope, pending.key)
    if existing is not None and existing.expires_at <= now:
        db.delete(existing)  # kept long enough: the key may be used again
        db.flush()
        existing = None
    if existing is None:
        hours = get_settings().idempotency_key_hours
        row = IdempotencyKey(
            scope=scope,
            key=pending.key,
            fingerprint=pending.fingerprint,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
        try:
            with db.begin_nested():
                db.add(row)
                db.flush()
        except IntegrityError:  # a request with the same key committed meanwhile
            existing = _find(db, scope, pending.key)
        else:
            pending.outcome, pending.row_id = "claimed", row.id
            return
    if existing is None:  # the other request's key expired and was removed meanwhile
        raise Conflict(_("A request with this Idempotency-Key is being processed. Try again."))
    if existing.fingerprint != pending.fingerprint:
        pending.outcome = "mismatch"
        raise InvalidInput(
            _(
                "This Idempotency-Key was already used for a different request. Use a new "
                "key for a new request."
            ),
            field=HEADER,
        )
    if existing.completed_at is not None and existing.status_code is not None:
        pending.outcome = "replay"
        pending.answer = Answer(
            existing.status_code, existing.response_headers or [], existing.response_body or b""
        )
        raise KeyAnswered()
    pending.outcome = "in_flight"
    raise Conflict(_("A request with this Idempotency-Key is being processed. Try again."))


# --- storing and finding answers (each in its own short transaction) ----------------------


def _store(pending: Pending, answer: Answer) -> None:
    assert pending.scope is not None
    with Session(get_engine(), expire_on_commit=False) as db:
        row = db.get(IdempotencyKey, pending.row_id) if pending.row_id is not None else None
        if row is None or (row.scope, row.key) != (pending.scope, pending.key):
            # The request's transaction rolled back (it was refused), and its key with it.
            now = utcnow()
            row = IdempotencyKey(
                scope=pending.scope,
                key=pending.key,
                fingerprint=pending.fingerprint,
                created_at=now,
                expires_at=now + timedelta(hours=get_settings().idempotency_key_hours),
            )
        row.status_code = answer.status_code
        row.response_headers = answer.headers
        row.response_body = answer.body
        row.completed_at = utcnow()
        db.add(row)
        try:
            db.commit()
        except IntegrityError:  # a repeat was carried out first; its answer stands
            db.rollback()
    _purge_now_and_then()


def _stored_answer(scope: str, key: str) -> Answer | None:
    engine = get_engine().execution_options(**{READ_ONLY_OPTION: True})
    with Session(engine) as db:
        row = _find(db, scope, key)
        if row is None or row.completed_at is None or row.status_code is None:
            return None
        return Answer(row.status_code, row.response_headers or [], row.response_body or b"")


def _purge_now_and_then() -> None:
    """Remove keys kept past their time (at most every PURGE_EVERY_S in each process)."""
    global _last_purge
    if time.monotonic() - _last_purge < PURGE_EVERY_S:
        return
    _last_purge = time.monotonic()
    with Session(get_engine()) as db:
        db.execute(delete(IdempotencyKey).where(col(IdempotencyKey.expires_at) < utcnow()))
        db.commit()


def purge_expired() -> int:
    """Remove every key kept past its time; how many were removed."""
    with Session(get_engine()) as db:
        removed = db.execute(
            delete(IdempotencyKey).where(col(IdempotencyKey.expires_at) < utcnow())
        )
        db.commit()
        return int(getattr(removed, "rowcount", 0) or 0)


# --- the middleware -----------------------------------------------------------------------


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


class IdempotencyMiddleware:
    """Fingerprints keyed API writes, stores their answers and replays them to repeats."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if (
            key is None
            or scope["method"] not in WRITE_METHODS
            or not scope["path"].startswith("/api/v1/")
        ):
            await self.app(scope, receive, send)
            return
        problem = key_problem(key)
        if problem is not None:
            await JSONResponse({"detail": problem, "field": HEADER}, 422)(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before sending its request
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        pending = Pending(
            key=key,
            fingerprint=fingerprint(
                scope["method"],
                scope["path"],
                scope.get("query_string", b""),
                _header(scope, b"content-type") or "",
                body,
            ),
        )
        scope.setdefault("state", {})["idempotency"] = pending
        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)

        await self.app(scope, replay_body, capture)
        answer = _captured_answer(captured)
        if pending.outcome == "replay" and pending.answer is not None:
            await _send_answer(send, pending.answer, replayed=True)
            return
        if pending.outcome == "in_flight" and pending.scope is not None:
            stored = await _wait_for_answer(pending.scope, key)
            if stored is not None:
                await _send_answer(send, stored, replayed=True)
                return
            for message in captured:  # the 409: still being processed
                if message["type"] == "http.response.start":
                    message.setdefault("headers", []).append((b"retry-after", b"2"))
                await send(message)
            return
        if (
            pending.outcome == "claimed"
            and answer is not None
            and answer.status_code < 500
            and answer.status_code != 429
            and len(answer.body) <= MAX_STORED_BODY
        ):
            # Stored before it is sent: a client that has the answer can always get it again.
            await run_in_threadpool(_store, pending, answer)
        for message in captured:
            await send(message)


def _captured_answer(messages: list[Message]) -> Answer | None:
    start = next((m for m in messages if m["type"] == "http.response.start"), None)
    if start is None:
        return None
    headers = [
        [name.decode("latin-1"), value.decode("latin-1")]
        for name, value in start.get("headers", [])
        if name.decode("latin-1").lower() in KEPT_HEADERS
    ]
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return Answer(int(start["status"]), headers, body)


async def _wait_for_answer(scope: str, key: str) -> Answer | None:
    deadline = time.monotonic() + WAIT_FOR_ANSWER_S
    while True:
        stored = await run_in_threadpool(_stored_answer, scope, key)
        if stored is not None or time.monotonic() > deadline:
            return stored
        await asyncio.sleep(0.05)


async def _send_answer(send: Send, answer: Answer, *, replayed: bool) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers]
    headers.append((b"content-length", str(len(answer.body)).encode()))
    if replayed:
        headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
    await send({"type": "http.response.start", "status": answer.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


# --- documentation ------------------------------------------------------------------------


def header_description(hours: int) -> str:
    """What the OpenAPI documentation says about the header."""
    return (
        "Optional. A unique value per intended write (e.g. a UUID, 1–255 visible ASCII "
        "characters). A retry with the same key, the same bearer token and the same request "
        "(method, path, query and body) is not carried out again: it gets the first answer "
        f"again, with `{REPLAYED_HEADER}: true`. The same key with a different request is "
        f"refused with 422 naming `{HEADER}`; while the first request is still running a "
        "repeat waits for its answer (up to 10 s, else 409 with Retry-After). Keys and their "
        f"answers are kept for {hours} hours (`PORTAL_IDEMPOTENCY_KEY_HOURS`); server errors "
        "(5xx) are not kept, so a retry after one is carried out."
    )


def document(app: FastAPI) -> None:
    """Add the header to every write operation of the API's OpenAPI schema."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        parameter = {
            "name": HEADER,
            "in": "header",
            "required": False,
            "description": header_description(get_settings().idempotency_key_hours),
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_KEY_LENGTH,
                "pattern": "^[!-~]+$",
            },
        }
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if method.upper() in WRITE_METHODS and isinstance(operation, dict):
                    operation.setdefault("parameters", []).append(parameter)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    """The middleware (inside the language and size middleware) and the documented header."""
    app.add_middleware(IdempotencyMiddleware)
    document(app)
