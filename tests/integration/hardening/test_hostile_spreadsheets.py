"""Hostile spreadsheets through the real import route: refused at once, by name, and the
portal keeps answering everyone else meanwhile."""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import spreadsheet_factory as factory
from declarations_helpers import World
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hardening_helpers import LimitedClient, Stored, bearer, browse_as
from helpers import csrf_from
from sqlmodel import Session

from portal.config import Settings
from portal.procurement import importreader, imports

# Each file with what the buyer reads, in English and in Chinese.
HOSTILE: list[tuple[str, Callable[[], bytes], str, str]] = [
    (
        "empty_rows_190_mib",  # 0.27 MiB holding 190 MiB of <row/>: refused after 152 s before
        factory.empty_rows_xlsx,
        "The spreadsheet unpacks to more than 100 MiB",
        "该电子表格解压后超过 100 MiB",
    ),
    (
        "a_million_empty_rows",  # within the unpacked size: the rows are what is counted
        factory.many_empty_rows_xlsx,
        "more than 100,000 rows, empty rows included",
        "超过 100,000 行（空行也计入）",
    ),
    (
        "shared_string_bomb",  # 20,000 rows of cells pointing at one 2,100-character string
        factory.shared_string_bomb_xlsx,
        "more than 20,000,000 characters of text once unpacked",
        "超过 20,000,000 个字符",
    ),
    (
        "one_string_of_90_million_characters",  # counted as it is read, not once it ends
        factory.one_long_string_xlsx,
        "more than 20,000,000 characters of text once unpacked",
        "超过 20,000,000 个字符",
    ),
    (
        "zip_of_150000_entries",  # its table alone froze the loop for a second
        factory.many_entries_zip,
        "more than 1,000 packed parts",
        "超过 1,000 个压缩部件",
    ),
    (
        "zip_understating_its_entries",
        factory.understated_entries_zip,
        "more than 1,000 packed parts",
        "超过 1,000 个压缩部件",
    ),
    (
        "a_million_and_a_half_cells",
        factory.many_cells_xlsx,
        "more than 1,000,000 cells",
        "超过 1,000,000 个单元格",
    ),
    (
        "element_flood",
        factory.element_flood_xlsx,
        "more than 4,000,000 XML elements",
        "超过 4,000,000 个 XML 元素",
    ),
    (
        "20001_lines_of_40_columns",  # within every other limit: read to its end, then refused
        factory.too_many_lines_xlsx,
        "more than 20,000 lines: split it into several files",
        "文件超过 20,000 行：请拆分为多个文件。",
    ),
    (
        "csv_of_two_million_blank_lines",
        factory.blank_lines_csv,
        "more than 1,100,000 rows, empty rows included",
        "超过 1,100,000 行（空行也计入）",
    ),
]


def _upload(client: TestClient, data: bytes, language: str = "en") -> Any:
    client.cookies.set("portal_lang", language)
    headers = {"Accept-Language": "zh-CN" if language == "zh" else "en"}
    token = csrf_from(client.get("/purchases/import", headers=headers).text)
    return client.post(
        "/purchases/import",
        headers=headers,
        data={"csrf_token": token},
        files={"file": ("erp.xlsx", data, "application/octet-stream")},
    )


@pytest.fixture
def buyer_page(client: TestClient, session: Session, world: World) -> TestClient:
    """The client browsing as the buyer."""
    browse_as(client, session, world.buyer)
    return client


@pytest.mark.parametrize(
    ("make", "english", "chinese"),
    [item[1:] for item in HOSTILE],
    ids=[item[0] for item in HOSTILE],
)
def test_a_hostile_spreadsheet_is_refused_at_once_by_name_and_nothing_is_stored(
    buyer_page: TestClient,
    session: Session,
    settings: Settings,
    make: Callable[[], bytes],
    english: str,
    chinese: str,
) -> None:
    body = make()
    before = Stored.now(session, settings)
    for language, reason in (("en", english), ("zh", chinese)):
        started = time.monotonic()
        page = _upload(buyer_page, body, language)
        assert time.monotonic() - started < 15  # generous: each is refused within 2 s here
        assert page.status_code == 422
        assert 'id="error-file"' in page.text and reason in page.text, page.text[-3000:]
        assert "Traceback" not in page.text
    assert Stored.now(session, settings) == before  # no import, no line, no audit entry
    good = _upload(buyer_page, factory.honest_xlsx(3))
    assert good.status_code == 200 and "3 lines: 0 new" in good.text


