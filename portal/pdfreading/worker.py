"""Bounded reading: long-lived worker processes that parse PDFs under time and memory limits.

This is the only module of the package that deals with processes and the operating system.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing
import os
import resource
import signal
import threading
from contextlib import suppress
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import Any

from portal.pdfreading.extraction import read_pdf
from portal.pdfreading.found import PdfReading
from portal.pdfreading.limits import MIB, ReadingLimits, screen
from portal.pdfreading.refusals import PdfRefused, RefusalCode

_READY = b"ready"
STARTUP_TIMEOUT_S = 60.0
MAX_ANSWER_BYTES = 16 * MIB
NICER = 10  # worker processes' niceness above the server's
log = logging.getLogger(__name__)


# --- inside the worker process ---


def _serve(connection: Connection, limits_json: str) -> None:
    """Worker main loop: read PDFs sent through the pipe until it closes."""
    limits = ReadingLimits(**json.loads(limits_json))
    _limit_resources(limits.memory_mb * MIB)
    # Ctrl-C in a terminal reaches the whole process group; the parent decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Hostile files make pypdf log many repairs; the parent reports refusals instead.
    pypdf_log = logging.getLogger("pypdf")
    pypdf_log.propagate = False
    pypdf_log.addHandler(logging.NullHandler())
    connection.send_bytes(_READY)
    while True:
        try:
            data = connection.recv_bytes()
        except EOFError:
            return
        connection.send_bytes(_answer(data, limits))


def _limit_resources(memory_bytes: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        memory_bytes = min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core dumps of untrusted input


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
    # JSON, not pickle: the parent must not unpickle what a process fed hostile input sends.
    return json.dumps(answer).encode()


# --- in the web server's process ---


class _WorkerLost(Exception):
    """The worker died or stopped answering; `code` says how the caller is told."""

    def __init__(self, code: RefusalCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class _WorkerGoneWhileIdle(_WorkerLost):
    """The worker was dead before the file was sent, so nothing of the file was read."""


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context: SpawnContext, limits: ReadingLimits) -> None:
        self.connection, child_end = context.Pipe(duplex=True)
        self.process: SpawnProcess = context.Process(
            target=_serve,
            args=(child_end, json.dumps(dataclasses.asdict(limits))),
            name="pdf-reader",
            daemon=True,
        )
        self.process.start()
        # Below the web server's priority from its first instruction (imports included): a
        # flood of hostile files then slows their own reading, not everyone else's answers.
        if self.process.pid is not None:
            with suppress(OSError):
                niceness = os.getpriority(os.PRIO_PROCESS, 0) + NICER
                os.setpriority(os.PRIO_PROCESS, self.process.pid, niceness)
        child_end.close()
        try:
            ready = self.connection.poll(STARTUP_TIMEOUT_S) and self.connection.recv_bytes()
        except (EOFError, OSError):
            ready = False
        if ready != _READY:
            exit_code = self.process.exitcode
            self.stop()
            raise RuntimeError(f"PDF worker did not start (exit code {exit_code})")

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def ask(self, data: bytes, timeout_s: float) -> dict[str, Any]:
        """Send a PDF and wait at most `timeout_s` for the answer."""
        try:
            self.connection.send_bytes(data)
        except OSError as error:
            raise _WorkerGoneWhileIdle(RefusalCode.BROKEN, repr(error)) from error
        try:
            if not self.connection.poll(timeout_s):
                raise _WorkerLost(RefusalCode.TIMEOUT, f"no answer within {timeout_s} s")
            raw = self.connection.recv_bytes(MAX_ANSWER_BYTES)
            answer: dict[str, Any] = json.loads(raw)
        except (EOFError, OSError, ValueError) as error:
            raise self._lost(error) from error
        return answer

    def _lost(self, error: BaseException) -> _WorkerLost:
        self.process.join(1.0)
        exit_code = self.process.exitcode
        # The kernel's OOM killer sends SIGKILL; any other death is the parser crashing.
        if exit_code == -signal.SIGKILL:
            return _WorkerLost(RefusalCode.OUT_OF_MEMORY, f"worker killed ({error!r})")
        return _WorkerLost(RefusalCode.BROKEN, f"worker died, exit code {exit_code} ({error!r})")

    def stop(self) -> None:
        """Kill the process and release the pipe."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5.0)
        self.connection.close()
        if self.process.exitcode is not None:
            self.process.close()


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
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.limits = ReadingLimits(
            max_bytes=max_bytes,
            max_pages=max_pages,
            timeout_s=timeout_s,
            memory_mb=memory_mb,
            max_stream_bytes=max_stream_bytes,
            max_text_chars=max_text_chars,
        )
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")
        self._available = threading.Condition()
        self._idle: list[_Worker] = []
        self._vacancies = workers  # places for a worker not yet (re)started
        self._running: set[_Worker] = set()  # idle and busy
        self._closed = False

    def read(self, data: bytes) -> PdfReading:
        """Read one PDF within the limits, or raise PdfRefused."""
        screen(data, self.limits)
        answer = self._ask_a_worker(data)
        if "refused" in answer:
            raise PdfRefused.from_dict(answer["refused"])
        return PdfReading.from_dict(answer["reading"])

    def start(self) -> None:
        """Start the workers now rather than on first use (at start-up, before a benchmark)."""
        while True:
            with self._available:
                if self._closed:
                    raise RuntimeError("PdfReader is closed")
                if not self._vacancies:
                    return
                self._vacancies -= 1
            worker = None
            try:
                worker = self._start_worker()
            finally:
                self._give_back(worker)

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the running workers."""
        with self._available:
            return sorted(pid for worker in self._running if (pid := worker.pid) is not None)

    def close(self) -> None:
        """Stop the idle workers now and busy ones when their file is done; later reads fail."""
        with self._available:
            self._closed = True
            idle, self._idle = self._idle, []
            self._vacancies += len(idle)
            self._available.notify_all()
        for worker in idle:
            self._retire(worker)

    def __enter__(self) -> PdfReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _ask_a_worker(self, data: bytes) -> dict[str, Any]:
        worker = self._take()
        # Only a worker that answered in full goes back to the pool: one interrupted midway
        # could otherwise hand its late answer to the next caller.
        reusable = False
        try:
            worker = worker or self._start_worker()
            try:
                answer = worker.ask(data, self.limits.timeout_s)
            except _WorkerGoneWhileIdle:
                self._retire(worker)
                worker = None
                worker = self._start_worker()
                answer = worker.ask(data, self.limits.timeout_s)
            # After a MemoryError its heap may be left fragmented: start afresh.
            reusable = answer.get("refused", {}).get("code") != RefusalCode.OUT_OF_MEMORY
            return answer
        except _WorkerLost as lost:
            log.warning("PDF worker killed and replaced: %s", lost.detail)
            raise PdfRefused(lost.code, detail=lost.detail, **self._params(lost.code)) from None
        finally:
            if not reusable:
                self._retire(worker)
                worker = None
            self._give_back(worker)

    def _take(self) -> _Worker | None:
        """An idle worker, or None when the caller is to start one; waits while all are busy."""
        with self._available:
            while not self._closed and not self._idle and not self._vacancies:
                self._available.wait()
            if self._closed:
                raise RuntimeError("PdfReader is closed")
            if self._idle:
                return self._idle.pop()
            self._vacancies -= 1
            return None

    def _give_back(self, worker: _Worker | None) -> None:
        with self._available:
            keep = worker is not None and not self._closed
            if keep and worker is not None:
                self._idle.append(worker)
            else:
                self._vacancies += 1
            self._available.notify()
        if not keep:
            self._retire(worker)

    def _start_worker(self) -> _Worker:
        with self._available:
            if self._closed:
                raise RuntimeError("PdfReader is closed")
        worker = _Worker(self._context, self.limits)
        with self._available:
            self._running.add(worker)
        return worker

    def _retire(self, worker: _Worker | None) -> None:
        if worker is not None:
            with self._available:
                self._running.discard(worker)
            worker.stop()

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
