"""The portal as a PACT host, in process over HTTPS: tokens, footprints, errors, events."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pact_helpers import BASE_URL, SETUP, Credentials, Published, bearer_for
from pact_schemas import assert_valid
from sqlmodel import Session, select

from portal.audit import AuditEvent
from portal.pact import auth
from portal.pact.models import PactClient, PactOutbox, PactServed

NIL = "00000000-0000-0000-0000-000000000000"
V3_CREATED = "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3"
V3_PUBLISHED = "org.wbcsd.pact.ProductFootprint.PublishedEvent.3"
EVENT_HEADERS = {"Content-Type": "application/cloudevents+json"}


def _pact_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["message"], body
    assert "detail" not in body
    assert_valid(3, "Error", body)


def _event(
    event_type: str, data: dict[str, Any], source: str = "https://buyer.example"
) -> dict[str, Any]:
    return {
        "type": event_type,
        "specversion": "1.0",
        "id": "5e4b5a1c-1111-4222-8333-944455556666",
        "source": source,
        "time": "2027-02-01T00:00:00Z",
        "data": data,
    }


def test_a_token_for_good_credentials_and_none_for_bad(
    pact_http: TestClient, session: Session, credentials: Credentials
) -> None:
    good = pact_http.post(
        "/auth/token", data={"grant_type": "client_credentials"}, headers=credentials.basic()
    )
    assert good.status_code == 200
    assert good.json()["token_type"] == "bearer" and good.json()["expires_in"] == 3600
    assert good.headers["cache-control"] == "no-store"
    wrong = Credentials(credentials.client_id, "not-the-secret")
    refused = pact_http.post(
        "/auth/token", data={"grant_type": "client_credentials"}, headers=wrong.basic()
    )
    _pact_error(refused, 400, "BadRequest")
    unknown = Credentials("pact-nobody", credentials.secret)
    _pact_error(
        pact_http.post(
            "/auth/token", data={"grant_type": "client_credentials"}, headers=unknown.basic()
        ),
        400,
        "BadRequest",
    )
    _pact_error(
        pact_http.post("/auth/token", data={"grant_type": "password"}, headers=credentials.basic()),
        400,
        "BadRequest",
    )
    _pact_error(
        pact_http.post("/auth/token", data={"grant_type": "client_credentials"}), 400, "BadRequest"
    )
    actions = session.exec(
        select(AuditEvent.action).where(AuditEvent.action.startswith("pact.token"))  # type: ignore[attr-defined]
    ).all()
    assert sorted(actions) == ["pact.token_issued", "pact.token_refused"]
    stored = session.exec(select(PactClient)).one()
    assert credentials.secret not in stored.secret_hash and len(stored.secret_hash) == 64


def test_openid_configuration_names_the_token_endpoint(pact_http: TestClient) -> None:
    answer = pact_http.get("/.well-known/openid-configuration")
    assert answer.status_code == 200
    assert answer.json()["token_endpoint"] == f"{BASE_URL}/auth/token"


def test_list_and_get_serve_the_published_footprints_as_valid_v3(
    pact_http: TestClient, session: Session, credentials: Credentials, published: Published
) -> None:
    headers = bearer_for(pact_http, credentials)
    listed = pact_http.get("/3/footprints", headers=headers)
    assert listed.status_code == 200
    data = listed.json()["data"]
    assert len(data) == 3  # alloy twice, extrusion once
    for body in data:
        assert_valid(3, "ProductFootprint", body)
    by_id = {body["id"]: body for body in data}
    assert by_id[published.alloy_old.id]["status"] == "Deprecated"
    assert by_id[published.alloy.id]["status"] == "Active"
    assert by_id[published.alloy.id]["precedingPfIds"] == [published.alloy_old.id]
    # Alloy 2026: (790 + 3041) / 1000 t = 3.831; extrusion: (300 + 1564) / 200 t = 9.32
    assert by_id[published.alloy.id]["pcf"]["pcfExcludingBiogenicUptake"] == "3.831"
    assert by_id[published.extrusion.id]["pcf"]["pcfExcludingBiogenicUptake"] == "9.32"
    got = pact_http.get(f"/3/footprints/{published.alloy.id}", headers=headers)
    assert got.status_code == 200 and got.json()["data"] == by_id[published.alloy.id]
    served = session.exec(
        select(PactServed).where(PactServed.footprint_id == published.alloy.id)
    ).one()
    assert served.times == 2  # listed once, fetched once


def test_pagination_follows_link_headers_on_the_base_url(
    pact_http: TestClient, credentials: Credentials, published: Published
) -> None:
    headers = bearer_for(pact_http, credentials)
    url, seen = f"{BASE_URL}/3/footprints?limit=1", []
    while url:
        page = pact_http.get(url, headers=headers)
        assert page.status_code == 200
        assert len(page.json()["data"]) == 1
        seen.extend(body["id"] for body in page.json()["data"])
        link = page.headers.get("link")
        url = ""
        if link:
            assert link.startswith(f"<{BASE_URL}/3/footprints?") and link.endswith('>; rel="next"')
            url = link[1 : link.index(">")]
    assert sorted(seen) == sorted(
        [published.alloy.id, published.alloy_old.id, published.extrusion.id]
    )
    _pact_error(pact_http.get("/3/footprints?limit=-1", headers=headers), 400, "BadRequest")
    _pact_error(pact_http.get("/3/footprints?limit=abc", headers=headers), 400, "BadRequest")


def test_filters_or_within_a_criterion_and_across_them(
    pact_http: TestClient, credentials: Credentials, published: Published
) -> None:
    headers = bearer_for(pact_http, credentials)
    alloy = "urn:pact:plant.example:product-id:alloy"
    extrusion = "urn:pact:plant.example:product-id:extrusion"
    company = "urn:pact:plant.example:company-id:plant"

    def ids(query: str) -> set[str]:
        answer = pact_http.get(f"/3/footprints?{query}", headers=headers)
        assert answer.status_code == 200, answer.text
        return {body["id"] for body in answer.json()["data"]}

    everything = {published.alloy.id, published.alloy_old.id, published.extrusion.id}
    assert ids(f"productId={alloy}") == {published.alloy.id, published.alloy_old.id}
    assert ids(f"productId={alloy}&status=Active") == {published.alloy.id}
    assert ids(f"productId={alloy}&productId={extrusion}&status=Active") == {
        published.alloy.id,
        published.extrusion.id,
    }
    assert ids(f"companyId={company}&companyId=urn:pact:other:company-id:x") == everything
    assert ids("geography=CN") == everything
    assert ids("classification=urn:pact:productclassification:un-cpc:41533") == {
        published.extrusion.id
    }
    assert ids("status=Deprecated") == {published.alloy_old.id}
    assert ids("validOn=2028-01-01T00:00:00Z") == everything
    assert ids("validAfter=2000-01-01T00:00:00Z") == everything
    assert ids("validBefore=2100-01-01T00:00:00Z") == everything
    for bogus in (
        "productId=urn:pact:null",
        "companyId=urn:pact:null",
        "geography=ZZ",
        "classification=urn:pact:null",
        "validOn=1999-01-01T00:00:00Z",
        "validAfter=2100-01-01T00:00:00Z",
        "validBefore=2000-01-01T00:00:00Z",
        "status=Bogus",
        "validOn=yesterday",
    ):
        assert ids(bogus) == set(), bogus


def test_bad_and_missing_ids_and_tokens_answer_in_pacts_shape(
    pact_http: TestClient,
    credentials: Credentials,
    published: Published,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = bearer_for(pact_http, credentials)
    _pact_error(pact_http.get(f"/3/footprints/{NIL}", headers=headers), 404, "NotFound")
    _pact_error(pact_http.get("/3/footprints/not-a-uuid", headers=headers), 400, "BadRequest")
    _pact_error(pact_http.get(f"/2/footprints/{NIL}", headers=headers), 404, "NotFound")
    forged = {"Authorization": "Bearer pact1.forged.token"}
    for method, path in [
        ("GET", "/3/footprints"),
        ("GET", f"/3/footprints/{published.alloy.id}"),
        ("GET", "/2/footprints"),
        ("POST", "/3/events"),
        ("POST", "/2/events"),
    ]:
        _pact_error(pact_http.request(method, path, headers=forged), 401, "BadRequest")
        _pact_error(pact_http.request(method, path), 401, "BadRequest")
    # An expired token: issued an hour and a second ago.
    real_time = time.time
    monkeypatch.setattr(auth.time, "time", lambda: real_time() - 3601)
    stale = bearer_for(pact_http, credentials)
    monkeypatch.setattr(auth.time, "time", real_time)
    expired = pact_http.get("/3/footprints", headers=stale)
    _pact_error(expired, 401, "BadRequest")
    assert "expired" in expired.json()["message"]
    # Unknown paths and methods under PACT's prefixes are PACT errors too, never FastAPI's.
    _pact_error(pact_http.get("/3/nothing", headers=headers), 404, "NotFound")
    _pact_error(pact_http.delete("/3/footprints", headers=headers), 405, "BadRequest")


def test_a_revoked_client_loses_its_tokens_at_once(
    pact_http: TestClient, session: Session, credentials: Credentials, published: Published
) -> None:
    headers = bearer_for(pact_http, credentials)
    assert pact_http.get("/3/footprints", headers=headers).status_code == 200
    auth.revoke_client(session, actor=SETUP, client_id=credentials.client_id)
    session.commit()
    _pact_error(pact_http.get("/3/footprints", headers=headers), 401, "BadRequest")
    _pact_error(
        pact_http.post(
            "/auth/token", data={"grant_type": "client_credentials"}, headers=credentials.basic()
        ),
        400,
        "BadRequest",
    )


def test_plain_http_is_refused(https_settings: object, credentials: Credentials) -> None:
    from portal.app import create_app

    with TestClient(create_app(), base_url="http://127.0.0.1:8000") as plain:
        for method, path in [
            ("POST", "/auth/token"),
            ("GET", "/3/footprints"),
            ("GET", f"/3/footprints/{NIL}"),
            ("POST", "/3/events"),
            ("GET", "/2/footprints"),
            ("POST", "/2/events"),
        ]:
            answer = plain.request(method, path, headers=credentials.basic())
            _pact_error(answer, 403, "AccessDenied")
            assert "HTTPS" in answer.json()["message"]


def test_v23_serves_the_same_records_mapped_down(
    pact_http: TestClient, credentials: Credentials, published: Published
) -> None:
    headers = bearer_for(pact_http, credentials)
    listed = pact_http.get("/2/footprints", headers=headers)
    assert listed.status_code == 200 and len(listed.json()["data"]) == 3
    for body in listed.json()["data"]:
        assert_valid(2, "ProductFootprint", body)
    got = pact_http.get(f"/2/footprints/{published.alloy.id}", headers=headers).json()["data"]
    assert got["version"] == 1 and got["pcf"]["pCfExcludingBiogenic"] == "3.831"
    page = pact_http.get("/2/footprints?limit=1", headers=headers)
    assert page.headers["link"].startswith(f"<{BASE_URL}/2/footprints?")
    after = pact_http.get(
        "/2/footprints", params={"$filter": "created gt '2000-01-01T00:00:00Z'"}, headers=headers
    )
    assert len(after.json()["data"]) == 3
    before = pact_http.get(
        "/2/footprints", params={"$filter": "created lt '2000-01-01T00:00:00Z'"}, headers=headers
    )
    assert before.json()["data"] == []
    _pact_error(
        pact_http.get("/2/footprints", params={"$filter": "nonsense"}, headers=headers),
        400,
        "BadRequest",
    )


def test_events_are_validated_and_requests_queued(
    pact_http: TestClient, session: Session, credentials: Credentials, published: Published
) -> None:
    headers = {**bearer_for(pact_http, credentials), **EVENT_HEADERS}
    ok = pact_http.post(
        "/3/events", json=_event(V3_PUBLISHED, {"pfIds": [published.alloy.id]}), headers=headers
    )
    assert ok.status_code == 200 and ok.content == b""
    urn = pact_http.post(
        "/3/events", json=_event(V3_PUBLISHED, {"pfIds": ["urn:pact:not-a-uuid"]}), headers=headers
    )
    _pact_error(urn, 400, "BadRequest")
    _pact_error(
        pact_http.post("/3/events", content=b"{not json", headers=headers), 400, "BadRequest"
    )
    _pact_error(
        pact_http.post("/3/events", json={"type": V3_PUBLISHED}, headers=headers), 400, "BadRequest"
    )
    _pact_error(
        pact_http.post("/3/events", json=_event("com.example.Unknown", {}), headers=headers),
        400,
        "BadRequest",
    )
    _pact_error(  # v2's types belong on /2/events
        pact_http.post(
            "/3/events",
            json=_event("org.wbcsd.pathfinder.ProductFootprint.Published.v1", {"pfIds": []}),
            headers=headers,
        ),
        400,
        "BadRequest",
    )
    wrong_type = pact_http.post(
        "/3/events",
        content=b"{}",
        headers={**headers, "Content-Type": "text/plain"},
    )
    _pact_error(wrong_type, 400, "BadRequest")
    # This client registered no host to answer at: a request it cannot be answered is refused.
    created = pact_http.post(
        "/3/events", json=_event(V3_CREATED, {"productId": ["urn:pact:null"]}), headers=headers
    )
    _pact_error(created, 400, "BadRequest")
    assert "credentials" in created.json()["message"]
    assert session.exec(select(PactOutbox)).all() == []


def test_a_request_from_a_client_with_a_host_is_queued_for_an_answer(
    pact_http: TestClient, session: Session, published: Published
) -> None:
    made = auth.create_client(
        session,
        actor=SETUP,
        name="Buyer AG",
        callback_base_url="https://buyer.example",
        callback_client_id="plant-at-buyer",
        callback_secret="buyer-issued-secret",
    )
    session.commit()
    headers = {
        **bearer_for(pact_http, Credentials(made.client.client_id, made.secret)),
        **EVENT_HEADERS,
    }
    elsewhere = pact_http.post(
        "/3/events",
        json=_event(V3_CREATED, {"productId": ["x"]}, source="https://attacker.example"),
        headers=headers,
    )
    _pact_error(elsewhere, 400, "BadRequest")
    answer = pact_http.post(
        "/3/events",
        json=_event(
            V3_CREATED,
            {"productId": ["urn:pact:plant.example:product-id:alloy"]},
            source="https://buyer.example/3/events",
        ),
        headers=headers,
    )
    assert answer.status_code == 200 and answer.content == b""
    [row] = session.exec(select(PactOutbox)).all()
    assert row.status == "pending" and row.target == "https://buyer.example"
    stored = session.get(PactClient, made.client.id)
    assert stored is not None and "buyer-issued-secret" not in (
        stored.callback_secret_encrypted or ""
    )
    assert auth.callback_secret(stored) == "buyer-issued-secret"
    assert (
        session.exec(select(AuditEvent).where(AuditEvent.action == "pact.event_created"))
        .one()
        .after["outbox_id"]
        == row.id
    )  # type: ignore[index]
