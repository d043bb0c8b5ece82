"""A program that names no language gets the API's errors in English; people get their own."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_api_errors_are_english_without_accept_language(client: TestClient) -> None:
    # The client fixture sends Accept-Language: en; a bare HTTP client sends none at all.
    bare = client.get("/api/v1/me", headers={"Accept-Language": ""})
    assert bare.status_code == 401
    assert bare.json()["detail"] == "A valid bearer token is required."
    chinese = client.get("/api/v1/me", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert chinese.json()["detail"] == "需要有效的访问令牌（Bearer）。"
    # Pages still default to Chinese for a browser that names no language.
    assert "登录" in client.get("/login", headers={"Accept-Language": ""}).text
