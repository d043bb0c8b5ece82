"""A person resets a forgotten password through a real SMTP server's mail, and makes a token."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_helpers import sign_in_as
from playwright.sync_api import Page, expect
from smtp_inbox import mail_server

NEW_PASSWORD = "a-new-password-2026"


@pytest.fixture
def mail(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) the portal mails to; set up before the live server."""
    with mail_server() as (server, port):
        monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PORTAL_SMTP_PORT", str(port))
        monkeypatch.setenv("PORTAL_SMTP_STARTTLS", "false")
        yield server


def _mail_to(server: Any, address: str) -> Any:
    deadline = time.monotonic() + 15
    while not server.to(address) and time.monotonic() < deadline:
        time.sleep(0.1)
    [message] = server.to(address)
    return message


def test_a_forgotten_password_is_reset_through_the_emailed_link(
    page: Page,
    mail: Any,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    base = live_server.url
    page.goto(base + "/login")
    page.locator("#forgot-link").click()
    page.locator("#email").fill("buyer@demo.portal")
    page.locator("#forgot-submit").click()
    expect(page.locator("#reset-sent")).to_contain_text(
        "If an account exists for buyer@demo.portal"
    )

    message = _mail_to(mail, "buyer@demo.portal")
    assert "Reset your password" in message.subject
    link = re.search(r"(http://127\.0\.0\.1:\d+/password/reset/\S+)", message.text)
    assert link, message.text
    page.goto(link.group(1))
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#password_confirm").fill(NEW_PASSWORD)
    page.locator("#reset-submit").click()
    expect(page.locator("#reset-done")).to_contain_text("Your new password is set")

    page.goto(link.group(1))  # used once: gone
    expect(page.locator("#error")).to_be_visible()
    sign_in_as(page, base, "buyer@demo.portal", NEW_PASSWORD)


def test_a_person_creates_an_api_token_on_the_account_page_and_the_docs_authorize_with_it(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    base = live_server.url
    sign_in_as(page, base, "buyer@demo.portal")
    page.goto(base + "/account")
    page.locator("#token-name").fill("ERP test")
    page.locator("#create-token").click()
    token = page.locator("#new-token-value").inner_text()
    assert token.startswith("pcp_")
    page.goto(base + "/account")  # shown once: the page opened again does not show it
    expect(page.locator("#new-token-value")).to_have_count(0)
    expect(page.locator("#own-tokens")).to_contain_text("ERP test")

    page.locator("#api-docs-link").click()
    page.locator(".btn.authorize").click()
    page.locator(".modal-ux input").first.fill(token)
    page.locator(".modal-ux .btn.authorize").click()
    page.locator(".modal-ux .btn-done").click()
    page.locator("[id^=operations-account-api_me]").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table td.response-col_status").last).to_contain_text("200")
    expect(page.locator(".live-responses-table")).to_contain_text("buyer@demo.portal")
    expect(page.locator("#back-to-portal")).to_have_attribute("href", "/")

    page.goto(base + "/account")
    expect(page.locator("#own-tokens .last-used")).to_contain_text("UTC")
