"""A buyer uploads a large ERP export: a progress bar while it is checked, then the preview,
then a progress bar while it is stored, then the ledger."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_helpers import sign_in_as
from playwright.sync_api import Page, expect

from portal.jobs.config import get_job_settings
from portal.procurement import imports

HEADER = "po_number,po_line,supplier,material,quantity_t,date,product_line,exception_reason\n"


@pytest.fixture
def jobs_in_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The live server runs background jobs, in batches of 50 lines."""
    monkeypatch.setenv("PORTAL_JOBS_IN_APP", "true")
    monkeypatch.setattr(imports, "BATCH_SIZE", 50)
    get_job_settings.cache_clear()
    yield
    get_job_settings.cache_clear()


def test_a_large_import_shows_progress_then_the_preview_then_is_stored(
    jobs_in_app: None,
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in_as(page, live_server.url, "buyer@demo.portal")
    page.goto(live_server.url + "/purchases/import")
    body = HEADER + "".join(
        f"E2E-{n},1,YNSD,al_primary_ingot,2,2026-03-02,alloy,Approved by ESG\n" for n in range(300)
    )
    page.locator("#file").set_input_files(
        {"name": "erp-large.csv", "mimeType": "text/csv", "buffer": body.encode()}
    )
    # the first file starts the bounded reader process: give it time on a busy machine
    page.locator("#upload-import").click(no_wait_after=True)
    expect(page.locator("#import-progress-box")).to_be_visible(timeout=90_000)
    expect(page.locator("#cancel-import")).to_be_visible()
    # the page polls the fragment until checking ends, then shows the preview
    expect(page.locator("#confirm-import")).to_be_visible(timeout=60_000)
    expect(page.locator("#import-summary")).to_contain_text("300")
    page.locator("#confirm-import-button").click(no_wait_after=True)
    page.wait_for_url("**/purchases?import_id=*", timeout=60_000)
    assert "stored=300" in page.url
    assert problems == []
