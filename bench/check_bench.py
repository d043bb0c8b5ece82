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
import sys
from collections.abc import Callable
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
TARGET_RATIO = 0.5  # the check reaches at least half the floor's throughput
TARGET_P99_MS = 50.0
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
    port: int, floor: Callable[[int], bytes], check: Callable[[int], bytes], args: Any
) -> dict[str, LoadResult]:
    """Closed-loop turns (floor, check, floor, check …), then open loops at one fixed rate."""
    await closed_loop("warm-up floor", HOST, port, floor, concurrency=10, duration_s=1.5)
    await closed_loop("warm-up check", HOST, port, check, concurrency=10, duration_s=1.5)
    closed: dict[str, list[LoadResult]] = {"floor": [], "check": []}
    for _turn in range(args.turns):
        for name, maker in (("floor", floor), ("check", check)):
            closed[name].append(
                await closed_loop(
                    name, HOST, port, maker, concurrency=CONCURRENCY, duration_s=args.duration
                )
            )
    results = {
        f"closed {name}": _merge(f"{name}, closed loop x{CONCURRENCY}", runs)
        for name, runs in closed.items()
    }
    # Latency at a steady load the check sustains: half its own closed-loop throughput.
    rate = args.rate or OPEN_LOOP_LOAD * results["closed check"].rps
    for name, maker in (("floor", floor), ("check", check)):
        results[f"open {name}"] = await open_loop(
            f"{name}, open loop {rate:.0f}/s", HOST, port, maker,
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


def run(url: str, args: Any) -> list[Figure]:
    """Measure, print the details, return the figures for the summary."""
    backend = datagen.backend_of(url)
    token = buyer_token()
    port = free_port()
    before = last_check_id()
    env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_ENV": "development"}
    with portal_server(env, port, workers=args.workers):
        floor, check = requests(token, port)
        results = asyncio.run(measure(port, floor, check, args))
    print(f"\ncheck API on {backend}, uvicorn {args.workers} worker(s), loopback, load generator "
          f"in another process on the same cores")  # fmt: skip
    for result in results.values():
        print("  " + result.line())
    print(f"  answers recorded during the run: {verdicts(url, before)}")
    floor_closed, check_closed = results["closed floor"], results["closed check"]
    ratio = check_closed.rps / floor_closed.rps
    open_check, open_floor = results["open check"], results["open floor"]
    all_ok = all(_ok(result) for result in results.values())
    area = f"check API ({backend})"
    rate = open_check.label.rsplit(" ", 1)[-1]
    figures = [
        Figure(area, f"floor GET /api/v1/suppliers/{{code}}, closed loop x{CONCURRENCY}",
               f"{floor_closed.rps:,.0f} req/s", "1.00× floor", "floor", None),
        Figure(area, f"POST /api/v1/checks, closed loop x{CONCURRENCY}",
               f"{check_closed.rps:,.0f} req/s", f"{ratio:.2f}× floor",
               f"≥ {TARGET_RATIO}× floor", ratio >= TARGET_RATIO and all_ok),
        Figure(area, f"floor p50 / p99, closed loop x{CONCURRENCY} (queueing)",
               f"{floor_closed.percentile(50):.0f} / {floor_closed.percentile(99):.0f} ms",
               "—", "context", None),
        Figure(area, f"check p50 / p99, closed loop x{CONCURRENCY} (queueing)",
               f"{check_closed.percentile(50):.0f} / {check_closed.percentile(99):.0f} ms",
               f"{check_closed.percentile(99) / floor_closed.percentile(99):.2f}× floor p99",
               "context", None),
        Figure(area, f"floor p50 / p99, open loop {rate} (≤{CONCURRENCY} in flight)",
               f"{open_floor.percentile(50):.1f} / {open_floor.percentile(99):.1f} ms",
               f"{open_floor.percentile(99) / TARGET_P99_MS:.2f}× target", "context", None),
        Figure(area, f"check p50 / p99, open loop {rate} (≤{CONCURRENCY} in flight)",
               f"{open_check.percentile(50):.1f} / {open_check.percentile(99):.1f} ms",
               f"{open_check.percentile(99) / TARGET_P99_MS:.2f}× target",
               f"p99 < {TARGET_P99_MS:.0f} ms", open_check.percentile(99) < TARGET_P99_MS),
    ]  # fmt: skip
    if not all_ok:
        print("  SOME REQUESTS FAILED: the figures above do not count")
    return figures


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options this benchmark takes (run.py offers them too)."""
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load run")
    parser.add_argument("--turns", type=int, default=2, help="closed-loop turns per endpoint")
    parser.add_argument(
        "--rate", type=float, default=None, help="open-loop requests/s (default: half the check's)"
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")


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
