"""Warehouse files read in bounded worker processes, as ERP exports are: a spreadsheet is
untrusted input that can unpack to far more than it weighs. Nothing here touches the database.
"""

from __future__ import annotations

import threading
from multiprocessing.connection import Connection
from typing import Any

from portal.logistics.importfile import read_lines
from portal.procurement.importfile import FileRefused, is_zip, screen_zip
from portal.procurement.importreader import _pack, answer_lines
from portal.workers.pool import (
    MIB,
    OUT_OF_MEMORY,
    TIMEOUT,
    WorkerLost,
    WorkerPool,
    limit_resources,
    serve_forever,
)

TIMEOUT_S = 20.0  # 20,000 lines are read in about a second
MEMORY_MB = 512
MAX_ANSWER_BYTES = 128 * MIB


def _serve(connection: Connection, memory_mb: int) -> None:
    """Worker main loop: read files sent through the pipe until it closes."""
    limit_resources(memory_mb * MIB)
    serve_forever(connection, lambda request: _answer(request, memory_mb))


def _answer(request: bytes, memory_mb: int) -> bytes:
    return answer_lines(read_lines, request, memory_mb)


_pool: WorkerPool | None = None
_lock = threading.Lock()


def _shared() -> WorkerPool:
    global _pool
    with _lock:
        if _pool is None:
            _pool = WorkerPool(
                _serve,
                (MEMORY_MB,),
                name="warehouse-reader",
                workers=1,
                timeout_s=TIMEOUT_S,
                max_answer_bytes=MAX_ANSWER_BYTES,
            )
        return _pool


def read(filename: str, data: bytes) -> list[dict[str, Any]]:
    """The file's lines, read in a bounded worker; FileRefused says why not."""
    if not data:
        raise FileRefused("empty")
    if is_zip(data):
        screen_zip(data)
    try:
        answer = _shared().ask(
            _pack(filename, data),
            reusable=lambda a: a.get("refused", {}).get("code") != OUT_OF_MEMORY,
        )
    except WorkerLost as lost:
        if lost.code == TIMEOUT:
            raise FileRefused("timeout", n=f"{TIMEOUT_S:g}") from None
        if lost.code == OUT_OF_MEMORY:
            raise FileRefused(OUT_OF_MEMORY, n=MEMORY_MB) from None
        raise FileRefused("unreadable") from None
    if "refused" in answer:
        refused = answer["refused"]
        raise FileRefused(str(refused["code"]), **dict(refused.get("params") or {}))
    lines: list[dict[str, Any]] = answer["lines"]
    return lines


def close() -> None:
    """Stop the worker (tests, shutdown)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.close()
            _pool = None
