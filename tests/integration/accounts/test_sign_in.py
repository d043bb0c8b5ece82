"""Signing in and out: sessions, throttling, audit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from helpers import TEST_PASSWORD, csrf_from, make_user, sign_in
from sqlmodel import Session, select

from portal.accounts.models import WebSession
from portal.audit import AuditEvent
from portal.security import SESSION_COOKIE


def test_sign_in_with_the_right_password_opens_the_start_page(
    client: TestClient, session: Session
) -> None:
    make_user(session, "buyer", "buyer@example.com")
    sign_in(client, "Buyer@Example.com ")
    page = client.get("/")
    assert page.status_code == 200
    assert "buyer@example.com" in page.text
    assert client.cookies.get(SESSION_COOKIE)
    login = client.get("/login", follow_redirects=False)
    assert login.status_code == 303  # already signed in


def test_session_cookie_is_httponly_and_samesite(client: TestClient, session: Session) -> None:
    make_user(session, "esg")
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": "esg@example.com",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    set_cookie = response.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie


def test_wrong_password_is_refused_and_audited(client: TestClient, session: Session) -> None:
    make_user(session, "buyer")
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": "buyer@example.com",
            "password": "wrong-password",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 401
    assert "The email or password is not correct." in response.text
    failures = session.exec(
        select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")
    ).all()
    assert [event.entity_id for event in failures] == ["buyer@example.com"]


def test_repeated_failures_are_throttled_even_with_the_right_password(
    client: TestClient, session: Session
) -> None:
    make_user(session, "buyer")
    token = csrf_from(client.get("/login").text)
    for _attempt in range(5):
        client.post(
            "/login",
            data={"email": "buyer@example.com", "password": "nope-nope-nope", "csrf_token": token},
        )
    response = client.post(
        "/login",
        data={"email": "buyer@example.com", "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 401
    assert "Too many failed sign-ins" in response.text
    assert session.exec(
        select(AuditEvent).where(AuditEvent.action == "auth.sign_in_throttled")
    ).first()


def test_a_new_session_id_is_issued_at_every_sign_in(client: TestClient, session: Session) -> None:
    make_user(session, "buyer")
    sign_in(client, "buyer@example.com")
    first = client.cookies.get(SESSION_COOKIE)
    token = csrf_from(client.get("/").text)
    response = client.post(
        "/login",
        data={"email": "buyer@example.com", "password": TEST_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    second = client.cookies.get(SESSION_COOKIE)
    assert first and second and first != second
    sessions = session.exec(select(WebSession)).all()
    assert sorted(web_session.ended_at is None for web_session in sessions) == [False, True]


def test_sign_out_ends_the_session_on_the_server(client: TestClient, session: Session) -> None:
    make_user(session, "buyer")
    sign_in(client, "buyer@example.com")
    stolen = str(client.cookies.get(SESSION_COOKIE))
    token = csrf_from(client.get("/").text)
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    other = TestClient(client.app, base_url="http://127.0.0.1:8000")
    other.cookies.set(SESSION_COOKIE, stolen)
    response = other.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    ended = session.exec(select(WebSession)).all()
    assert all(web_session.ended_at is not None for web_session in ended)


def test_idle_session_expires(client: TestClient, session: Session) -> None:
    from datetime import timedelta

    make_user(session, "buyer")
    sign_in(client, "buyer@example.com")
    web_session = session.exec(select(WebSession)).one()
    web_session.last_seen_at = web_session.last_seen_at - timedelta(hours=2)
    session.add(web_session)
    session.commit()
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]


def test_deactivated_user_cannot_sign_in(client: TestClient, session: Session) -> None:
    user = make_user(session, "buyer")
    user.is_active = False
    session.add(user)
    session.commit()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": "buyer@example.com",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 401
