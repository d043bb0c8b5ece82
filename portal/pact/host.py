"""The portal as a PACT host: token endpoint, footprints (v3 and v2.3) and events."""

from __future__ import annotations

import json
import re
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.background import BackgroundTask

from portal.config import get_settings
from portal.db import DbSession
from portal.pact import events, filters, mapping, publishing
from portal.pact.auth import current_pact_client, issue_token, pact_transport
from portal.pact.errors import PactError, pact_error_response
from portal.pact.models import PactClient, PactFootprint
from portal.pact.outbox import wake_outbox
from portal.pact.served import record_served

MAX_EVENT_BYTES = 1024 * 1024
router = APIRouter(dependencies=[Depends(pact_transport)])
PactCaller = Annotated[PactClient, Depends(current_pact_client)]


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _base_url() -> str:
    return get_settings().base_url.rstrip("/")


async def token_form(request: Request) -> dict[str, str]:
    """The token request's form fields (read on the loop: no blocking I/O)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise PactError(400, "The token request must be application/x-www-form-urlencoded")
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@router.post("/auth/token", name="pact_token")
def token(
    request: Request, db: DbSession, form: Annotated[dict[str, str], Depends(token_form)]
) -> JSONResponse:
    """OAuth2 client credentials: HTTP Basic client id and secret for a bearer token."""
    try:
        answer = issue_token(
            db,
            authorization=request.headers.get("authorization", ""),
            grant_type=form.get("grant_type"),
            ip=_ip(request),
        )
    except PactError as refused:  # answered, not raised: the refusal's audit entry is kept
        return pact_error_response(refused.status, refused.message, refused.code)
    return JSONResponse(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.get("/.well-known/openid-configuration", name="pact_openid_configuration")
async def openid_configuration() -> dict[str, Any]:
    """Where a PACT client finds the token endpoint."""
    base = _base_url()
    return {
        "issuer": base,
        "token_endpoint": f"{base}/auth/token",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "response_types_supported": ["token"],
    }


def _non_negative(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise PactError(400, f"{name} must be a whole number of at least 0")
    return int(raw)


def _v2_filter(text: str) -> Any:
    """The subset of v2's OData `$filter` the portal answers; PactError for the rest."""
    created = re.fullmatch(r"\s*created\s+(ge|gt|le|lt)\s+'([^']+)'\s*", text)
    if created:
        operator, moment = created.group(1), filters.parse_instant(created.group(2))
        if moment is None:
            raise PactError(400, "$filter: created needs an RFC 3339 instant")

        def by_created(v3: dict[str, Any]) -> bool:
            value = filters.parse_instant(str(v3.get("created", "")))
            assert value is not None and moment is not None
            return {
                "ge": value >= moment,
                "gt": value > moment,
                "le": value <= moment,
                "lt": value < moment,
            }[operator]

        return by_created
    product = re.fullmatch(r"\s*productIds/any\((\w+):\(\1\s+eq\s+'([^']+)'\)\)\s*", text)
    if product:
        wanted = product.group(2).lower()
        return lambda v3: wanted in {p.lower() for p in v3.get("productIds", ())}
    raise PactError(400, "$filter supports created ge/gt/le/lt and productIds/any(... eq ...)")


def _list(request: Request, db: DbSession, client: PactClient, version: int) -> Response:
    limit = _non_negative(request, "limit") or None
    offset = _non_negative(request, "offset") or 0
    rows = publishing.all_footprints(db)
    wanted = filters.from_query(request.query_params.multi_items()) if version == 3 else None
    odata = request.query_params.get("$filter") if version == 2 else None
    extra = _v2_filter(odata) if odata else None
    matching = []
    for row in rows:
        body = publishing.served_body(row)
        if wanted is not None and not filters.matches(wanted, body):
            continue
        if extra is not None and not extra(body):
            continue
        matching.append((row, body))
    end = len(matching) if limit is None else offset + limit
    page = matching[offset:end]
    data = [
        body if version == 3 else mapping.v2_footprint(body, version=publishing.version_of(row))
        for row, body in page
    ]
    assert client.id is not None
    record_served(client_pk=client.id, footprint_ids=[row.id for row, _b in page])
    headers = {}
    if limit is not None and end < len(matching):
        kept = [
            (k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "offset")
        ]
        query = urlencode([*kept, ("limit", str(limit)), ("offset", str(end))])
        headers["Link"] = f'<{_base_url()}/{version}/footprints?{query}>; rel="next"'
    return JSONResponse({"data": data}, headers=headers)


def _get(db: DbSession, client: PactClient, footprint_id: str, version: int) -> Response:
    try:
        parsed = uuid.UUID(footprint_id)
    except ValueError:
        raise PactError(400, "The footprint id must be a UUID") from None
    if len(footprint_id) != 36:
        raise PactError(400, "The footprint id must be a UUID")
    row = db.get(PactFootprint, str(parsed))
    if row is None:
        raise PactError(404, "No footprint with this id", code="NotFound")
    assert client.id is not None
    record_served(client_pk=client.id, footprint_ids=[row.id])
    body = publishing.served_body(row)
    data = body if version == 3 else mapping.v2_footprint(body, version=publishing.version_of(row))
    return JSONResponse({"data": data})


@router.get("/3/footprints", name="pact_list_footprints")
def list_footprints(request: Request, db: DbSession, client: PactCaller) -> Response:
    """PACT v3 ListFootprints."""
    return _list(request, db, client, 3)


@router.get("/3/footprints/{footprint_id}", name="pact_get_footprint")
def get_footprint(db: DbSession, client: PactCaller, footprint_id: str) -> Response:
    """PACT v3 GetFootprint."""
    return _get(db, client, footprint_id, 3)


@router.get("/2/footprints", name="pact_v2_list_footprints")
def list_footprints_v2(request: Request, db: DbSession, client: PactCaller) -> Response:
    """PACT v2.3 ListFootprints, mapped down from the v3 records."""
    return _list(request, db, client, 2)


@router.get("/2/footprints/{footprint_id}", name="pact_v2_get_footprint")
def get_footprint_v2(db: DbSession, client: PactCaller, footprint_id: str) -> Response:
    """PACT v2.3 GetFootprint."""
    return _get(db, client, footprint_id, 2)


async def event_body(request: Request) -> Any:
    """The posted CloudEvent, bounded in size (read on the loop: no blocking I/O)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in events.MEDIA_TYPES:
        raise PactError(400, "Events are sent as application/cloudevents+json")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_EVENT_BYTES:
            raise PactError(400, "The event is too large")
    try:
        return json.loads(body)
    except ValueError:
        raise PactError(400, "The event is not valid JSON") from None


def _event(
    request: Request, db: DbSession, client: PactClient, event: Any, version: int
) -> Response:
    received = events.receive(db, client=client, event=event, path_version=version, ip=_ip(request))
    if received.outbox_id is None:
        return Response(status_code=200)
    # A background task runs after the response, so after the commit: the worker finds the row.
    return Response(status_code=200, background=BackgroundTask(wake_outbox))


@router.post("/3/events", name="pact_events")
def post_event(
    request: Request, db: DbSession, client: PactCaller, event: Annotated[Any, Depends(event_body)]
) -> Response:
    """PACT v3 Action Events."""
    return _event(request, db, client, event, 3)


@router.post("/2/events", name="pact_v2_events")
def post_event_v2(
    request: Request, db: DbSession, client: PactCaller, event: Annotated[Any, Depends(event_body)]
) -> Response:
    """PACT v2.3 Action Events (org.wbcsd.pathfinder.* types)."""
    return _event(request, db, client, event, 2)