def test_while_a_spreadsheet_is_read_health_and_checks_keep_answering(
    buyer_page: TestClient, session: Session, world: World
) -> None:
    erp = bearer(session, world.buyer)
    check = {"supplier": "ACME", "material": "al_primary_ingot", "quantity_t": "1",
             "product_line": "alloy"}  # fmt: skip
    importreader.get_import_reader().start()
    body = factory.too_many_lines_xlsx()  # a second or more of parsing, then refused
    answered: list[Any] = []
    uploading = threading.Thread(target=lambda: answered.append(_upload(buyer_page, body)))
    uploading.start()
    deadline = time.monotonic() + 10
    while imports.reading_now() < 1:  # signed in and sent: the file is being read
        assert time.monotonic() < deadline and uploading.is_alive()
        time.sleep(0.01)
    waits: list[float] = []
    while uploading.is_alive():
        started = time.monotonic()
        assert buyer_page.get("/healthz").status_code == 200
        assert buyer_page.post("/api/v1/checks", headers=erp, json=check).status_code == 200
        waits.append(time.monotonic() - started)
        time.sleep(0.05)
    uploading.join()
    [page] = answered
    assert page.status_code == 422 and "more than 20,000 lines" in page.text
    # Parsed on the event loop, the file held every request for its whole parse (seconds).
    assert len(waits) >= 3 and max(waits) < 2, waits


def test_the_upload_route_reads_the_file_off_the_event_loop(client: TestClient) -> None:
    [route] = [
        entry.route
        for entry in client.app.state.route_table  # type: ignore[attr-defined]
        if entry.route.name == "upload_purchase_import"
    ]
    assert isinstance(route, APIRoute) and not inspect.iscoroutinefunction(route.endpoint)


def test_a_file_over_the_upload_limit_is_refused_naming_the_limit(
    limited_client: LimitedClient, session: Session, world: World, settings: Settings
) -> None:
    with limited_client(max_import_mb=1) as client:
        browse_as(client, session, world.buyer)
        before = Stored.now(session, settings)
        # 1.2 MB: within the request's bound (the limit and 1 MB for the form), over the file's.
        body = (",".join(factory.HEADER) + "\n").encode() + b"#" * 1_200_000
        for language, reason in (
            ("en", "The file is larger than 1 MB: split it into several files."),
            ("zh", "文件超过 1 MB：请拆分为多个文件。"),
        ):
            page = _upload(client, body, language)
            assert page.status_code == 422 and reason in page.text
        assert Stored.now(session, settings) == before


def test_past_a_few_files_being_read_a_buyer_is_told_to_come_back(
    buyer_page: TestClient, session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "READING_PLACES", 1)  # as many places as workers: two
    slow = factory.too_many_lines_xlsx()
    before = Stored.now(session, settings)
    answered: list[Any] = []
    reading = [
        threading.Thread(target=lambda: answered.append(_upload(buyer_page, slow)))
        for _ in range(importreader.WORKERS)
    ]
    for thread in reading:
        thread.start()
    deadline = time.monotonic() + 10
    while imports.reading_now() < importreader.WORKERS:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    for language, message in (
        ("en", "The portal is busy reading other files. Try again in a minute."),
        ("zh", "门户正忙于读取其他文件，请一分钟后再试。"),
    ):
        busy = _upload(buyer_page, factory.honest_xlsx(2), language)
        assert busy.status_code == 503 and message in busy.text
        assert busy.headers["Retry-After"]
    for thread in reading:
        thread.join(60)
    assert [page.status_code for page in answered] == [422] * importreader.WORKERS
    assert Stored.now(session, settings) == before
    assert _upload(buyer_page, factory.honest_xlsx(2)).status_code == 200
