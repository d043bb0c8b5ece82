"""The buyer check API under loopback load, side by side with the floor in the same run.

Starts the portal with uvicorn in a subprocess on a free loopback port against the generated
data, creates a buyer's API token, then loads, in turns,
  - the floor:  GET /api/v1/suppliers/{code}   (token check + one indexed read, JSON), and
  - the check:  POST /api/v1/checks            (random supplier/material pairs that have
                                                declarations; answer recorded and audited),
first in a closed loop (100 keep-alive connections, each sending its next request as soon as
the last one answered: throughput, and latency that is mostly queueing), then in an open loop
(requests started at a fixed rate, at most 100 in flight: latency at a given load).

    .venv/bin/python bench/check_bench.py                    # SQLite, var/bench/portal.db
    .venv/bin/python bench/check_bench.py --database-url postgresql://postgres@127.0.0.1:5432/portal_bench_g
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import datagen  # noqa: E402
from figures import Figure  # noqa: E402
from loadgen import LoadResult, closed_loop, http_request, open_loop  # noqa: E402
from server import HOST, free_port, portal_server  # noqa: E402

CONCURRENCY = 100
FLOOR_TARGET = 0.7  # the portal's floor reaches 0.7× the bare framework's
TARGET_RATIO = 0.8  # the check reaches 0.8× the portal floor's throughput
TARGET_P99_MS = 20.0
OPEN_LOOP_LOAD = 0.5  # open-loop rate as a share of the check's closed-loop throughput


def buyer_token() -> str:
    """A new API token for the generated buyer."""
    from sqlmodel import Session, select

    from portal.accounts.models import User
    from portal.db import get_engine
    from portal.security import create_api_token

    with Session(get_engine()) as session:
        user = session.exec(select(User).where(User.email == datagen.BUYER_EMAIL)).one()
        _token, plain = create_api_token(session, user, "bench")
        session.commit()
    return plain


def declared_pairs() -> list[tuple[str, str]]:
    """Every (supplier code, material) pair that has at least one declaration."""
    from sqlalchemy import text

    from portal.db import get_engine

    with get_engine().connect() as connection:
        rows = connection.execute(
            text(
                "SELECT DISTINCT s.code, d.material_code FROM declaration d "
                "JOIN supplier s ON s.id = d.supplier_id ORDER BY 1, 2"
            )
        ).all()
    return [(str(code), str(material)) for code, material in rows]


def requests(token: str, port: int, seed: int = 7) -> tuple[Callable[[int], bytes], ...]:
    """Request makers for the floor and the check, cycling over pre-built requests."""
    rnd = random.Random(seed)
    pairs = declared_pairs()
    host = f"{HOST}:{port}"
    auth = {"Authorization": f"Bearer {token}"}
    floor = [
        http_request("GET", f"/api/v1/suppliers/{code}", host, headers=auth)
        for code in sorted({code for code, _material in pairs})
    ]
    rnd.shuffle(floor)
    checks = []
    for _ in range(5_000):
        code, material = rnd.choice(pairs)
        body = json.dumps(
            {
                "supplier": code,
                "material": material,
                "quantity_t": f"{rnd.uniform(1, 60):.3f}",
                "date": (date(2026, 1, 1) + timedelta(days=rnd.randrange(365))).isoformat(),
                "product_line": "extrusion" if rnd.random() < 0.1 else "alloy",
            }
        ).encode()
        checks.append(
            http_request(
                "POST", "/api/v1/checks", host, body,
                {**auth, "Content-Type": "application/json"},
            )
        )  # fmt: skip
    return (lambda n: floor[n % len(floor)]), (lambda n: checks[n % len(checks)])


def _merge(label: str, results: list[LoadResult]) -> LoadResult:
    merged = LoadResult(label, sum(r.duration_s for r in results))
    for result in results:
        merged.latencies_ms.extend(result.latencies_ms)
        merged.errors += result.errors
        for status, count in result.statuses.items():
            merged.statuses[status] = merged.statuses.get(status, 0) + count
    return merged


def _ok(result: LoadResult) -> bool:
    good = sum(count for status, count in result.statuses.items() if 200 <= status < 300)
    return result.errors == 0 and good == result.requests


async def measure(
    servers: dict[str, int], makers: dict[str, tuple[Callable[[int], bytes], ...]], args: Any
) -> dict[str, LoadResult]:
    """Closed-loop turns over every server and endpoint, then open loops at one fixed rate.

    SERVERS names each server's port ("bare", "portal", and "before" when asked); MAKERS
    their request makers (the bare app has the floor only). In each turn every (server,
    endpoint) is loaded once, in the same order, so a slow phase of the host touches all.
    """
    runs = [
        (server, name) for server in servers for name in ("floor", "check")[: len(makers[server])]
    ]
    for server, name in runs:
        maker = makers[server][0 if name == "floor" else 1]
        await closed_loop("warm-up", HOST, servers[server], maker, concurrency=10, duration_s=1.5)
    closed: dict[tuple[str, str], list[LoadResult]] = {run: [] for run in runs}
    for _turn in range(args.turns):
        for server, name in runs:
            maker = makers[server][0 if name == "floor" else 1]
            closed[(server, name)].append(
                await closed_loop(
                    name, HOST, servers[server], maker,
                    concurrency=CONCURRENCY, duration_s=args.duration,
                )
            )  # fmt: skip
    results = {
        f"closed {server} {name}": _merge(f"{server} {name}, closed x{CONCURRENCY}", turns)
        for (server, name), turns in closed.items()
    }
    # Latency at a steady load the check sustains: half its own closed-loop throughput.
    rate = args.rate or OPEN_LOOP_LOAD * results["closed portal check"].rps
    for server, name in runs:
        if server == "bare":
            continue
        maker = makers[server][0 if name == "floor" else 1]
        results[f"open {server} {name}"] = await open_loop(
            f"{server} {name}, open {rate:.0f}/s", HOST, servers[server], maker,
            rate_per_s=rate, max_in_flight=CONCURRENCY, duration_s=args.duration,
        )  # fmt: skip
    return results


def verdicts(url: str, since_id: int) -> dict[str, int]:
    """How the checks made during the run were answered."""
    from sqlalchemy import text

    from portal.db import get_engine

    with get_engine().connect() as connection:
        rows = connection.execute(
            text("SELECT verdict, count(*) FROM buyer_check WHERE id > :i GROUP BY verdict"),
            {"i": since_id},
        ).all()
    return {str(verdict): int(count) for verdict, count in rows}


def last_check_id() -> int:
    """The newest buyer check's id."""
    from sqlalchemy import text

    from portal.db import get_engine

    with get_engine().connect() as connection:
        return int(
            connection.execute(text("SELECT coalesce(max(id), 0) FROM buyer_check")).one()[0]
        )


