"""CSRF: forms need this browser's token; cross-site posts are refused."""

from __future__ import annotations

from fastapi.testclient import TestClient
from helpers import csrf_from, make_user, sign_in
from sqlmodel import Session, select

from portal.suppliers.models import Supplier


def _admin(client: TestClient, session: Session) -> None:
    make_user(session, "admin")
    sign_in(client, "admin@example.com")


def test_form_post_without_token_is_refused(client: TestClient, session: Session) -> None:
    _admin(client, session)
    response = client.post("/admin/suppliers", data={"code": "NOTOKEN", "name_en": "X"})
    assert response.status_code == 403
    assert "expired or came from another site" in response.text
    assert session.exec(select(Supplier)).first() is None


def test_token_of_another_session_is_refused(client: TestClient, session: Session) -> None:
    _admin(client, session)
    other = TestClient(client.app, base_url="http://127.0.0.1:8000")
    foreign_token = csrf_from(other.get("/login").text)
    response = client.post(
        "/admin/suppliers", data={"code": "FOREIGN", "name_en": "X", "csrf_token": foreign_token}
    )
    assert response.status_code == 403
    assert session.exec(select(Supplier)).first() is None


def test_cross_site_request_is_refused_even_with_a_token(
    client: TestClient, session: Session
) -> None:
    _admin(client, session)
    token = csrf_from(client.get("/admin/suppliers").text)
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post(
            "/admin/suppliers",
            data={"code": "EVIL", "name_en": "X", "csrf_token": token},
            headers=headers,
        )
        assert response.status_code == 403
    assert session.exec(select(Supplier)).first() is None


def test_htmx_requests_carry_the_token_in_a_header(client: TestClient, session: Session) -> None:
    _admin(client, session)
    page = client.get("/admin/suppliers")
    token = csrf_from(page.text)
    assert f'"X-CSRF-Token": "{token}"' in page.text  # hx-headers on <body>
    response = client.post(
        "/admin/suppliers",
        data={"code": "HTMX", "name_en": "Via htmx"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert response.status_code == 200 and response.headers["hx-redirect"] == "/admin/suppliers"
    assert session.exec(select(Supplier)).one().code == "HTMX"


def test_sign_in_form_itself_needs_the_pre_session_token(
    client: TestClient, session: Session
) -> None:
    make_user(session, "buyer")
    response = client.post("/login", data={"email": "buyer@example.com", "password": "x"})
    assert response.status_code == 403
