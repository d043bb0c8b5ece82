"""Hostile PDFs through the real upload routes: a clear refusal, and nothing stored."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pdf_factory
import pytest
from declarations_helpers import World, api_fields, pdf, submit
from fastapi.testclient import TestClient
from hardening_helpers import (
    LimitedClient,
    Stored,
    bearer,
    browse_as,
    in_chunks,
    multipart,
)
from helpers import csrf_from
from sqlmodel import Session

from portal import i18n
from portal.config import Settings, get_settings
from portal.declarations import reading, service

FIELD = {
    "en": "Declaration or CFP study report (PDF): the file declaration.pdf was refused.",
    "zh": "碳足迹声明或产品碳足迹（CFP）研究报告（PDF）：文件 declaration.pdf 被拒收。",
}
HOSTILE: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("zero_bytes", pdf_factory.empty_file, "The file is empty.", "文件为空。"),
    ("truncated", pdf_factory.truncated_pdf, "damaged or incomplete", "已损坏或不完整"),
    ("not_a_pdf", pdf_factory.not_a_pdf, "The file is not a PDF", "该文件不是 PDF 文件"),
    ("encrypted", pdf_factory.encrypted_pdf, "encrypted or password-protected", "已加密"),
    ("flate_bomb", pdf_factory.flate_bomb_pdf, "decompression bomb", "疑似解压炸弹"),
    ("circular_xref", pdf_factory.circular_xref_pdf, "damaged or incomplete", "已损坏或不完整"),
    (
        "too_many_pages",
        lambda: pdf_factory.many_pages_pdf(51),
        "The PDF has 51 pages; at most 50 are accepted.",
        "该 PDF 共 51 页，超过上限 50 页。",
    ),
]
CHANNELS = ("form", "api")


def _speak(client: TestClient, language: str) -> dict[str, str]:
    client.cookies.set("portal_lang", language)
    return {"Accept-Language": "zh-CN" if language == "zh" else "en"}


def send(
    client: TestClient,
    channel: str,
    headers: dict[str, str],
    body: bytes,
    language: str = "en",
    name: str = "declaration.pdf",
) -> Any:
    """Submit a good form with BODY as the declaration PDF, through the page or the API."""
    headers = {**headers, **_speak(client, language)}
    upload = {"declaration_pdf": (name, body, "application/pdf")}
    if channel == "form":
        return submit(client, files=upload)
    return client.post(
        "/api/v1/declarations",
        headers=headers,
        data={"declaration": json.dumps(api_fields())},
        files=upload,
    )


def refusal_text(response: Any, channel: str) -> str:
    """The refusal the user reads: the page, or the API's detail for the named field."""
    if channel == "form":
        assert 'id="error-declaration_pdf"' in response.text
        return str(response.text)
    problem = response.json()
    assert problem["field"] == "declaration_pdf"
    assert [error["field"] for error in problem["errors"]] == ["declaration_pdf"]
    return str(problem["detail"])


@pytest.fixture
def supplier_headers(client: TestClient, world: World, session: Session) -> dict[str, str]:
    """The supplier signed in on the client (pages) with a token of its own (API)."""
    browse_as(client, session, world.acme_user)
    return bearer(session, world.acme_user)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("make", "english", "chinese"),
    [item[1:] for item in HOSTILE],
    ids=[item[0] for item in HOSTILE],
)
def test_a_hostile_pdf_is_refused_in_the_users_language_and_nothing_is_stored(
    client: TestClient,
    session: Session,
    settings: Settings,
    supplier_headers: dict[str, str],
    channel: str,
    make: Callable[[], bytes],
    english: str,
    chinese: str,
) -> None:
    before = Stored.now(session, settings)
    body = make()
    for language, reason in (("en", english), ("zh", chinese)):
        response = send(client, channel, supplier_headers, body, language)
        assert response.status_code == 422, response.text
        text = refusal_text(response, channel)
        assert FIELD[language] in text and reason in text, text
        assert "Traceback" not in response.text
    assert Stored.now(session, settings) == before  # no declaration, file or audit entry
    # The portal keeps working: the same supplier's good file goes through at once.
    good = send(client, channel, supplier_headers, pdf()[1])
    assert good.status_code in (201, 303), good.text


@pytest.mark.parametrize("channel", CHANNELS)
def test_files_over_the_size_limit_are_refused_with_and_without_content_length(
    limited_client: LimitedClient,
    world: World,
    session: Session,
    channel: str,
) -> None:
    with limited_client(max_upload_mb=1) as client:
        settings = get_settings()
        browse_as(client, session, world.acme_user)
        headers = bearer(session, world.acme_user)
        before = Stored.now(session, settings)

        # Within the request bound but over the file limit: refused naming the field.
        slightly_over = pdf_factory.oversized_pdf(1_200_000)
        for language, reason in (
            ("en", "at most 1.0 MiB are accepted"),
            ("zh", "超过上限 1.0 MiB"),
        ):
            response = send(client, channel, headers, slightly_over, language)
            assert response.status_code == 422
            text = refusal_text(response, channel)
            assert FIELD[language] in text and reason in text, text

        # Over the whole request's bound: refused before the body is read, or while it streams.
        far_over = pdf_factory.oversized_pdf(3 << 20)
        url = "/declarations" if channel == "form" else "/api/v1/declarations"
        for language, reason in (
            ("en", "Request too large: the limit is 1 MB."),
            ("zh", "请求过大：上限为 1 MB。"),
        ):
            page_headers = {**headers, **_speak(client, language)}
            fields = {"declaration": json.dumps(api_fields())}
            if channel == "form":
                page_headers = _speak(client, language)
                fields = {"csrf_token": csrf_from(client.get("/declarations/new").text)}
            content_type, body = multipart(
                fields, {"declaration_pdf": ("declaration.pdf", far_over, "application/pdf")}
            )
            declared = client.post(
                url, content=body, headers={**page_headers, "Content-Type": content_type}
            )
            streamed = client.post(
                url,
                content=in_chunks(body),
                headers={**page_headers, "Content-Type": content_type},
            )
            for response in (declared, streamed):
                assert response.status_code == 413
                assert reason in response.text
        assert Stored.now(session, settings) == before


