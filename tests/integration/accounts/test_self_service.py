"""People make and revoke their own API tokens, change their password and reset a forgotten one."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import TEST_PASSWORD, csrf_from, make_supplier, make_user, post_form, sign_in
from smtp_inbox import mail_server
from sqlalchemy import update
from sqlmodel import Session, select

from portal import config
from portal.accounts import passwords
from portal.accounts.models import ApiToken, PasswordReset, WebSession
from portal.audit import AuditEvent
from portal.db import utcnow

NEW_PASSWORD = "a-brand-new-password"


def _create_token(client: TestClient, name: str) -> tuple[int, str]:
    response = post_form(client, "/account", "/account/tokens", {"name": name})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    match = re.search(r'<code id="new-token-value">([^<]+)</code>', response.text)
    assert match, "the new token is not shown"
    return response.status_code, match.group(1)


def test_a_person_creates_a_token_sees_it_once_uses_it_and_revokes_it(
    client: TestClient, session: Session
) -> None:
    acme = make_supplier(session, "ACME")
    make_user(session, "supplier", "sales@acme.example", acme)
    sign_in(client, "sales@acme.example")
    _status, plain = _create_token(client, "ERP production")
    assert plain.startswith("pcp_")
    page = client.get("/account").text
    assert plain not in page  # shown once, never again
    assert "ERP production" in page and "never" in page  # not used yet

    stored = session.exec(select(ApiToken)).one()
    assert stored.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in str(stored.model_dump())

    api = TestClient(client.app, base_url="http://127.0.0.1:8000")
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.status_code == 200 and me.json()["email"] == "sales@acme.example"
    session.expire_all()
    first_use = session.get(ApiToken, stored.id).last_used_at  # type: ignore[union-attr]
    assert first_use is not None and utcnow() - first_use < timedelta(seconds=30)
    api.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    session.expire_all()
    # Recorded at most once a minute: the second call within the minute leaves it as it was.
    assert session.get(ApiToken, stored.id).last_used_at == first_use  # type: ignore[union-attr]
    assert re.search(
        r'<td class="last-used">\d{4}-\d\d-\d\d \d\d:\d\d UTC</td>', client.get("/account").text
    )

    response = post_form(
        client, "/account", f"/account/tokens/{stored.id}/revoke", {}, follow_redirects=False
    )
    assert response.status_code == 303
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "api_token.created" in actions and actions[-1] == "api_token.revoked"


def test_a_token_needs_a_name_and_nobody_revokes_another_persons_token(
    client: TestClient, session: Session
) -> None:
    make_user(session, "buyer")
    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    _status, _plain = _create_token(client, "reporting script")
    theirs = session.exec(select(ApiToken)).one()
    client.cookies.clear()
    sign_in(client, "buyer@example.com")
    empty = post_form(client, "/account", "/account/tokens", {"name": "  "})
    assert empty.status_code == 422
    assert "Name the token after where it is used" in empty.text
    other = post_form(
        client, "/account", f"/account/tokens/{theirs.id}/revoke", {}, follow_redirects=False
    )
    assert other.status_code == 404
    session.expire_all()
    assert session.get(ApiToken, theirs.id).revoked_at is None  # type: ignore[union-attr]


def test_the_admin_sees_every_token_with_its_owner_and_revokes_one(
    client: TestClient, session: Session
) -> None:
    make_user(session, "esg")
    make_user(session, "admin")
    sign_in(client, "esg@example.com")
    _create_token(client, "reporting script")
    token = session.exec(select(ApiToken)).one()
    client.cookies.clear()
    sign_in(client, "admin@example.com")
    page = client.get("/admin/users").text
    row = re.search(rf'<tr id="token-{token.id}">(.*?)</tr>', page, re.S)
    assert row and "reporting script" in row.group(1) and "esg@example.com" in row.group(1)
    response = post_form(
        client, "/admin/users", f"/admin/tokens/{token.id}/revoke", {}, follow_redirects=False
    )
    assert response.status_code == 303
    session.expire_all()
    assert session.get(ApiToken, token.id).revoked_at is not None  # type: ignore[union-attr]


def test_changing_the_password_needs_the_current_one_and_signs_out_other_browsers(
    client: TestClient, session: Session
) -> None:
    make_user(session, "buyer")
    other_browser = TestClient(client.app, base_url="http://127.0.0.1:8000")
    sign_in(other_browser, "buyer@example.com")
    sign_in(client, "buyer@example.com")
    form = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    wrong = post_form(client, "/account", "/account/password", {**form, "current_password": "nope"})
    assert wrong.status_code == 422
    assert "The current password is not correct." in wrong.text
    short = post_form(
        client,
        "/account",
        "/account/password",
        {"current_password": TEST_PASSWORD, "password": "short", "password_confirm": "short"},
    )
    assert short.status_code == 422 and "at least 10 characters" in short.text

    done = post_form(
        client, "/account", "/account/password", {**form, "current_password": TEST_PASSWORD}
    )
    assert done.status_code == 200 and 'id="password-changed"' in done.text
    assert "were signed out (1)" in done.text
    assert client.get("/account").status_code == 200  # this browser stays signed in
    assert other_browser.get("/account", follow_redirects=False).status_code == 303
    client.cookies.clear()
    sign_in(client, "buyer@example.com", NEW_PASSWORD)
    actions = session.exec(select(AuditEvent.action)).all()
    assert "user.password_changed" in actions and "user.password_change_refused" in actions


@pytest.fixture
def smtp(settings: config.Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A real SMTP server, and the portal's settings pointing at it."""
    with mail_server() as (server, port):
        monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PORTAL_SMTP_PORT", str(port))
        monkeypatch.setenv("PORTAL_SMTP_STARTTLS", "false")
        config.get_settings.cache_clear()
        yield server
        config.get_settings.cache_clear()


