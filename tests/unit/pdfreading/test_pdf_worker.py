"""The bounded reader: hostile files refused, workers reused, killed and replaced."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pdf_factory
import pytest

from portal.pdfreading import (
    FieldName,
    PdfReader,
    PdfRefused,
    close_reader,
    get_reader,
)
from portal.pdfreading import worker as worker_module

HOSTILE: list[tuple[Callable[[], bytes], str]] = [
    (pdf_factory.empty_file, "empty"),
    (pdf_factory.truncated_pdf, "broken"),
    (pdf_factory.not_a_pdf, "not_pdf"),
    (pdf_factory.encrypted_pdf, "encrypted"),
    (pdf_factory.flate_bomb_pdf, "bomb"),
    (pdf_factory.circular_xref_pdf, "broken"),
    (pdf_factory.many_pages_pdf, "too_many_pages"),
    (pdf_factory.oversized_pdf, "too_large"),
]


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


@pytest.fixture(scope="module")
def started(reader: PdfReader) -> PdfReader:
    reader.start()
    return reader


@pytest.mark.parametrize(("make", "code"), HOSTILE, ids=[make.__name__ for make, _ in HOSTILE])
def test_hostile_files_are_refused_with_their_code(
    started: PdfReader, make: Callable[[], bytes], code: str
) -> None:
    workers_before = started.worker_pids
    with pytest.raises(PdfRefused) as refused:
        started.read(make())
    assert refused.value.code == code
    assert refused.value.message_en and refused.value.message_zh
    # A refusal costs no worker, and the next file is read as usual.
    assert started.worker_pids == workers_before
    assert started.read(pdf_factory.text_pdf(["Carbon footprint: 4.2 tCO2e/t"])).fields


def test_a_declaration_is_read_in_the_worker(started: PdfReader) -> None:
    reading = started.read(pdf_factory.chinese_declaration())
    [footprint] = reading.named(FieldName.PCF)
    assert (footprint.value, footprint.t_per_t, footprint.page) == ("8.5", Decimal("8.5"), 1)
    assert reading.has_text_layer and reading.page_count == 1


def test_a_scan_is_read_as_having_no_text(started: PdfReader) -> None:
    reading = started.read(pdf_factory.scanned_pdf())
    assert (reading.has_text_layer, reading.fields) == (False, ())


def test_the_page_limit_is_inclusive(started: PdfReader) -> None:
    assert started.read(pdf_factory.many_pages_pdf(50)).page_count == 50
    with pytest.raises(PdfRefused) as refused:
        started.read(pdf_factory.many_pages_pdf(51))
    assert refused.value.code == "too_many_pages"
    assert "51" in refused.value.message_en and "51" in refused.value.message_zh


def test_workers_are_reused_between_files(started: PdfReader) -> None:
    before = started.worker_pids
    ten_pages = pdf_factory.english_declaration(pages=10)
    for _ in range(6):
        assert started.read(ten_pages).page_count == 10
    assert started.worker_pids == before
    assert len(before) == 2


def test_threads_sharing_a_reader_each_get_their_own_answer(started: PdfReader) -> None:
    files = {
        f"{n}.5": pdf_factory.english_declaration(pdf_factory.Declared(pcf=f"{n}.5"))
        for n in range(12)
    }

    def footprint(data: bytes) -> str:
        return started.read(data).named(FieldName.PCF)[0].value

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = dict(zip(files, pool.map(footprint, files.values()), strict=True))
    assert answers == {pcf: pcf for pcf in files}


@pytest.fixture
def small_reader() -> Iterator[PdfReader]:
    with PdfReader(workers=1, timeout_s=0.5) as one:
        one.start()
        yield one


def test_a_worker_that_times_out_is_killed_and_replaced(small_reader: PdfReader) -> None:
    [stuck] = small_reader.worker_pids
    started_at = time.monotonic()
    with pytest.raises(PdfRefused) as refused:
        small_reader.read(pdf_factory.slow_pdf(text_operations=150_000))
    assert refused.value.code == "timeout"
    assert "0.5" in refused.value.message_en
    assert time.monotonic() - started_at < 3
    assert not _alive(stuck)
    assert small_reader.read(pdf_factory.english_declaration()).named(FieldName.PCF)
    [fresh] = small_reader.worker_pids
    assert fresh != stuck
    small_reader.close()
    assert small_reader.worker_pids == []
    assert not _alive(fresh)


@pytest.mark.parametrize(
    ("sent", "code"), [(signal.SIGTERM, "broken"), (signal.SIGKILL, "out_of_memory")]
)
def test_a_worker_that_dies_mid_file_is_replaced(sent: signal.Signals, code: str) -> None:
    with PdfReader(workers=1, timeout_s=10) as one:
        one.start()
        [doomed] = one.worker_pids
        outcome: list[BaseException] = []

        def read_slow_file() -> None:
            try:
                one.read(pdf_factory.slow_pdf(text_operations=150_000))
            except PdfRefused as refusal:
                outcome.append(refusal)

        reading = threading.Thread(target=read_slow_file)
        reading.start()
        time.sleep(0.5)  # the file is sent at once and takes seconds to parse
        # SIGKILL is what the kernel's OOM killer sends.
        os.kill(doomed, sent)
        reading.join(5)
        [refusal] = outcome
        assert isinstance(refusal, PdfRefused) and refusal.code == code
        assert one.read(pdf_factory.english_declaration()).page_count == 1
        assert one.worker_pids != [doomed]


def test_a_file_that_needs_too_much_memory_is_refused() -> None:
    # pypdf's own per-stream cap is lifted so that the address-space limit is what stops it.
    with PdfReader(workers=1, memory_mb=160, max_stream_bytes=1 << 30) as one:
        one.start()
        [exhausted] = one.worker_pids
        with pytest.raises(PdfRefused) as refused:
            one.read(pdf_factory.flate_bomb_pdf(expanded_bytes=200 << 20))
        assert refused.value.code == "out_of_memory"
        assert "160" in refused.value.message_en
        assert one.read(pdf_factory.english_declaration()).page_count == 1
        assert one.worker_pids != [exhausted]
        assert not _alive(exhausted)


def test_a_closed_reader_refuses_to_read() -> None:
    reader = PdfReader(workers=1)
    reader.close()
    with pytest.raises(RuntimeError, match="closed"):
        reader.read(pdf_factory.english_declaration())


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        PdfReader(timeout_s=0)
    with pytest.raises(ValueError, match="workers"):
        PdfReader(workers=0)


def test_the_shared_reader_is_one_until_closed() -> None:
    first = get_reader()
    assert get_reader() is first
    close_reader()
    second = get_reader()
    assert second is not first
    close_reader()


def test_a_caller_interrupted_mid_file_does_not_pass_its_answer_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def send_then_interrupt(self: worker_module._Worker, data: bytes, timeout_s: float) -> None:
        self.connection.send_bytes(data)
        raise KeyboardInterrupt

    with PdfReader(workers=1) as one:
        first = pdf_factory.english_declaration(pdf_factory.Declared(pcf="1.1"))
        with monkeypatch.context() as patch:
            patch.setattr(worker_module._Worker, "ask", send_then_interrupt)
            with pytest.raises(KeyboardInterrupt):
                one.read(first)
        assert one.worker_pids == []
        second = pdf_factory.english_declaration(pdf_factory.Declared(pcf="2.2"))
        assert one.read(second).named(FieldName.PCF)[0].value == "2.2"