def _worker(settings: Settings) -> int:
    """The one running worker process of the reader for SETTINGS."""
    [pid] = service.pdf_reader(settings).worker_pids
    return pid


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


BOUNDS = {
    "time": (
        {"pdf_timeout_s": 0.5},
        lambda: pdf_factory.slow_pdf(text_operations=150_000),
        "took longer than 0.5 seconds",
    ),
    "memory": (
        {"pdf_timeout_s": 20, "pdf_memory_mb": 128},
        pdf_factory.many_bombs_pdf,
        "more than 128 MiB of memory",
    ),
}


@pytest.mark.parametrize("bound", BOUNDS)
def test_the_reader_is_killed_at_its_time_and_memory_bounds_and_the_request_answers(
    limited_client: LimitedClient, world: World, session: Session, bound: str
) -> None:
    limits, make, reason = BOUNDS[bound]
    with limited_client(pdf_workers=1, **limits) as client:
        settings = get_settings()
        browse_as(client, session, world.acme_user)
        headers = bearer(session, world.acme_user)
        assert send(client, "api", headers, pdf()[1]).status_code == 201
        # Workers yield the CPU to the server, so hostile files slow only their own reading.
        server = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, _worker(settings)) == min(19, server + 10)
        before = Stored.now(session, settings)
        body = make()
        for channel in CHANNELS:
            worker = _worker(settings)
            started = time.monotonic()
            response = send(client, channel, headers, body)
            assert time.monotonic() - started < 15
            assert response.status_code == 422
            assert reason in refusal_text(response, channel)
            assert _gone(worker)  # killed; the next file starts a fresh worker
            assert service.pdf_reader(settings).worker_pids == []
            assert Stored.now(session, settings) == before
            assert send(client, "api", headers, pdf()[1]).status_code == 201
            assert _worker(settings) != worker
            before = Stored.now(session, settings)


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_a_parser_that_crashes_mid_file_leaves_nothing_and_the_next_file_is_read(
    limited_client: LimitedClient, world: World, session: Session
) -> None:
    with limited_client(pdf_timeout_s=30, pdf_workers=1) as client:
        settings = get_settings()
        headers = bearer(session, world.acme_user)
        client.post(  # start the worker with a first, good file
            "/api/v1/declarations",
            headers=headers,
            data={"declaration": json.dumps(api_fields())},
            files={"declaration_pdf": pdf()},
        )
        before = Stored.now(session, settings)
        worker = _worker(settings)
        idle = _cpu_ticks(worker)
        answers: list[Any] = []
        sending = threading.Thread(
            target=lambda: answers.append(send(client, "api", headers, pdf_factory.slow_pdf()))
        )
        sending.start()
        deadline = time.monotonic() + 20
        while _cpu_ticks(worker) < idle + 10:  # the worker is busy parsing the file
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(worker, signal.SIGSEGV)  # as a parser bug would end it
        sending.join(30)
        [response] = answers
        assert response.status_code == 422
        assert "damaged or incomplete" in refusal_text(response, "api")
        assert Stored.now(session, settings) == before
        assert send(client, "api", headers, pdf()[1]).status_code == 201
        assert _worker(settings) != worker


BUSY = "The portal is busy reading other files. Try again in a minute."


def in_language(language: str, message: str) -> str:
    """MESSAGE as the portal says it in LANGUAGE."""
    token = i18n.current_locale.set(language)
    try:
        return i18n.gettext(message)
    finally:
        i18n.current_locale.reset(token)


def test_past_a_few_waiting_files_a_supplier_is_told_to_come_back_and_others_are_served(
    limited_client: LimitedClient,
    world: World,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    places = 2  # one file read, one waiting (the portal has two thirds of its request slots)
    monkeypatch.setattr(reading, "READING_PLACES", places)
    with limited_client(pdf_timeout_s=0.5, pdf_workers=1) as client:
        settings = get_settings()
        headers = bearer(session, world.acme_user)
        buyer = bearer(session, world.buyer)
        before = Stored.now(session, settings)
        slow = pdf_factory.slow_pdf()
        with ThreadPoolExecutor(max_workers=places) as pool:
            waiting = [pool.submit(send, client, "api", headers, slow) for _ in range(places)]
            deadline = time.monotonic() + 10
            while service.reading_now() < places:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            for language in ("en", "zh"):
                refused = send(client, "api", headers, pdf()[1], language)
                assert refused.status_code == 503
                assert refused.json()["detail"] == in_language(language, BUSY)
            check = {"supplier": "ACME", "material": "al_primary_ingot", "quantity_t": "1",
                     "product_line": "alloy"}  # fmt: skip
            assert client.post("/api/v1/checks", headers=buyer, json=check).status_code == 200
            assert [future.result().status_code for future in waiting] == [422] * places
        assert Stored.now(session, settings).rows["declaration"] == before.rows["declaration"]
        assert send(client, "api", headers, pdf()[1]).status_code == 201
