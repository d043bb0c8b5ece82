"""The import reader: files read in bounded worker processes, killed and replaced at a bound."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import spreadsheet_factory as factory

from portal.procurement.importfile import FileRefused, read_lines
from portal.procurement.importreader import ImportReader


@pytest.fixture(scope="module")
def reader() -> Iterator[ImportReader]:
    with ImportReader(workers=1) as shared:
        shared.start()
        yield shared


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _gone(pid: int) -> bool:
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


def test_a_file_reads_in_the_worker_as_in_process_below_the_servers_priority(
    reader: ImportReader,
) -> None:
    data = factory.honest_xlsx(50, "只有这家有货")
    assert reader.read("erp.xlsx", data).all() == read_lines("erp.xlsx", data)
    [worker] = reader.worker_pids
    server = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, worker) == min(19, server + 10)


def test_a_refusal_costs_no_worker(reader: ImportReader) -> None:
    before = reader.worker_pids
    with pytest.raises(FileRefused) as refused:
        reader.read("erp.xlsx", factory.shared_string_bomb_xlsx())
    assert refused.value.code == "too_much_text"
    assert refused.value.params == {"n": "20,000,000"}
    assert reader.worker_pids == before
    with pytest.raises(FileRefused) as refused:
        reader.read("erp.xlsx", factory.many_entries_zip())  # screened before any worker
    assert refused.value.code == "too_many_entries"
    assert reader.read("erp.xlsx", factory.honest_xlsx(2)).count == 2


def test_a_worker_over_its_time_is_killed_and_the_next_file_read_by_a_fresh_one() -> None:
    with ImportReader(workers=1, timeout_s=0.3) as slow:
        slow.start()
        [doomed] = slow.worker_pids
        with pytest.raises(FileRefused) as refused:
            slow.read("erp.xlsx", factory.too_many_lines_xlsx())  # a second or more of parsing
        assert (refused.value.code, refused.value.params) == ("timeout", {"n": "0.3"})
        assert _gone(doomed) and slow.worker_pids == []
        assert slow.read("erp.xlsx", factory.honest_xlsx(2)).count == 2
        assert slow.worker_pids != [doomed]


def test_a_worker_that_crashes_mid_file_is_replaced() -> None:
    with ImportReader(workers=1) as one:
        one.start()
        [worker] = one.worker_pids
        idle = _cpu_ticks(worker)
        outcome: list[BaseException] = []

        def read() -> None:
            try:
                one.read("erp.xlsx", factory.too_many_lines_xlsx())
            except FileRefused as refused:
                outcome.append(refused)

        reading = threading.Thread(target=read)
        reading.start()
        deadline = time.monotonic() + 20
        while _cpu_ticks(worker) < idle + 10:  # busy parsing the file
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(worker, signal.SIGSEGV)  # as a parser bug would end it
        reading.join(30)
        [refused] = outcome
        assert isinstance(refused, FileRefused) and refused.code == "unreadable"
        assert one.read("erp.csv", _csv()).count == 1
        assert one.worker_pids != [worker]


def _csv() -> bytes:
    return (
        ",".join(factory.HEADER) + "\nPO-1,1,YNSD,al_primary_ingot,1,2026-02-01,alloy,\n"
    ).encode()


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        ImportReader(timeout_s=0)
