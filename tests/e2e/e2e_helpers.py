"""Small helpers shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from portal.demo import DEMO_PASSWORD


def sign_in_as(page: Page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form and wait for the start page."""
    page.goto(base_url + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#sign-in-form button[type=submit]").click()
    expect(page.locator("#current-user")).to_have_text(email)
