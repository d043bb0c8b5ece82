"""Deactivating a user ends their sessions and API tokens for good."""

from __future__ import annotations

from fastapi.testclient import TestClient
from helpers import make_user, post_form, sign_in
from sqlmodel import Session, select

from portal.audit import AuditEvent
from portal.security import create_api_token


def _set_active(admin: TestClient, user_id: int, active: bool) -> None:
    response = post_form(
        admin,
        "/admin/users",
        f"/admin/users/{user_id}/active",
        {"active": "true" if active else "false"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_reactivation_does_not_revive_old_tokens_or_sessions(
    client: TestClient, session: Session
) -> None:
    buyer = make_user(session, "buyer")
    make_user(session, "admin")
    assert buyer.id is not None
    _token, plain = create_api_token(session, buyer, "ERP")
    session.commit()
    erp = {"Authorization": f"Bearer {plain}"}
    browser = TestClient(client.app, base_url="http://127.0.0.1:8000")
    sign_in(browser, buyer.email)
    assert client.get("/api/v1/me", headers=erp).status_code == 200
    assert browser.get("/purchases", follow_redirects=False).status_code == 200

    sign_in(client, "admin@example.com")
    page = client.get("/admin/users")
    assert "revokes their API tokens" in page.text and 'id="deactivation-hint"' in page.text
    _set_active(client, buyer.id, False)
    assert client.get("/api/v1/me", headers=erp).status_code == 401
    _set_active(client, buyer.id, True)

    # Back in office: the old token and the old browser session stay dead.
    assert client.get("/api/v1/me", headers=erp).status_code == 401
    page = browser.get("/purchases", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    # Signing in again works, and a new token can be made.
    sign_in(browser, buyer.email)
    assert browser.get("/purchases", follow_redirects=False).status_code == 200

    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.deactivated")).one()
    assert event.after is not None
    assert (event.after["sessions_ended"], event.after["tokens_revoked"]) == (1, 1)
