"""Deny by default: roles, anonymous visitors, API tokens, error pages."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from helpers import make_supplier, make_user, sign_in
from sqlmodel import Session, select

from portal.accounts.models import ApiToken
from portal.app import PUBLIC_ROUTE_NAMES, _allowed_roles, route_table
from portal.security import create_api_token

ADMIN_PAGES = ["/admin/users", "/admin/suppliers"]


def test_every_non_public_page_sends_anonymous_visitors_to_sign_in(client: TestClient) -> None:
    checked = 0
    for entry in client.app.state.route_table:  # type: ignore[attr-defined]
        route, path = entry.route, re.sub(r"\{[^}]+\}", "1", entry.path)
        if route.name in PUBLIC_ROUTE_NAMES:
            continue
        for method in route.methods - {"HEAD"}:
            checked += 1
            response = client.request(method, path, follow_redirects=False)
            if path.startswith("/api/"):
                assert response.status_code == 401, (method, route.path)
            elif _allowed_roles(route) == ():  # PACT's own credentials, and only over HTTPS
                assert response.status_code in (401, 403), (method, route.path)
            elif method == "GET":
                assert response.status_code == 303, (method, route.path)
                assert response.headers["location"].startswith("/login?next=")
            else:
                assert response.status_code in (303, 403), (method, route.path)
    assert checked > 40  # the table really lists the portal's routes


def test_a_route_without_roles_is_refused_at_start_up() -> None:
    router = APIRouter()

    @router.get("/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match="/forgotten"):
        route_table([("", router)])


@pytest.mark.parametrize("role", ["supplier", "buyer", "esg"])
def test_only_admins_open_admin_pages(client: TestClient, session: Session, role: str) -> None:
    supplier = make_supplier(session) if role == "supplier" else None
    make_user(session, role, supplier=supplier)
    sign_in(client, f"{role}@example.com")
    for page in ADMIN_PAGES:
        response = client.get(page)
        assert response.status_code == 403
        assert "You do not have access to this page." in response.text


def test_not_found_page_leaks_nothing(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Traceback" not in response.text and "does not exist" in response.text


def test_api_requires_a_valid_unrevoked_bearer_token(client: TestClient, session: Session) -> None:
    user = make_user(session, "buyer")
    assert client.get("/api/v1/me").status_code == 401
    assert (
        client.get("/api/v1/me", headers={"Authorization": "Bearer pcp_forged"}).status_code == 401
    )
    token, plain = create_api_token(session, user, "ERP")
    session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200 and response.json()["role"] == "buyer"
    stored = session.exec(select(ApiToken)).one()
    assert plain not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64

    make_user(session, "admin")
    sign_in(client, "admin@example.com")
    page = client.get("/admin/users")
    from helpers import csrf_from

    revoke = client.post(
        f"/admin/tokens/{token.id}/revoke",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert revoke.status_code == 303
    client.cookies.clear()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_security_headers_on_every_page(client: TestClient) -> None:
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"


def test_healthz_and_openapi_are_public(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/me" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text


def test_suppliers_api_finds_by_code_and_name_for_staff_only(
    client: TestClient, session: Session
) -> None:
    make_supplier(session, "JCHY", name_zh="晋城宏远再生铝业", name_en="Jincheng Hongyuan")
    make_supplier(session, "YNSD", name_en="Yunnan Hydro")
    _token, plain = create_api_token(session, make_user(session, "buyer"), "ERP")
    session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    assert (
        client.get("/api/v1/suppliers/jchy", headers=headers).json()["name_zh"]
        == "晋城宏远再生铝业"
    )
    assert client.get("/api/v1/suppliers/NOPE", headers=headers).status_code == 404
    found = client.get("/api/v1/suppliers", params={"q": "hydro"}, headers=headers).json()
    assert [supplier["code"] for supplier in found] == ["YNSD"]
    supplier_user = make_user(
        session, "supplier", "s@example.com", supplier=make_supplier(session, "S1")
    )
    _token, supplier_plain = create_api_token(session, supplier_user, "own")
    session.commit()
    denied = client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {supplier_plain}"})
    assert denied.status_code == 403