def _ask_for_reset(client: TestClient, email: str) -> str:
    client.cookies.clear()
    response = post_form(client, "/password/forgot", "/password/forgot", {"email": email})
    assert response.status_code == 200
    return response.text


def _link_in(server: Any, email: str, count: int = 1) -> str:
    deadline = time.monotonic() + 10
    while len(server.to(email)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    mails = server.to(email)
    assert len(mails) == count, mails
    match = re.search(r"http://127\.0\.0\.1:8000(/password/reset/\S+)", mails[-1].text)
    assert match, mails[-1].text
    return match.group(1)


def test_a_forgotten_password_is_reset_by_an_emailed_single_use_link(
    client: TestClient, session: Session, smtp: Any
) -> None:
    make_user(session, "esg")
    browser = TestClient(client.app, base_url="http://127.0.0.1:8000")
    sign_in(browser, "esg@example.com")
    assert 'id="forgot-link"' in client.get("/login").text

    answer = _ask_for_reset(client, "ESG@example.com ")
    assert "If an account exists for" in answer
    path = _link_in(smtp, "esg@example.com")
    token = path.rsplit("/", 1)[1]
    stored = session.exec(select(PasswordReset)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()  # only the hash

    form = client.get(path)
    assert form.status_code == 200 and "esg@example.com" in form.text
    mismatch = client.post(
        path,
        data={
            "password": NEW_PASSWORD,
            "password_confirm": "other-password",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert mismatch.status_code == 422 and "The two passwords do not match." in mismatch.text
    done = client.post(
        path,
        data={
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "csrf_token": csrf_from(form.text),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/login?reset=done"
    assert "Your new password is set" in client.get("/login?reset=done").text
    assert client.get(path).status_code == 404  # single use
    assert browser.get("/account", follow_redirects=False).status_code == 303  # signed out
    sign_in(client, "esg@example.com", NEW_PASSWORD)
    session.expire_all()
    ended = session.exec(select(WebSession).where(WebSession.ended_at.is_(None))).all()  # type: ignore[union-attr]
    assert len(ended) == 1  # only the browser just signed in with the new password


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: TestClient, session: Session, smtp: Any
) -> None:
    make_user(session, "esg")
    known = _ask_for_reset(client, "esg@example.com")
    unknown = _ask_for_reset(client, "nobody@example.com")
    typed = r'value="[^"]*"|[0-9a-f]{64}|esg@example\.com|nobody@example\.com'
    assert re.sub(typed, "", known) == re.sub(typed, "", unknown)  # alike but for what was typed
    _link_in(smtp, "esg@example.com")
    assert smtp.to("nobody@example.com") == []
    refused = session.exec(
        select(AuditEvent).where(AuditEvent.action == "auth.password_reset_refused")
    ).one()
    assert refused.after == {"reason": "no active account"}


def test_reset_links_are_throttled_and_expire(
    client: TestClient, session: Session, smtp: Any
) -> None:
    make_user(session, "buyer")
    for _ in range(passwords.MAX_PER_ACCOUNT + 1):  # 3 links an hour, the 4th asks in vain
        _ask_for_reset(client, "buyer@example.com")
    path = _link_in(smtp, "buyer@example.com", count=passwords.MAX_PER_ACCOUNT)
    assert len(session.exec(select(PasswordReset)).all()) == passwords.MAX_PER_ACCOUNT
    reasons = [
        e.after["reason"]
        for e in session.exec(
            select(AuditEvent).where(AuditEvent.action == "auth.password_reset_refused")
        ).all()
    ]
    assert reasons == ["too many for this account"]

    # 61 minutes later the link (valid 60) no longer opens.
    session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    assert client.get(path).status_code == 404
