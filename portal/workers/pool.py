"""Bounded worker processes: long-lived, below the server's priority, killed at their limits.

A pool runs a module-level serve function in spawned processes (never fork: the web server
has threads). Each request is bytes sent through a pipe; each answer is JSON (never pickle:
the parent must not unpickle what a process fed hostile input sends). A worker over its time
limit is killed; its memory is capped by the address-space limit it sets on itself.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import resource
import signal
import threading
from collections.abc import Callable
from contextlib import suppress
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import Any

MIB = 1 << 20
READY = b"ready"
STARTUP_TIMEOUT_S = 60.0
NICER = 10  # worker processes' niceness above the server's
TIMEOUT, OUT_OF_MEMORY, BROKEN = "timeout", "out_of_memory", "broken"
log = logging.getLogger(__name__)

# --- inside the worker process ---


def limit_resources(memory_bytes: int) -> None:
    """Cap this process's address space at MEMORY_BYTES and forbid core dumps."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        memory_bytes = min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core dumps of untrusted input


def serve_forever(connection: Connection, answer: Callable[[bytes], bytes]) -> None:
    """Worker main loop: answer each request from the pipe until it closes."""
    # Ctrl-C in a terminal reaches the whole process group; the parent decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection.send_bytes(READY)
    while True:
        try:
            data = connection.recv_bytes()
        except EOFError:
            return
        connection.send_bytes(answer(data))


# --- in the web server's process ---


class WorkerLost(Exception):
    """The worker died or stopped answering; `code` (timeout, out_of_memory, broken) says how."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class WorkerGoneWhileIdle(WorkerLost):
    """The worker was dead before the request was sent, so nothing of it was processed."""


class Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(
        self,
        context: SpawnContext,
        target: Callable[..., None],
        args: tuple[Any, ...],
        *,
        name: str,
        max_answer_bytes: int,
        decode: Callable[[bytes], dict[str, Any]] = json.loads,
    ) -> None:
        self.name = name
        self.max_answer_bytes = max_answer_bytes
        self.decode = decode
        self.connection, child_end = context.Pipe(duplex=True)
        self.process: SpawnProcess = context.Process(
            target=target, args=(child_end, *args), name=name, daemon=True
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
        if ready != READY:
            exit_code = self.process.exitcode
            self.stop()
            raise RuntimeError(f"{name} worker did not start (exit code {exit_code})")

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def ask(self, data: bytes, timeout_s: float) -> dict[str, Any]:
        """Send DATA and wait at most `timeout_s` for the answer."""
        try:
            self.connection.send_bytes(data)
        except OSError as error:
            raise WorkerGoneWhileIdle(BROKEN, repr(error)) from error
        try:
            if not self.connection.poll(timeout_s):
                raise WorkerLost(TIMEOUT, f"no answer within {timeout_s} s")
            raw = self.connection.recv_bytes(self.max_answer_bytes)
            answer: dict[str, Any] = self.decode(raw)
        except (EOFError, OSError, ValueError) as error:
            raise self._lost(error) from error
        return answer

    def _lost(self, error: BaseException) -> WorkerLost:
        self.process.join(1.0)
        exit_code = self.process.exitcode
        # The kernel's OOM killer sends SIGKILL; any other death is the parser crashing.
        if exit_code == -signal.SIGKILL:
            return WorkerLost(OUT_OF_MEMORY, f"worker killed ({error!r})")
        return WorkerLost(BROKEN, f"worker died, exit code {exit_code} ({error!r})")

    def stop(self) -> None:
        """Kill the process and release the pipe."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5.0)
        self.connection.close()
        if self.process.exitcode is not None:
            self.process.close()


class WorkerPool:
    """A small pool of reusable worker processes; safe to share between threads.

    Workers start on first use. A worker that times out, runs out of memory or dies is
    killed, and a fresh one starts for the next request. A caller waits for a free worker
    when all are busy. As with any spawned process, a script that uses a pool must keep its
    top-level code under `if __name__ == "__main__":`.
    """

    def __init__(
        self,
        target: Callable[..., None],
        args: tuple[Any, ...],
        *,
        name: str,
        workers: int,
        timeout_s: float,
        max_answer_bytes: int,
        decode: Callable[[bytes], dict[str, Any]] = json.loads,
    ) -> None:
        """DECODE reads an answer's bytes (JSON unless a pool's workers answer otherwise)."""
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.target = target
        self.args = args
        self.name = name
        self.workers = workers
        self.timeout_s = timeout_s
        self.max_answer_bytes = max_answer_bytes
        self.decode = decode
        self._context = multiprocessing.get_context("spawn")
        self._available = threading.Condition()
        self._idle: list[Worker] = []
        self._vacancies = workers  # places for a worker not yet (re)started
        self._running: set[Worker] = set()  # idle and busy
        self._closed = False

    def ask(
        self, data: bytes, *, reusable: Callable[[dict[str, Any]], bool] = lambda _a: True
    ) -> dict[str, Any]:
        """The answer of a worker to DATA; WorkerLost when it had to be killed.

        A worker whose answer is not REUSABLE (after a MemoryError its heap may be left
        fragmented, say) is replaced.
        """
        worker = self._take()
        # Only a worker that answered in full goes back to the pool: one interrupted midway
        # could otherwise hand its late answer to the next caller.
        keep = False
        try:
            worker = worker or self._start_worker()
            try:
                answer = worker.ask(data, self.timeout_s)
            except WorkerGoneWhileIdle:
                self._retire(worker)
                worker = None
                worker = self._start_worker()
                answer = worker.ask(data, self.timeout_s)
            keep = reusable(answer)
            return answer
        except WorkerLost as lost:
            log.warning("%s worker killed and replaced: %s", self.name, lost.detail)
            raise
        finally:
            if not keep:
                self._retire(worker)
                worker = None
            self._give_back(worker)

    def start(self) -> None:
        """Start the workers now rather than on first use (at start-up, before a benchmark)."""
        while True:
            with self._available:
                if self._closed:
                    raise RuntimeError(f"{self.name} pool is closed")
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
        """Stop the idle workers now and busy ones when their request is done."""
        with self._available:
            self._closed = True
            idle, self._idle = self._idle, []
            self._vacancies += len(idle)
            self._available.notify_all()
        for worker in idle:
            self._retire(worker)

    def _take(self) -> Worker | None:
        """An idle worker, or None when the caller is to start one; waits while all are busy."""
        with self._available:
            while not self._closed and not self._idle and not self._vacancies:
                self._available.wait()
            if self._closed:
                raise RuntimeError(f"{self.name} pool is closed")
            if self._idle:
                return self._idle.pop()
            self._vacancies -= 1
            return None

    def _give_back(self, worker: Worker | None) -> None:
        with self._available:
            keep = worker is not None and not self._closed
            if keep and worker is not None:
                self._idle.append(worker)
            else:
                self._vacancies += 1
            self._available.notify()
        if not keep:
            self._retire(worker)

    def _start_worker(self) -> Worker:
        with self._available:
            if self._closed:
                raise RuntimeError(f"{self.name} pool is closed")
        worker = Worker(
            self._context,
            self.target,
            self.args,
            name=self.name,
            max_answer_bytes=self.max_answer_bytes,
            decode=self.decode,
        )
        with self._available:
            self._running.add(worker)
        return worker

    def _retire(self, worker: Worker | None) -> None:
        if worker is not None:
            with self._available:
                self._running.discard(worker)
            worker.stop()
