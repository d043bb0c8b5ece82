"""The ESG team previews an EMS export, sees the bad line by its number, then stores a good one."""

from __future__ import annotations

from e2e_helpers import sign_in_as
from playwright.sync_api import Page, expect

HEADER = "表计编号,时间,读数,单位\n"
GOOD = (
    "CH-AUX-EL,2024-06-01 00:00,500000,kWh\n"  # line 2
    "CH-AUX-EL,2024-06-01 01:00,500070,kWh\n"  # line 3
)


def test_ems_import_preview_names_the_bad_line_and_a_good_file_is_stored(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in_as(page, live_server.url, "esg@demo.portal")
    page.goto(live_server.url + "/energy")
    page.locator("#link-energy-imports").click()
    expect(page.locator("#import-columns")).to_contain_text("表计编号")

    bad = HEADER + GOOD + "CH-AUX-EL,2024-06-01 02:00,abc,kWh\n"  # line 4: not a number
    page.locator("#import-file").set_input_files(
        {"name": "ems-bad.csv", "mimeType": "text/csv", "buffer": bad.encode()}
    )
    # the first file starts the bounded reader process: give it time on a busy machine
    page.locator("#upload-import").click(no_wait_after=True)
    expect(page.locator("#import-invalid")).to_be_visible(timeout=90_000)
    expect(page.locator("#error-line-4")).to_contain_text("value")
    expect(page.locator("#confirm-import")).to_have_count(0)

    page.goto(live_server.url + "/energy/imports")
    page.locator("#import-file").set_input_files(
        {"name": "ems-good.csv", "mimeType": "text/csv", "buffer": (HEADER + GOOD).encode()}
    )
    page.locator("#upload-import").click(no_wait_after=True)
    expect(page.locator("#confirm-import")).to_be_visible(timeout=60_000)
    page.locator("#confirm-import-button").click(no_wait_after=True)
    expect(page.locator("#import-confirmed")).to_be_visible(timeout=60_000)
    assert problems == []