@contextmanager
def bare_server(env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """The bare FastAPI floor (bench/bare_floor.py) on PORT until the block ends."""
    command = [
        sys.executable, "-m", "uvicorn", "bare_floor:app", "--app-dir", str(BENCH),
        "--host", HOST, "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=BENCH.parent)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the bare floor did not start") from None
                time.sleep(0.2)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=20)


@contextmanager
def before_tree(ref: str | None) -> Iterator[Path | None]:
    """A temporary git worktree of REF (the code before a change), or None."""
    if ref is None:
        yield None
        return
    place = Path(tempfile.mkdtemp(prefix="portal-before-"))
    tree = place / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(tree), ref],
        cwd=BENCH.parent, check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield tree
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(tree)],
            cwd=BENCH.parent, check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(place, ignore_errors=True)


def run(url: str, args: Any) -> list[Figure]:
    """Measure, print the details, return the figures for the summary."""
    backend = datagen.backend_of(url)
    token = buyer_token()
    ports = {"bare": free_port(), "portal": free_port()}
    before = last_check_id()
    env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_ENV": "development"}
    with ExitStack() as stack:
        stack.enter_context(bare_server(env, ports["bare"]))
        stack.enter_context(portal_server(env, ports["portal"], workers=args.workers))
        tree = stack.enter_context(before_tree(args.before))
        if tree is not None:
            ports["before"] = free_port()
            stack.enter_context(portal_server(env, ports["before"], workers=args.workers, cwd=tree))
        makers = {name: requests(token, port) for name, port in ports.items()}
        makers["bare"] = makers["bare"][:1]
        results = asyncio.run(measure(ports, makers, args))
    print(f"\ncheck API on {backend}, uvicorn {args.workers} worker(s), loopback, load generator "
          f"in another process on the same cores")  # fmt: skip
    for result in results.values():
        print("  " + result.line())
    print(f"  answers recorded during the run: {verdicts(url, before)}")
    all_ok = all(_ok(result) for result in results.values())
    if not all_ok:
        print("  SOME REQUESTS FAILED: the figures above do not count")
    figures = _figures(backend, results, all_ok, "portal")
    if "before" in ports:
        figures += _figures(backend, results, all_ok, "before")
    return figures


