"""Bounded reading: long-lived worker processes that parse PDFs under time and memory limits.

The processes themselves (spawning, priority, limits, killing) are portal.workers'; this
module says what a PDF worker does and how its failures are told to the supplier.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from multiprocessing.connection import Connection
from typing import Any

from portal.pdfreading.extraction import read_pdf
from portal.pdfreading.found import PdfReading
from portal.pdfreading.limits import MIB, ReadingLimits, screen
from portal.pdfreading.refusals import PdfRefused, RefusalCode
from portal.workers.pool import Worker, WorkerLost, WorkerPool, limit_resources, serve_forever

MAX_ANSWER_BYTES = 16 * MIB
_Worker = Worker  # the process and its pipe (tests interrupt its ask)

# --- inside the worker process ---


def _serve(connection: Connection, limits_json: str) -> None:
    """Worker main loop: read PDFs sent through the pipe until it closes."""
    limits = ReadingLimits(**json.loads(limits_json))
    limit_resources(limits.memory_mb * MIB)
    # Hostile files make pypdf log many repairs; the parent reports refusals instead.
    pypdf_log = logging.getLogger("pypdf")
    pypdf_log.propagate = False
    pypdf_log.addHandler(logging.NullHandler())
    serve_forever(connection, lambda data: _answer(data, limits))


def _answer(data: bytes, limits: ReadingLimits) -> bytes:
    try:
        answer: dict[str, Any] = {"reading": read_pdf(data, limits).to_dict()}
    except PdfRefused as refusal:
        answer = {"refused": refusal.to_dict()}
    except MemoryError:
        out_of_memory = PdfRefused(RefusalCode.OUT_OF_MEMORY, limit_mb=limits.memory_mb)
        answer = {"refused": out_of_memory.to_dict()}
    except Exception as error:  # a fault in reading one file must not end the worker
        answer = {"refused": PdfRefused(RefusalCode.BROKEN, detail=repr(error)).to_dict()}
    return json.dumps(answer).encode()


# --- in the web server's process ---


def _reusable(answer: dict[str, Any]) -> bool:
    # After a MemoryError its heap may be left fragmented: start afresh.
    return bool(answer.get("refused", {}).get("code") != RefusalCode.OUT_OF_MEMORY)


class PdfReader:
    """Reads PDFs in a small pool of reusable worker processes; safe to share between threads.

    Workers start on first use (spawn, never fork: the web server has threads). A worker that
    times out, runs out of memory or dies is killed, and a fresh one starts for the next file.
    A caller waits for a free worker when all are busy. As with any spawned process, a script
    that reads PDFs must keep its top-level code under `if __name__ == "__main__":`.
    """

    def __init__(
        self,
        *,
        max_bytes: int = ReadingLimits.max_bytes,
        max_pages: int = ReadingLimits.max_pages,
        timeout_s: float = ReadingLimits.timeout_s,
        memory_mb: int = ReadingLimits.memory_mb,
        workers: int = 2,
        max_stream_bytes: int = ReadingLimits.max_stream_bytes,
        max_text_chars: int = ReadingLimits.max_text_chars,
    ) -> None:
        self.limits = ReadingLimits(
            max_bytes=max_bytes,
            max_pages=max_pages,
            timeout_s=timeout_s,
            memory_mb=memory_mb,
            max_stream_bytes=max_stream_bytes,
            max_text_chars=max_text_chars,
        )
        self.workers = workers
        self._pool = WorkerPool(
            _serve,
            (json.dumps(dataclasses.asdict(self.limits)),),
            name="pdf-reader",
            workers=workers,
            timeout_s=self.limits.timeout_s,
            max_answer_bytes=MAX_ANSWER_BYTES,
        )

    def read(self, data: bytes) -> PdfReading:
        """Read one PDF within the limits, or raise PdfRefused."""
        screen(data, self.limits)
        try:
            answer = self._pool.ask(data, reusable=_reusable)
        except WorkerLost as lost:
            code = RefusalCode(lost.code)
            raise PdfRefused(code, detail=lost.detail, **self._params(code)) from None
        if "refused" in answer:
            raise PdfRefused.from_dict(answer["refused"])
        return PdfReading.from_dict(answer["reading"])

    def start(self) -> None:
        """Start the workers now rather than on first use (at start-up, before a benchmark)."""
        self._pool.start()

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the running workers."""
        return self._pool.worker_pids

    def close(self) -> None:
        """Stop the idle workers now and busy ones when their file is done; later reads fail."""
        self._pool.close()

    def __enter__(self) -> PdfReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _params(self, code: RefusalCode) -> dict[str, Any]:
        if code is RefusalCode.TIMEOUT:
            return {"limit_s": self.limits.timeout_s}
        if code is RefusalCode.OUT_OF_MEMORY:
            return {"limit_mb": self.limits.memory_mb}
        return {}


_shared: PdfReader | None = None
_shared_lock = threading.Lock()


def get_reader() -> PdfReader:
    """The process-wide reader with the default limits, created on first call."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = PdfReader()
        return _shared


def close_reader() -> None:
    """Stop the process-wide reader's workers (at application shutdown)."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close()
            _shared = None
