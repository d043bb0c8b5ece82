"""Chinese and English: browser default, switch on every page, translated validation."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient
from helpers import csrf_from, make_user, sign_in
from sqlmodel import Session

from portal.i18n import negotiate


def test_language_follows_the_browser(client: TestClient) -> None:
    chinese = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert "登录" in chinese.text and 'lang="zh-Hans"' in chinese.text
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Sign in" in english.text and 'lang="en"' in english.text


def test_switch_is_remembered_and_returns_to_the_page(client: TestClient) -> None:
    response = client.get("/lang/zh?next=" + quote("/login?next=/account"), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/account"
    assert "登录" in client.get("/login").text  # cookie beats the English Accept-Language
    assert (
        client.get("/lang/zh?next=//evil.example", follow_redirects=False).headers["location"]
        == "/"
    )


def test_validation_messages_are_translated(client: TestClient, session: Session) -> None:
    make_user(session, "admin")
    client.get("/lang/zh")
    sign_in(client, "admin@example.com")
    token = csrf_from(client.get("/admin/suppliers").text)
    response = client.post(
        "/admin/suppliers",
        data={"code": "ok", "name_zh": "甲", "country": "China", "csrf_token": token},
    )
    assert response.status_code == 422
    assert "国家须为两位 ISO 代码" in response.text


def test_negotiation_prefers_quality_then_order() -> None:
    assert negotiate(None, "fr;q=1, en;q=0.5, zh;q=0.8") == "zh"
    assert negotiate(None, "en, zh") == "en"
    assert negotiate(None, "de") == "zh"
    assert negotiate("en", "zh") == "en"
    assert negotiate("xx", "en-US") == "en"
