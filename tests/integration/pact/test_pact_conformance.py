"""PACT conformance cases (v3.0 and v2.3), run against `portal serve` over TLS on loopback.

Ported from the cases of PACT's conformance runner: the same requests and pass conditions,
with every answer checked against the component schemas of ../shared/pact/, and a small real
receiver standing in for the requester's host that the portal answers events to.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pact_helpers import SETUP, Published
from pact_schemas import assert_valid
from pact_servers import Receiver, Tls, make_tls, portal_over_tls, receiver
from sqlmodel import Session, select

from portal import config
from portal.pact import auth
from portal.pact.models import PactOutbox

NIL = "00000000-0000-0000-0000-000000000000"
V3 = "org.wbcsd.pact.ProductFootprint."
V2_CREATED = "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1"
V2_PUBLISHED = "org.wbcsd.pathfinder.ProductFootprint.Published.v1"
ALLOY = "urn:pact:plant.example:product-id:alloy"
EXTRUSION = "urn:pact:plant.example:product-id:extrusion"
COMPANY = "urn:pact:plant.example:company-id:plant"


@pytest.fixture
def tls(tmp_path: Path) -> Tls:
    """A certificate for 127.0.0.1, trusted by the test and by the portal's callbacks."""
    return make_tls(tmp_path / "tls")


@pytest.fixture
def recipient(tls: Tls) -> Iterator[Receiver]:
    """The requester's host, on loopback over TLS."""
    with receiver(tls) as running:
        yield running


@pytest.fixture
def host(https_settings: config.Settings, published: Published, tls: Tls) -> Iterator[str]:
    """The portal served over TLS with the published footprints; its base URL."""
    with portal_over_tls(https_settings, tls) as url:
        yield url


@pytest.fixture
def http(tls: Tls) -> Iterator[httpx.Client]:
    """A client that trusts the test certificate."""
    with httpx.Client(verify=tls.context(), timeout=10, follow_redirects=False) as client:
        yield client


def _client_for(session: Session, recipient: Receiver) -> tuple[str, str]:
    made = auth.create_client(
        session,
        actor=SETUP,
        name="Conformance runner",
        callback_base_url=recipient.url,
        callback_client_id=recipient.client_id,
        callback_secret=recipient.secret,
    )
    session.commit()
    return made.client.client_id, made.secret


