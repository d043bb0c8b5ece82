"""Helpers shared by the tests: users, suppliers, signing in, CSRF-carrying posts."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text as sa_text
from sqlmodel import Session

from portal.accounts import service as accounts
from portal.accounts.models import User
from portal.audit import Actor
from portal.suppliers.models import Supplier

TEST_PASSWORD = "correct-horse-battery"
TEST_ACTOR = Actor(label="test setup")


def make_supplier(session: Session, code: str = "ACME", **fields: object) -> Supplier:
    """A committed supplier company."""
    supplier = accounts.create_supplier(
        session,
        actor=TEST_ACTOR,
        code=code,
        name_zh=str(fields.get("name_zh", f"{code} 公司")),
        name_en=str(fields.get("name_en", f"{code} Ltd")),
        is_own_plant=bool(fields.get("is_own_plant", False)),
    )
    session.commit()
    return supplier


def make_user(
    session: Session, role: str, email: str | None = None, supplier: Supplier | None = None
) -> User:
    """A committed user who can sign in with TEST_PASSWORD."""
    user = accounts.create_user(
        session,
        actor=TEST_ACTOR,
        email=email or f"{role}@example.com",
        password=TEST_PASSWORD,
        full_name=f"Test {role}",
        role=role,
        supplier_id=supplier.id if supplier else None,
    )
    session.commit()
    return user


CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token in a page's first form."""
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign CLIENT in through the real form."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def post_form(
    client: TestClient, page_url: str, action: str, data: dict[str, str], **kwargs: object
):  # type: ignore[no-untyped-def]
    """Open PAGE_URL for its CSRF token, then post DATA to ACTION."""
    token = csrf_from(client.get(page_url).text)
    return client.post(action, data={**data, "csrf_token": token}, **kwargs)


def insert_foundation_supplier(engine: Any, code: str) -> int:
    """A supplier row with only the columns of migration 0001 (for tests of old schemas)."""
    with engine.begin() as connection:
        return int(
            connection.execute(
                sa_text(
                    "INSERT INTO supplier (code, name_zh, name_en, country, is_own_plant, "
                    "created_at) VALUES (:code, :zh, :en, 'CN', false, "
                    "'2026-01-02 08:00:00.000000') RETURNING id"
                ),
                {"code": code, "zh": f"{code} 公司", "en": f"{code} Ltd"},
            ).scalar_one()
        )


def insert_foundation_user(engine: Any, role: str) -> int:
    """A user row with only the columns of migration 0001 (for tests of old schemas)."""
    with engine.begin() as connection:
        return int(
            connection.execute(
                sa_text(
                    "INSERT INTO user_account (email, full_name, role, is_active, created_at) "
                    "VALUES (:email, :name, :role, true, '2026-01-02 08:00:00.000000') "
                    "RETURNING id"
                ),
                {"email": f"{role}@example.com", "name": role, "role": role},
            ).scalar_one()
        )


def export_url(html: str, button_id: str) -> str:
    """The URL an export form's button BUTTON_ID downloads: its action and the form's fields
    (the page's filters, without the header choice, which defaults to the user's language)."""
    from html import unescape
    from urllib.parse import urlencode

    button = re.search(rf'formaction="([^"]+)" id="{button_id}"', html)
    assert button, f"no export button #{button_id}"
    form_start = html.rfind("<form", 0, button.start())
    fields = re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html[form_start : button.start()]
    )
    pairs = [(unescape(name), unescape(value)) for name, value in fields]
    return unescape(button.group(1)) + ("?" + urlencode(pairs) if pairs else "")