def _figures(backend: str, results: dict[str, LoadResult], all_ok: bool, who: str) -> list[Figure]:
    bare = results["closed bare floor"]
    floor, check = results[f"closed {who} floor"], results[f"closed {who} check"]
    open_floor, open_check = results[f"open {who} floor"], results[f"open {who} check"]
    floor_ratio, check_ratio = floor.rps / bare.rps, check.rps / floor.rps
    area = f"check API ({backend})" + (", before" if who == "before" else "")
    rate = open_check.label.rsplit(" ", 1)[-1]
    figures = [
        Figure(area, f"bare FastAPI floor (bench/bare_floor.py), closed x{CONCURRENCY}",
               f"{bare.rps:,.0f} req/s", "1.00× bare", "gauge", None),
        Figure(area, f"portal floor GET /api/v1/suppliers/{{code}}, closed x{CONCURRENCY}",
               f"{floor.rps:,.0f} req/s", f"{floor_ratio:.2f}× bare",
               f"≥ {FLOOR_TARGET}× bare", floor_ratio >= FLOOR_TARGET and all_ok),
        Figure(area, f"POST /api/v1/checks, closed x{CONCURRENCY}",
               f"{check.rps:,.0f} req/s", f"{check_ratio:.2f}× portal floor",
               f"≥ {TARGET_RATIO}× portal floor", check_ratio >= TARGET_RATIO and all_ok),
        Figure(area, f"floor p50 / p99, open loop {rate} (≤{CONCURRENCY} in flight)",
               f"{open_floor.percentile(50):.1f} / {open_floor.percentile(99):.1f} ms",
               f"{open_floor.percentile(99) / TARGET_P99_MS:.2f}× target", "context", None),
        Figure(area, f"check p50 / p99, open loop {rate} (≤{CONCURRENCY} in flight)",
               f"{open_check.percentile(50):.1f} / {open_check.percentile(99):.1f} ms",
               f"{open_check.percentile(99) / TARGET_P99_MS:.2f}× target",
               f"p99 < {TARGET_P99_MS:.0f} ms", open_check.percentile(99) < TARGET_P99_MS),
    ]  # fmt: skip
    return figures if who == "portal" else figures[1:]


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options this benchmark takes (run.py offers them too)."""
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load run")
    parser.add_argument("--turns", type=int, default=2, help="closed-loop turns per endpoint")
    parser.add_argument(
        "--rate", type=float, default=None, help="open-loop requests/s (default: half the check's)"
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--before", default=None, metavar="GIT_REF",
        help="also serve the portal as of GIT_REF (a worktree) and measure it in the same turns",
    )  # fmt: skip


def main() -> None:
    """Generate or reuse the data, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=datagen.SQLITE_URL)
    parser.add_argument("--quick", action="store_true", help="small data, short runs")
    add_options(parser)
    args = parser.parse_args()
    url = datagen.prepare(args.database_url, quick=args.quick)
    from figures import table

    print("\n" + table(run(url, args)))


if __name__ == "__main__":
    main()
