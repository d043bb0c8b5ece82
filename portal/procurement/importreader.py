"""ERP exports read in bounded worker processes, as evidence PDFs are (portal.workers).

A spreadsheet is untrusted input that can unpack to far more than it weighs: it is read in a
process below the server's priority, with a memory cap and a time limit, so the worst file
costs a worker, never the web server's answers. Nothing here touches the database.
"""

from __future__ import annotations

import io
import json
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from portal.procurement.importfile import ROW, FileRefused, is_zip, read_rows, screen_zip
from portal.workers.pool import (
    MIB,
    OUT_OF_MEMORY,
    TIMEOUT,
    WorkerLost,
    WorkerPool,
    limit_resources,
    serve_forever,
)

TIMEOUT_S = 60.0  # a million-line CSV is read in about 10 s, a 20,000-line workbook in 1 s
MEMORY_MB = 1024  # a 100 MB CSV: its bytes, its text and the answer at once
WORKERS = 2
MAX_ANSWER_BYTES = 512 * MIB  # 100 million characters of text, as UTF-8 and JSON
_NAME_LENGTH = struct.Struct("<I")

# --- inside the worker process ---


def _serve(connection: Connection, memory_mb: int) -> None:
    """Worker main loop: read files sent through the pipe until it closes."""
    limit_resources(memory_mb * MIB)
    serve_forever(connection, lambda request: _answer(request, memory_mb))


def _answer(request: bytes, memory_mb: int) -> bytes:
    return answer_rows(request, memory_mb)


def answer_rows(request: bytes, memory_mb: int) -> bytes:
    """The worker's answer: a JSON head (the column keys, or why the file was refused), then
    each line as a JSON array [row, cells…] on a line of its own.

    A million lines as one JSON document of dicts took gigabytes to build and to read back;
    a line each is written as it is read and decoded a batch at a time by the server.
    """
    filename, data = _unpack(request)
    out = io.BytesIO()
    try:
        keys, rows = read_rows(filename, data)
        del data
        out.write(json.dumps({"keys": keys}).encode())
        for row in rows:
            out.write(b"\n")
            out.write(json.dumps(row, ensure_ascii=False).encode())
    except FileRefused as refused:
        return _refusal({"code": refused.code, "params": refused.params})
    except MemoryError:
        out = io.BytesIO()
        return _refusal({"code": OUT_OF_MEMORY, "params": {"n": memory_mb}})
    except Exception as error:  # a fault in reading one file must not end the worker
        return _refusal({"code": "unreadable", "params": {}}, detail=repr(error))
    return out.getvalue()


def _refusal(refused: dict[str, Any], detail: str | None = None) -> bytes:
    answer: dict[str, Any] = {"refused": refused}
    if detail:
        answer["detail"] = detail
    return json.dumps(answer, ensure_ascii=False, default=str).encode()


def _decode_head(raw: bytes) -> dict[str, Any]:
    """The answer's head decoded; its lines kept as bytes, decoded a batch at a time later."""
    end = raw.find(b"\n")
    head: dict[str, Any] = json.loads(raw if end < 0 else raw[:end])
    head["raw"], head["start"] = raw, len(raw) if end < 0 else end + 1
    return head


@dataclass(frozen=True)
class FileLines:
    """The lines a reader found: how many, and each as {key: text, "row": n}, in order."""

    keys: list[str]
    count: int
    raw: bytes  # the worker's answer; the lines from START on
    start: int

    def batches(self, size: int = 1000) -> Iterator[list[dict[str, Any]]]:
        """The lines, SIZE at a time (only a batch is ever decoded at once)."""
        keys = self.keys
        batch: list[dict[str, Any]] = []
        for encoded in _split_lines(self.raw, self.start):
            row = json.loads(encoded)
            batch.append({ROW: row[0], **dict(zip(keys, row[1:], strict=True))})
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def all(self) -> list[dict[str, Any]]:
        """Every line at once (for small files and tests)."""
        return [line for batch in self.batches() for line in batch]


def _split_lines(data: bytes, start: int) -> Iterator[bytes]:
    size = len(data)
    while start < size:
        end = data.find(b"\n", start)
        end = size if end < 0 else end
        yield data[start:end]
        start = end + 1


def answer_lines(read: Callable[[str, bytes], Any], request: bytes, memory_mb: int) -> bytes:
    """The worker's answer to REQUEST: the lines READ found, or why the file was refused."""
    filename, data = _unpack(request)
    try:
        answer: dict[str, Any] = {"lines": read(filename, data)}
    except FileRefused as refused:
        answer = {"refused": {"code": refused.code, "params": refused.params}}
    except MemoryError:
        answer = {"refused": {"code": OUT_OF_MEMORY, "params": {"n": memory_mb}}}
    except Exception as error:  # a fault in reading one file must not end the worker
        answer = {"refused": {"code": "unreadable", "params": {}}, "detail": repr(error)}
    # JSON, not pickle (the parent must not unpickle what hostile input produced); UTF-8
    # rather than \\u escapes, a third of the bytes for Chinese text.
    return json.dumps(answer, ensure_ascii=False, default=str).encode()


def _pack(filename: str, data: bytes) -> bytes:
    name = filename.encode("utf-8", "replace")[:1024]
    return _NAME_LENGTH.pack(len(name)) + name + data


def _unpack(request: bytes) -> tuple[str, bytes]:
    (length,) = _NAME_LENGTH.unpack_from(request)
    start = _NAME_LENGTH.size
    return request[start : start + length].decode("utf-8", "replace"), request[start + length :]


# --- in the web server's process ---


def _reusable(answer: dict[str, Any]) -> bool:
    # After a MemoryError its heap may be left fragmented: start afresh.
    return bool(answer.get("refused", {}).get("code") != OUT_OF_MEMORY)


class ImportReader:
    """Reads ERP exports in a small pool of bounded worker processes; shared between threads."""

    def __init__(
        self,
        *,
        timeout_s: float = TIMEOUT_S,
        memory_mb: int = MEMORY_MB,
        workers: int = WORKERS,
    ) -> None:
        if timeout_s <= 0 or memory_mb <= 0:
            raise ValueError("timeout_s and memory_mb must be positive")
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._pool = WorkerPool(
            _serve,
            (memory_mb,),
            name="import-reader",
            workers=workers,
            timeout_s=timeout_s,
            max_answer_bytes=MAX_ANSWER_BYTES,
            decode=_decode_head,
        )

    def read(self, filename: str, data: bytes) -> FileLines:
        """The file's lines (as importfile.read_lines gives them), or FileRefused."""
        if not data:
            raise FileRefused("empty")
        if is_zip(data):
            screen_zip(data)  # from the zip's last bytes: no worker for a zip of many entries
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
        raw: bytes = answer["raw"]
        start: int = answer["start"]
        count = raw.count(b"\n", start) + 1 if start < len(raw) else 0
        return FileLines(keys=list(answer["keys"]), count=count, raw=raw, start=start)

    def start(self) -> None:
        """Start the workers now rather than on first use."""
        self._pool.start()

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the running workers."""
        return self._pool.worker_pids

    def close(self) -> None:
        """Stop the workers; later reads fail."""
        self._pool.close()

    def __enter__(self) -> ImportReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


_shared: ImportReader | None = None
_shared_lock = threading.Lock()


def get_import_reader() -> ImportReader:
    """The process-wide reader, created on first call (its workers start on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ImportReader()
        return _shared


def close_import_reader() -> None:
    """Stop the process-wide reader's workers."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close()
            _shared = None
