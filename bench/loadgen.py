"""A small loopback HTTP/1.1 load generator (keep-alive, asyncio) that prints latency figures."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    """Throughput and latency of one load run."""

    label: str
    duration_s: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0

    @property
    def requests(self) -> int:
        """Completed requests."""
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.duration_s if self.duration_s else 0.0

    def percentile(self, q: float) -> float:
        """The Q-th latency percentile in milliseconds."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
        return ordered[index]

    def line(self) -> str:
        """One printable line."""
        ok = sum(count for status, count in self.statuses.items() if 200 <= status < 300)
        mean = statistics.fmean(self.latencies_ms or [0])
        return (
            f"{self.label:<34} {self.rps:8.1f} req/s  p50 {self.percentile(50):7.2f} ms  "
            f"p99 {self.percentile(99):7.2f} ms  mean {mean:7.2f} ms  "
            f"ok {ok}/{self.requests}  errors {self.errors}"
        )


def http_request(
    method: str, path: str, host: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    """The raw bytes of one keep-alive HTTP/1.1 request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value.strip())
        elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _connection(
    host: str, port: int, next_request: Callable[[], bytes | None], result: LoadResult
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (request := next_request()) is not None:
            started = time.perf_counter()
            try:
                writer.write(request)
                await writer.drain()
                status = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                result.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.statuses[status] = result.statuses.get(status, 0) + 1
    finally:
        writer.close()


async def closed_loop(
    label: str,
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    *,
    concurrency: int,
    duration_s: float,
) -> LoadResult:
    """CONCURRENCY connections, each sending its next request as soon as the last answered."""
    result = LoadResult(label, duration_s)
    deadline = time.perf_counter() + duration_s
    counter = iter(range(10**12))

    def next_request() -> bytes | None:
        return make_request(next(counter)) if time.perf_counter() < deadline else None

    started = time.perf_counter()
    await asyncio.gather(
        *(_connection(host, port, next_request, result) for _ in range(concurrency))
    )
    result.duration_s = time.perf_counter() - started
    return result


async def open_loop(
    label: str,
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    *,
    rate_per_s: float,
    max_in_flight: int,
    duration_s: float,
) -> LoadResult:
    """Requests started at a fixed RATE whatever the answers, up to MAX_IN_FLIGHT at once."""
    result = LoadResult(label, duration_s)
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(max_in_flight):
        pool.put_nowait(await asyncio.open_connection(host, port))
    started = time.perf_counter()
    tasks: list[asyncio.Task[None]] = []

    async def one(number: int, scheduled: float) -> None:
        reader, writer = await pool.get()
        try:
            writer.write(make_request(number))
            await writer.drain()
            status = await _read_response(reader)
            # Latency counts from when the request was due, so queueing in the client shows too.
            result.latencies_ms.append((time.perf_counter() - scheduled) * 1000)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            pool.put_nowait((reader, writer))
        except (OSError, asyncio.IncompleteReadError, ValueError):
            result.errors += 1
            writer.close()
            pool.put_nowait(await asyncio.open_connection(host, port))

    number = 0
    interval = 1 / rate_per_s
    while (due := started + number * interval) < started + duration_s:
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(number, due)))
        number += 1
    await asyncio.gather(*tasks)
    result.duration_s = time.perf_counter() - started
    while not pool.empty():
        _reader, writer = pool.get_nowait()
        writer.close()
    return result
