"""Journeys through notifications in a real browser: the reviewer is mailed and decides; the
ESG team sends a data request and follows it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from e2e_helpers import sign_in_as
from playwright.sync_api import Page, expect
from smtp_inbox import Mail, MailServer, mail_server

from portal.clock import plant_today
from portal.demo import DEMO_PASSWORD


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """A real SMTP server the live portal mails through, drained by its own thread."""
    with mail_server() as (server, port):
        monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PORTAL_SMTP_PORT", str(port))
        monkeypatch.setenv("PORTAL_SMTP_STARTTLS", "false")
        monkeypatch.setenv("PORTAL_NOTIFY_IN_APP", "true")
        monkeypatch.setenv("PORTAL_NOTIFY_POLL_S", "0.3")
        from portal.notifications.config import get_notify_settings

        get_notify_settings.cache_clear()
        yield server
        get_notify_settings.cache_clear()


def _mail(server: MailServer, to: str, containing: str, timeout_s: float = 20) -> Mail:
    deadline = time.monotonic() + timeout_s
    while True:
        found = [mail for mail in server.to(to) if containing in mail.subject + mail.text]
        if found:
            return found[-1]
        assert time.monotonic() < deadline, f"no mail to {to} with {containing!r}"
        time.sleep(0.2)


def test_the_reviewer_gets_the_email_opens_its_link_and_decides(
    smtp: MailServer,
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    # The demo's 6063 billet declaration waits for a person: the ESG team was told by email.
    mail = _mail(smtp, "esg@demo.portal", "6063")
    assert mail.subject.startswith("待审核")  # no language chosen: Chinese
    [link] = re.findall(rf"{re.escape(live_server.url)}/review/\d+", mail.text)

    page.goto(link)  # not signed in: the sign-in form, then the declaration
    page.locator("#email").fill("esg@demo.portal")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#sign-in-form button[type=submit]").click()
    expect(page).to_have_url(link)
    page.locator("#decision-comment").fill("Please upload the declaration with its text layer.")
    page.locator("#reject-button").click()
    expect(page.locator("#summary-status")).to_have_text("rejected")

    # The supplier is told, with the comment; its home page lists the declaration to fix.
    told = [
        m for m in smtp.messages if "Please upload the declaration with its text layer." in m.text
    ]
    deadline = time.monotonic() + 20
    while not told:
        assert time.monotonic() < deadline, "the supplier was not told"
        time.sleep(0.2)
        told = [
            m
            for m in smtp.messages
            if "Please upload the declaration with its text layer." in m.text
        ]
    supplier = told[0].to[0]
    page.locator("#sign-out").click()
    sign_in_as(page, live_server.url, supplier)
    expect(page.locator("#inbox-to-fix")).to_contain_text("6063")
    expect(page.locator("#unread-count")).to_be_visible()
    page.locator("#nav-notifications").click()
    page.locator("#notification-list .unread button", has_text="已拒绝").first.click()
    expect(page.locator("#summary-status")).to_have_text("rejected")


def test_esg_sends_a_data_request_sees_progress_and_reminds(
    smtp: MailServer,
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    due = (plant_today() + timedelta(days=21)).isoformat()
    sign_in_as(page, live_server.url, "esg@demo.portal")
    page.locator("#nav-data-requests").click()
    page.locator("#new-data-request").click()
    page.locator("#title").fill("Primary ingot footprints")
    page.locator("#chosen-suppliers").check()
    page.locator("#supplier-YNSD").check()
    page.locator("#supplier-SXML").check()
    page.locator("#due_on").fill(due)
    page.locator("#message").fill("For the annual ASI report.")
    page.locator("#send-data-request").click()
    # No material chosen: the form says so and keeps what was typed.
    expect(page.locator("#error-materials")).to_have_text("Choose at least one material.")
    expect(page.locator("#title")).to_have_value("Primary ingot footprints")
    page.locator("#material-al_primary_ingot").check()
    page.locator("#send-data-request").click()

    expect(page.locator("#data-request-title")).to_have_text("Primary ingot footprints")
    expect(page.locator("#count-requested")).to_have_text("requested: 2")
    expect(page.locator("#count-accepted")).to_have_text("accepted: 0")
    asked = _mail(smtp, "smelter@demo.portal", "Primary ingot footprints")
    assert "For the annual ASI report." in asked.text

    page.locator("#remind-YNSD").click()
    expect(page.locator("#reminder-sent")).to_be_visible()
    expect(page.locator("#progress-YNSD .reminders")).to_contain_text("1")
    expect(page.locator("#progress-SXML .reminders")).to_contain_text("0")
    _mail(smtp, "smelter@demo.portal", "提醒")
    # Asked, not reminded (the demo's own data requests mail SXML too: only this one counts).
    this_request = [
        mail for mail in smtp.to("coalsmelter@demo.portal") if "Primary ingot" in mail.subject
    ]
    assert len(this_request) == 1

    # The supplier finds the request on its home page, linked to the declaration form.
    page.locator("#sign-out").click()
    sign_in_as(page, live_server.url, "smelter@demo.portal")
    expect(page.locator("#inbox-requests")).to_contain_text("Primary ingot footprints")
    page.locator("#inbox-requests a", has_text="Primary ingot footprints").click()
    expect(page.locator("#material_code")).to_have_value("al_primary_ingot")