def _token(http: httpx.Client, host: str, credentials: tuple[str, str]) -> dict[str, str]:
    answer = http.post(
        f"{host}/auth/token", data={"grant_type": "client_credentials"}, auth=credentials
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"].lower() == "bearer"
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _error(answer: httpx.Response, statuses: tuple[int, ...], codes: tuple[str, ...]) -> None:
    assert answer.status_code in statuses, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["code"] in codes, answer.text
    assert_valid(3, "Error", answer.json())


def _event(event_type: str, data: dict[str, Any], source: str) -> dict[str, Any]:
    return {
        "type": event_type,
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "time": "2027-02-01T00:00:00Z",
        "data": data,
    }


def _post_event(
    http: httpx.Client, url: str, headers: dict[str, str], event: Any
) -> httpx.Response:
    return http.post(
        url,
        json=event,
        headers={**headers, "Content-Type": "application/cloudevents+json"},
    )


def _plain_http_fails(http: httpx.Client, host: str, method: str, path: str) -> None:
    plain = host.replace("https://", "http://")
    try:
        answer = http.request(method, plain + path, timeout=5)
    except httpx.HTTPError:
        return  # the TLS port does not speak plain HTTP at all
    assert answer.status_code >= 400, (path, answer.status_code)


def test_v3_conformance(
    host: str,
    http: httpx.Client,
    session: Session,
    recipient: Receiver,
    published: Published,
) -> None:
    credentials = _client_for(session, recipient)
    # Obtain a token with valid credentials; refused with invalid ones.
    headers = _token(http, host, credentials)
    bad = http.post(
        f"{host}/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials[0], "wrong"),
    )
    assert bad.status_code in (400, 401)
    # The OpenID configuration names the token endpoint.
    assert http.get(f"{host}/.well-known/openid-configuration").json()["token_endpoint"] == (
        f"{host}/auth/token"
    )

    # List: every published footprint, schema-valid; the count equals what was published.
    listed = http.get(f"{host}/3/footprints", headers=headers)
    assert listed.status_code == 200
    footprints = listed.json()["data"]
    assert len(footprints) == 3
    for body in footprints:
        assert_valid(3, "ProductFootprint", body)
    # Get each one.
    for body in footprints:
        got = http.get(f"{host}/3/footprints/{body['id']}", headers=headers)
        assert got.status_code == 200 and got.json()["data"] == body
        assert_valid(3, "ProductFootprint", got.json()["data"])
    # Pagination with limit=1 through absolute Link URLs on the same host.
    url, seen = f"{host}/3/footprints?limit=1", []
    while url:
        page = http.get(url, headers=headers)
        assert page.status_code == 200 and len(page.json()["data"]) <= 1
        seen += [body["id"] for body in page.json()["data"]]
        link = page.headers.get("link", "")
        url = link[link.index("<") + 1 : link.index(">")] if link else ""
        if url:
            assert url.startswith(f"{host}/3/footprints?") and 'rel="next"' in link
    assert sorted(seen) == sorted(body["id"] for body in footprints)

    # An invalid token on list, get and events: 401 BadRequest.
    forged = {"Authorization": "Bearer not-a-token"}
    _error(http.get(f"{host}/3/footprints", headers=forged), (401,), ("BadRequest",))
    _error(
        http.get(f"{host}/3/footprints/{published.alloy.id}", headers=forged),
        (401,),
        ("BadRequest",),
    )
    _error(
        _post_event(
            http, f"{host}/3/events", forged, _event(V3 + "PublishedEvent.3", {"pfIds": []}, host)
        ),
        (401,),
        ("BadRequest",),
    )
    # The nil UUID is not a footprint.
    _error(
        http.get(f"{host}/3/footprints/{NIL}", headers=headers),
        (400, 404),
        ("NotFound", "BadRequest"),
    )

    # Over plain http, token, list, get and events all fail.
    for method, path in [
        ("POST", "/auth/token"),
        ("GET", "/3/footprints"),
        ("GET", f"/3/footprints/{published.alloy.id}"),
        ("POST", "/3/events"),
    ]:
        _plain_http_fails(http, host, method, path)

    # RequestCreated: 200 with an empty body, then a schema-valid RequestFulfilled whose
    # footprints share a productId with the request.
    request = _event(V3 + "RequestCreatedEvent.3", {"productId": [ALLOY]}, recipient.url)
    accepted = _post_event(http, f"{host}/3/events", headers, request)
    assert accepted.status_code == 200 and accepted.content == b""
    [fulfilled] = recipient.wait_for(1)
    assert fulfilled["path"] == "/3/events"
    fulfilled.pop("path")
    assert_valid(3, "RequestFulfilledEvent", fulfilled)
    assert fulfilled["type"] == V3 + "RequestFulfilledEvent.3"
    assert fulfilled["data"]["requestEventId"] == request["id"]
    assert fulfilled["data"]["pfs"] and all(
        ALLOY in pf["productIds"] for pf in fulfilled["data"]["pfs"]
    )
    # urn:pact:null: RequestRejected with an error code and message.
    nothing = _event(V3 + "RequestCreatedEvent.3", {"productId": ["urn:pact:null"]}, recipient.url)
    assert _post_event(http, f"{host}/3/events", headers, nothing).status_code == 200
    rejected = recipient.wait_for(2)[1]
    rejected.pop("path")
    assert_valid(3, "RequestRejectedEvent", rejected)
    assert rejected["data"]["requestEventId"] == nothing["id"]
    assert rejected["data"]["error"]["code"] and rejected["data"]["error"]["message"]
    # Published: an unknown UUID is accepted, a URN is a 400.
    unknown = _event(V3 + "PublishedEvent.3", {"pfIds": [str(uuid.uuid4())]}, recipient.url)
    assert _post_event(http, f"{host}/3/events", headers, unknown).status_code == 200
    urn = _event(V3 + "PublishedEvent.3", {"pfIds": ["urn:pact:not-a-uuid"]}, recipient.url)
    _error(_post_event(http, f"{host}/3/events", headers, urn), (400,), ("BadRequest",))

    # Filters, each alone; status AND productId; repeated companyId as OR; bogus values: [].
    def ids(params: list[tuple[str, str]]) -> set[str]:
        answer = http.get(f"{host}/3/footprints", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        for body in answer.json()["data"]:
            assert_valid(3, "ProductFootprint", body)
        return {body["id"] for body in answer.json()["data"]}

    every = {published.alloy.id, published.alloy_old.id, published.extrusion.id}
    alloys = {published.alloy.id, published.alloy_old.id}
    assert ids([("productId", ALLOY)]) == alloys
    assert ids([("companyId", COMPANY)]) == every
    assert ids([("geography", "CN")]) == every
    assert ids([("classification", "urn:pact:productclassification:un-cpc:41532")]) == alloys
    assert ids([("validOn", "2028-01-01T00:00:00Z")]) == every
    assert ids([("validAfter", "2026-01-01T00:00:00Z")]) == every
    assert ids([("validBefore", "2031-01-01T00:00:00Z")]) == every
    assert ids([("status", "Active")]) == {published.alloy.id, published.extrusion.id}
    assert ids([("status", "Active"), ("productId", ALLOY)]) == {published.alloy.id}
    assert (
        ids([("companyId", COMPANY), ("companyId", "urn:pact:other.example:company-id:x")]) == every
    )
    for name, bogus in [
        ("productId", "urn:pact:null"),
        ("companyId", "urn:pact:null"),
        ("geography", "XX"),
        ("classification", "urn:pact:null"),
        ("validOn", "1990-01-01T00:00:00Z"),
        ("validAfter", "2100-01-01T00:00:00Z"),
        ("validBefore", "1990-01-01T00:00:00Z"),
        ("status", "Bogus"),
    ]:
        assert ids([(name, bogus)]) == set(), name
    [sent, rejected_row] = session.exec(select(PactOutbox).order_by(PactOutbox.id)).all()  # type: ignore[arg-type]
    assert (sent.status, rejected_row.status) == ("sent", "sent")


def test_v23_conformance(
    host: str,
    http: httpx.Client,
    session: Session,
    recipient: Receiver,
    published: Published,
) -> None:
    credentials = _client_for(session, recipient)
    headers = _token(http, host, credentials)
    assert http.post(
        f"{host}/auth/token", data={"grant_type": "client_credentials"}, auth=("nobody", "x")
    ).status_code in (400, 401)
    listed = http.get(f"{host}/2/footprints", headers=headers)
    assert listed.status_code == 200 and len(listed.json()["data"]) == 3
    for body in listed.json()["data"]:
        assert_valid(2, "ProductFootprint", body)
        got = http.get(f"{host}/2/footprints/{body['id']}", headers=headers)
        assert got.status_code == 200 and got.json()["data"] == body
    url, seen = f"{host}/2/footprints?limit=1", 0
    while url:
        page = http.get(url, headers=headers)
        assert page.status_code == 200 and len(page.json()["data"]) == 1
        seen += 1
        link = page.headers.get("link", "")
        url = link[link.index("<") + 1 : link.index(">")] if link else ""
    assert seen == 3
    forged = {"Authorization": "Bearer forged"}
    _error(http.get(f"{host}/2/footprints", headers=forged), (401,), ("BadRequest",))
    _error(
        http.get(f"{host}/2/footprints/{published.alloy.id}", headers=forged),
        (401,),
        ("BadRequest",),
    )
    _error(
        _post_event(http, f"{host}/2/events", forged, _event(V2_PUBLISHED, {"pfIds": []}, host)),
        (401,),
        ("BadRequest",),
    )
    _error(
        http.get(f"{host}/2/footprints/{NIL}", headers=headers),
        (400, 404),
        ("NotFound", "BadRequest"),
    )
    for method, path in [
        ("POST", "/auth/token"),
        ("GET", "/2/footprints"),
        ("GET", f"/2/footprints/{published.alloy.id}"),
        ("POST", "/2/events"),
    ]:
        _plain_http_fails(http, host, method, path)
    # The optional $filter on created.
    later = http.get(
        f"{host}/2/footprints",
        params={"$filter": "created ge '2000-01-01T00:00:00Z'"},
        headers=headers,
    )
    assert len(later.json()["data"]) == 3
    # ProductFootprintRequest.Created: 200 at once, then Fulfilled (v2 types, v2 footprints).
    request = _event(
        V2_CREATED, {"pf": {"productIds": [EXTRUSION]}, "comment": "please"}, recipient.url
    )
    accepted = _post_event(http, f"{host}/2/events", headers, request)
    assert accepted.status_code == 200
    [fulfilled] = recipient.wait_for(1)
    assert fulfilled.pop("path") == "/2/events"
    assert_valid(2, "RequestFulfilledEvent", fulfilled)
    assert fulfilled["type"] == "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1"
    [pf] = fulfilled["data"]["pfs"]
    assert pf["id"] == published.extrusion.id and pf["specVersion"] == "2.3.0"
    nothing = _event(V2_CREATED, {"pf": {"productIds": ["urn:pact:null"]}}, recipient.url)
    assert _post_event(http, f"{host}/2/events", headers, nothing).status_code == 200
    rejected = recipient.wait_for(2)[1]
    rejected.pop("path")
    assert_valid(2, "RequestRejectedEvent", rejected)
    assert rejected["data"]["error"]["code"] == "NotFound" and rejected["data"]["error"]["message"]
    assert (
        _post_event(
            http,
            f"{host}/2/events",
            headers,
            _event(V2_PUBLISHED, {"pfIds": [str(uuid.uuid4())]}, host),
        ).status_code
        == 200
    )
    _error(
        _post_event(
            http, f"{host}/2/events", headers, _event(V2_PUBLISHED, {"pfIds": ["urn:x:y"]}, host)
        ),
        (400,),
        ("BadRequest",),
    )
