"""EMS exports read in a bounded worker process, as ERP exports are (portal.workers).

An export is untrusted input: read below the server's priority, with a memory cap and a time
limit, so the worst file costs a worker, never the web server's answers. No database here.
"""

from __future__ import annotations

import threading
from multiprocessing.connection import Connection
from typing import Any

from portal.energy.emsfile import read_lines
from portal.procurement.importfile import FileRefused, is_zip, screen_zip
from portal.procurement.importreader import _pack, _reusable, answer_lines
from portal.workers.pool import (
    MIB,
    OUT_OF_MEMORY,
    TIMEOUT,
    WorkerLost,
    WorkerPool,
    limit_resources,
    serve_forever,
)

TIMEOUT_S = 30.0  # 100,000 lines of CSV are read in about a second
MEMORY_MB = 512
WORKERS = 1
MAX_ANSWER_BYTES = 128 * MIB


def _serve(connection: Connection, memory_mb: int) -> None:
    """Worker main loop: read files sent through the pipe until it closes."""
    limit_resources(memory_mb * MIB)
    serve_forever(connection, lambda request: _answer(request, memory_mb))


def _answer(request: bytes, memory_mb: int) -> bytes:
    return answer_lines(read_lines, request, memory_mb)


class EmsReader:
    """Reads EMS exports in a bounded worker process; shared between threads."""

    def __init__(self, *, timeout_s: float = TIMEOUT_S, memory_mb: int = MEMORY_MB) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._pool = WorkerPool(
            _serve,
            (memory_mb,),
            name="ems-reader",
            workers=WORKERS,
            timeout_s=timeout_s,
            max_answer_bytes=MAX_ANSWER_BYTES,
        )

    def read(self, filename: str, data: bytes) -> list[dict[str, Any]]:
        """The file's lines (as emsfile.read_lines gives them), or FileRefused."""
        if not data:
            raise FileRefused("empty")
        if is_zip(data):
            screen_zip(data)
        try:
            answer = self._pool.ask(_pack(filename, data), reusable=_reusable)
        except WorkerLost as lost:
            if lost.code == TIMEOUT:
                raise FileRefused("timeout", n=f"{self.timeout_s:g}") from None
            if lost.code == OUT_OF_MEMORY:
                raise FileRefused(OUT_OF_MEMORY, n=self.memory_mb) from None
            raise FileRefused("unreadable") from None
        if "refused" in answer:
            refused = answer["refused"]
            raise FileRefused(str(refused["code"]), **dict(refused.get("params") or {}))
        lines: list[dict[str, Any]] = answer["lines"]
        return lines

    def close(self) -> None:
        """Stop the worker."""
        self._pool.close()


_shared: EmsReader | None = None
_shared_lock = threading.Lock()


def get_ems_reader() -> EmsReader:
    """The process-wide reader, created on first call (its worker starts on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = EmsReader()
        return _shared
