"""The ESG team watches the live energy page update itself and acknowledges an alert."""

from __future__ import annotations

import time

from e2e_helpers import sign_in_as
from playwright.sync_api import Page, expect
from sqlmodel import Session

from portal import db
from portal.audit import Actor
from portal.energy import alerts, meters, readings
from portal.energy.readings import RawReading


def _spiking_meter() -> None:
    """A meter of the live portal that reads 10 kWh an hour for ten hours, then 500."""
    now = int(time.time()) // 3600 * 3600
    with Session(db.get_engine()) as session:
        meters.save(
            session,
            actor=Actor(label="e2e"),
            data={
                "code": "E2E-EL", "name": "E2E press", "site": "Shanxi plant",
                "workshop": "Extrusion", "equipment": "Press 9", "medium": "electricity",
                "kind": "cumulative", "interval_s": 3600, "product_line": "extrusion",
                "in_service_from": "2024-01-01",
            },
        )  # fmt: skip
        values = [10.0 * i for i in range(11)] + [600.0]
        items = [RawReading("E2E-EL", now - (11 - i) * 3600, v) for i, v in enumerate(values)]
        result = readings.ingest(session, items=items, source="http")
        alerts.on_ingested(session, result)
        session.commit()


def test_live_page_updates_itself_and_an_alert_is_acknowledged(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in_as(page, live_server.url, "esg@demo.portal")
    page.goto(live_server.url + "/energy")
    expect(page.locator("#live-alloy")).to_be_visible()
    expect(page.locator("#live-flagged")).not_to_contain_text("E2E-EL")
    first = page.locator("#live-updated").inner_text()

    _spiking_meter()
    # htmx polls every 10 seconds: the flagged reading appears without a reload
    expect(page.locator("#live-flagged")).to_contain_text("E2E-EL", timeout=25_000)
    expect(page.locator("#live-flagged")).to_contain_text("spike")
    assert page.locator("#live-updated").inner_text() != first

    page.locator("#to-alerts").click()
    form = page.locator("form[id^=ack-form-]").first
    form.locator("textarea").fill("Press 9 restarted after a die change; real load.")
    form.locator("button[type=submit]").click()
    expect(page.locator("#acknowledged-notice")).to_be_visible()
    expect(page.locator("#done-alerts")).to_contain_text("Press 9 restarted")
    expect(page.locator("#no-open-alerts")).to_be_visible()
    assert problems == []
