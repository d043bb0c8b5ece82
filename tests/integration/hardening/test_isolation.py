"""Suppliers learn nothing of each other; sessions and tokens end when they should."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from declarations_helpers import World, create, form, pdf
from fastapi.testclient import TestClient
from hardening_helpers import Stored, bearer, browse_as
from helpers import TEST_PASSWORD, csrf_from, sign_in
from sqlmodel import Session, select
from typer.testing import CliRunner

from portal.accounts.models import WebSession
from portal.cli import app as cli
from portal.config import Settings
from portal.security import SESSION_COOKIE

NO_SUCH_ID = 987_654
TOKEN = re.compile(r"[0-9a-f]{64}")  # CSRF tokens differ between any two pages


@pytest.fixture
def theirs(session: Session, world: World) -> int:
    """A declaration of the other supplier, in review, with its PDF."""
    return int(create(session, world.other, pcf_excluding_biogenic="4,300").id)


def _same_answer(first: str, first_id: object, second: str, second_id: object) -> bool:
    """Whether two pages are the same but for their CSRF tokens and the id asked for."""
    return TOKEN.sub("", first).replace(f"/{first_id}", "/ID") == TOKEN.sub("", second).replace(
        f"/{second_id}", "/ID"
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/declarations/{id}"),
        ("GET", "/declarations/{id}/files/declaration"),
        ("GET", "/declarations/{id}/files/verification"),
        ("GET", "/declarations/{id}/replace"),
        ("POST", "/declarations/{id}/replace"),
        ("GET", "/api/v1/declarations/{id}"),
        ("GET", "/api/v1/declarations/{id}/pact"),
        ("GET", "/api/v1/declarations/{id}/files/declaration"),
    ],
)
def test_another_suppliers_declaration_looks_exactly_like_none_at_all(
    client: TestClient,
    session: Session,
    settings: Settings,
    world: World,
    theirs: int,
    method: str,
    path: str,
) -> None:
    token = browse_as(client, session, world.acme_user)
    headers = bearer(session, world.acme_user) if path.startswith("/api/") else {}
    headers["X-CSRF-Token"] = token
    before = Stored.now(session, settings)
    answers = []
    for declaration_id in (theirs, NO_SUCH_ID):
        answers.append(
            client.request(
                method,
                path.format(id=declaration_id),
                headers=headers,
                data=form() if method == "POST" else None,
                files={"declaration_pdf": pdf()} if method == "POST" else None,
            )
        )
    mine, none = answers
    assert mine.status_code == none.status_code == 404
    assert _same_answer(mine.text, theirs, none.text, NO_SUCH_ID)
    for secret in ("OTHER", "A00 primary aluminium ingot", "Wenshan"):
        assert secret not in mine.text
    assert Stored.now(session, settings) == before


def test_lists_and_filters_show_a_supplier_only_its_own(
    client: TestClient, session: Session, world: World, theirs: int
) -> None:
    browse_as(client, session, world.acme_user)
    headers = bearer(session, world.acme_user)
    for query in ("", f"?supplier={world.other.id}", "?status=in_review", "?page=1"):
        page = client.get("/declarations" + query)
        assert page.status_code == 200 and f'id="declaration-{theirs}"' not in page.text
    for query in ("", "?supplier=OTHER", "?status=in_review", "?limit=200"):
        listed = client.get("/api/v1/declarations" + query, headers=headers).json()
        assert listed["total"] == 0 and listed["items"] == []


def test_a_supplier_gets_no_purchase_check_or_import_and_no_hint_they_exist(
    client: TestClient, session: Session, world: World, theirs: int
) -> None:
    buyer = bearer(session, world.buyer)
    purchase = client.post(
        "/api/v1/purchases",
        headers=buyer,
        json={"supplier": "OTHER", "material": "al_primary_ingot", "quantity_t": "3",
              "date": "2026-03-01", "product_line": "alloy", "po_number": "PO-SECRET",
              "exception_reason": "secret reason"},
    )  # fmt: skip
    assert purchase.status_code == 201
    purchase_id, check_id = purchase.json()["id"], purchase.json()["check_id"]
    supplier = bearer(session, world.other_user)  # even the supplier the purchase is from
    browse_as(client, session, world.other_user)
    for path in ("/tracking/purchases/{id}", "/purchases/import/{id}", "/review/{id}"):
        real_id = purchase_id if "purchases/" in path else theirs
        none = client.get(path.format(id=NO_SUCH_ID))
        answer = client.get(path.format(id=real_id))
        assert answer.status_code == none.status_code == 403  # the role, whatever the id
        assert _same_answer(answer.text, real_id, none.text, NO_SUCH_ID)
    for path in ("/purchases", "/purchases/export.csv?supplier=OTHER", "/tracking/purchases"):
        assert client.get(path).status_code == 403
    for path in ("/api/v1/purchases", "/api/v1/purchases?supplier=OTHER"):
        answer = client.get(path, headers=supplier)
        assert answer.status_code == 403 and "PO-SECRET" not in answer.text
    record = client.post(
        "/api/v1/purchases", headers=supplier, json={"check_id": check_id, "po_number": "PO-MINE"}
    )
    assert record.status_code == 403


def test_an_old_session_id_is_refused_after_signing_in_again(
    client: TestClient, world: World
) -> None:
    # Session fixation: a cookie planted before signing in is not the session afterwards.
    client.cookies.set(SESSION_COOKIE, "fixed-by-an-attacker", domain="127.0.0.1", path="/")
    sign_in(client, world.buyer.email)
    first = client.cookies[SESSION_COOKIE]
    assert first != "fixed-by-an-attacker"
    token = csrf_from(client.get("/").text)
    client.post(
        "/login",
        data={"email": world.buyer.email, "password": TEST_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    second = client.cookies[SESSION_COOKIE]
    assert second != first
    for stale in (first, "fixed-by-an-attacker"):
        thief = TestClient(client.app, base_url="http://127.0.0.1:8000")
        thief.cookies.set(SESSION_COOKIE, stale)
        assert thief.get("/", follow_redirects=False).status_code == 303
        assert thief.get("/api/v1/me").status_code == 401


def test_a_session_ends_at_its_absolute_age_however_active(
    client: TestClient, session: Session, world: World
) -> None:
    browse_as(client, session, world.esg)
    assert client.get("/").status_code == 200
    web_session = session.exec(select(WebSession)).one()
    web_session.created_at -= timedelta(hours=12, minutes=1)
    session.add(web_session)
    session.commit()
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_deactivated_user_is_out_at_once_with_session_and_tokens(
    client: TestClient, session: Session, world: World
) -> None:
    headers = bearer(session, world.acme_user)
    supplier = TestClient(client.app, base_url="http://127.0.0.1:8000")
    browse_as(supplier, session, world.acme_user)
    assert supplier.get("/declarations").status_code == 200
    token = browse_as(client, session, world.admin)
    response = client.post(
        f"/admin/users/{world.acme_user.id}/active",
        data={"active": "false", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert supplier.get("/declarations", follow_redirects=False).status_code == 303
    assert supplier.get("/api/v1/me", headers=headers).status_code == 401


def test_a_token_revoked_on_the_command_line_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    headers = bearer(session, world.buyer)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    prefix = headers["Authorization"].removeprefix("Bearer ")[:10]
    assert CliRunner().invoke(cli, ["tokens", "revoke", prefix]).exit_code == 0
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/api/v1/checks", headers=headers, json={}).status_code == 401


def test_the_api_used_with_a_browser_session_needs_the_csrf_token_too(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    token = browse_as(client, session, world.buyer)
    check = {"supplier": "ACME", "material": "al_primary_ingot", "quantity_t": "1",
             "product_line": "alloy"}  # fmt: skip
    before = Stored.now(session, settings)
    cross_site = {"X-CSRF-Token": token, "Origin": "https://evil.example"}
    for headers in ({}, {"X-CSRF-Token": "0" * 64}, cross_site):
        assert client.post("/api/v1/checks", json=check, headers=headers).status_code == 403
    assert Stored.now(session, settings) == before
    assert client.post("/api/v1/checks", json=check, headers={"X-CSRF-Token": token}).is_success
