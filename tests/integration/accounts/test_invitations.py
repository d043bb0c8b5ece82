"""An admin invites users; the invitee sets a password through a single-use link."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from helpers import csrf_from, make_supplier, make_user, post_form, sign_in
from sqlmodel import Session, select

from portal.accounts.models import Invitation, User
from portal.audit import AuditEvent


def _invite(client: TestClient, **data: str) -> str:
    response = post_form(client, "/admin/users", "/admin/users/invite", data)
    assert response.status_code == 200, response.text
    match = re.search(r'id="invitation-link" value="([^"]+)"', response.text)
    assert match, "no invitation link shown"
    return match.group(1).replace("http://127.0.0.1:8000", "")


def test_admin_invites_a_supplier_user_who_sets_a_password_and_signs_in(
    client: TestClient, session: Session
) -> None:
    supplier = make_supplier(session, "JCHY")
    make_user(session, "admin")
    sign_in(client, "admin@example.com")
    path = _invite(
        client,
        email="li@jchy.example",
        full_name="Li",
        role="supplier",
        supplier_id=str(supplier.id),
    )
    client.cookies.clear()

    form = client.get(path)
    assert form.status_code == 200 and "li@jchy.example" in form.text
    response = client.post(
        path,
        data={
            "password": "a-long-password",
            "password_confirm": "a-long-password",
            "csrf_token": csrf_from(form.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "li@jchy.example" in client.get("/").text

    user = session.exec(select(User).where(User.email == "li@jchy.example")).one()
    assert (
        user.supplier_id == supplier.id
        and user.password_hash
        and user.password_hash.startswith("$argon2id$")
    )
    assert session.exec(select(Invitation)).one().used_at is not None
    actions = [event.action for event in session.exec(select(AuditEvent)).all()]
    assert "user.invited" in actions and "user.invitation_accepted" in actions

    client.cookies.clear()
    assert client.get(path).status_code == 404  # single use


def test_invitation_refuses_a_short_or_unconfirmed_password(
    client: TestClient, session: Session
) -> None:
    make_user(session, "admin")
    sign_in(client, "admin@example.com")
    path = _invite(client, email="buyer2@example.com", role="buyer")
    client.cookies.clear()
    token = csrf_from(client.get(path).text)
    short = client.post(
        path, data={"password": "short", "password_confirm": "short", "csrf_token": token}
    )
    assert short.status_code == 422 and "at least 10 characters" in short.text
    mismatch = client.post(
        path,
        data={
            "password": "long-enough-1",
            "password_confirm": "long-enough-2",
            "csrf_token": token,
        },
    )
    assert mismatch.status_code == 422 and "do not match" in mismatch.text
    assert session.exec(select(Invitation)).one().used_at is None


def test_supplier_user_must_have_a_company_and_email_must_be_unique(
    client: TestClient, session: Session
) -> None:
    make_user(session, "admin")
    sign_in(client, "admin@example.com")
    no_company = post_form(
        client,
        "/admin/users",
        "/admin/users/invite",
        {"email": "x@example.com", "role": "supplier"},
    )
    assert no_company.status_code == 422
    assert "must belong to a supplier company" in no_company.text
    duplicate = post_form(
        client, "/admin/users", "/admin/users/invite", {"email": "ADMIN@example.com", "role": "esg"}
    )
    assert duplicate.status_code == 422 and "already exists" in duplicate.text
    assert session.exec(select(User).where(User.email == "x@example.com")).first() is None


def test_unknown_invitation_token_is_a_plain_404(client: TestClient) -> None:
    response = client.get("/invite/not-a-token")
    assert response.status_code == 404
    assert "does not exist" in response.text


def test_admin_adds_a_supplier_company_with_validation(
    client: TestClient, session: Session
) -> None:
    make_user(session, "admin")
    sign_in(client, "admin@example.com")
    bad = post_form(client, "/admin/suppliers", "/admin/suppliers", {"code": "!", "name_en": "X"})
    assert bad.status_code == 422 and "2–32 letters" in bad.text
    good = post_form(
        client,
        "/admin/suppliers",
        "/admin/suppliers",
        {"code": "ynsd", "name_zh": "云南水电铝", "country": "cn"},
    )
    assert good.status_code == 200 and 'id="supplier-YNSD"' in good.text
