"""Energy ingest: readings/s through POST /api/v1/energy/readings against a bare executemany.

    .venv/bin/python bench/energy_bench.py [--postgres URL] [--meters 200] [--per-meter 500]

A real `portal` server (uvicorn in a subprocess) takes batches of 10,000 readings (15-minute
registers of METERS meters); the floor is one driver executemany of the same rows into the
same table with its index, no validation and no roll-ups. Also times the monthly analysis
page over what was loaded. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datagen import backend_of, reset_database, setup_environment
from figures import Figure, table
from machine import describe
from server import HOST, free_port, portal_server

START_S = 1_672_502_400  # 2023-01-01 00:00 plant time
STEP_S = 900
BATCH = 10_000


def prepare(url: str, meters: int) -> str:
    """A migrated database with METERS meters and an ESG user; the user's bearer token."""
    setup_environment(url)
    reset_database(url)
    from sqlmodel import Session

    from portal.accounts import service as accounts
    from portal.audit import Actor
    from portal.db import get_engine
    from portal.energy import meters as meter_service
    from portal.security import create_api_token

    actor = Actor(label="bench")
    with Session(get_engine()) as db:
        for number in range(meters):
            meter_service.save(
                db,
                actor=actor,
                data={
                    "code": f"B{number:03d}",
                    "name": f"Bench meter {number}",
                    "site": "Bench",
                    "medium": "electricity",
                    "kind": "cumulative",
                    "interval_s": STEP_S,
                    "product_line": "alloy" if number % 2 else "extrusion",
                    "in_service_from": "2022-01-01",
                },
            )
        user = accounts.create_user(
            db, actor=actor, email="bench@example.com", password="bench-password-1",  # noqa: S106
            full_name="Bench", role="esg",
        )  # fmt: skip
        _token, plain = create_api_token(db, user, "bench")
        db.commit()
    get_engine().dispose()
    return plain


def batches(meters: int, per_meter: int) -> list[list[dict[str, object]]]:
    """Batches of 10,000 readings, time-ordered slices of every meter's register."""
    per_batch = max(1, BATCH // meters)
    out = []
    for first in range(0, per_meter, per_batch):
        out.append(
            [
                {"meter": f"B{m:03d}", "at": START_S + step * STEP_S, "value": 10.0 * step + m}
                for m in range(meters)
                for step in range(first, min(per_meter, first + per_batch))
            ]
        )
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process PID has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def http_ingest(
    url: str, token: str, work: list[list[dict[str, object]]]
) -> tuple[float, int, float]:
    """Seconds to post WORK to a real server, readings stored, and the server's CPU seconds
    meanwhile (on a shared machine the CPU figure is the one other load does not inflate)."""
    port = free_port()
    env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_ENV": "test"}
    bodies = [json.dumps({"readings": batch}).encode() for batch in work]
    stored = 0
    with portal_server(env, port) as server, httpx.Client(timeout=300) as client:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        cpu_before = cpu_seconds(server.pid)
        started = time.perf_counter()
        for body in bodies:
            response = client.post(
                f"http://{HOST}:{port}/api/v1/energy/readings", content=body, headers=headers
            )
            response.raise_for_status()
            stored += response.json()["stored"]
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(server.pid) - cpu_before
    return elapsed, stored, cpu


def bare_executemany(work: list[list[dict[str, object]]]) -> tuple[float, float]:
    """Seconds for one driver executemany of the same rows (the readings deleted first), and
    this process's CPU seconds meanwhile."""
    from sqlalchemy import text

    from portal.db import get_engine
    from portal.energy.readings import INSERT_SQL

    engine = get_engine()
    with engine.connect() as connection:
        ids = dict(connection.execute(text("SELECT code, id FROM energy_meter")).all())
        connection.execute(text("DELETE FROM energy_reading"))
        connection.commit()
        marker = "%s" if connection.dialect.name == "postgresql" else "?"
        rows = [
            (ids[item["meter"]], item["at"], item["value"], "http", 0, 0, 0, 0.0, 0.0, "", "")
            for batch in work
            for item in batch
        ]
        started = time.perf_counter()
        cpu_before = time.process_time()
        for first in range(0, len(rows), BATCH):
            connection.exec_driver_sql(INSERT_SQL.format(p=marker), rows[first : first + BATCH])
            connection.commit()
        return time.perf_counter() - started, time.process_time() - cpu_before


def analysis_page_s(url: str, year: int = 2023) -> float:
    """Seconds the monthly analysis needs (service, in process) over the loaded roll-ups."""
    from sqlmodel import Session

    from portal.db import get_engine
    from portal.energy.pages import analysis

    with Session(get_engine()) as db:
        started = time.perf_counter()
        analysis(db, year=year)
        return time.perf_counter() - started


def run(url: str, meters: int, per_meter: int) -> list[Figure]:
    """The figures of one database."""
    token = prepare(url, meters)
    work = batches(meters, per_meter)
    total = sum(len(batch) for batch in work)
    load = os.getloadavg()[0]
    http_s, stored, server_cpu = http_ingest(url, token, work)
    setup_environment(url)
    page_s = analysis_page_s(url)
    floor_s, floor_cpu = bare_executemany(work)
    name = backend_of(url)
    http_rate, floor_rate = total / http_s, total / floor_s
    return [
        Figure(f"energy ({name})", f"bare executemany, {total:,} rows (floor)",
               f"{floor_rate:,.0f} readings/s ({floor_cpu:.1f} CPU s in the client)",
               "1.00× floor", "floor", None),
        Figure(f"energy ({name})", f"POST /api/v1/energy/readings, {len(work)} × ≤10,000",
               f"{http_rate:,.0f} readings/s ({stored:,} stored); server {server_cpu:.1f} CPU s "
               f"= {total / max(server_cpu, 1e-9):,.0f} readings per CPU s; load {load:.1f}",
               f"{http_s / floor_s:.2f}× floor's time", "≥ 20,000/s, ≤ 2× floor's time",
               http_rate >= 20_000 and http_s <= 2 * floor_s),
        Figure(f"energy ({name})", f"monthly analysis service, {meters} meters × {per_meter}",
               f"{page_s * 1000:.0f} ms", "—", "< 100 ms", page_s < 0.1),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("PORTAL_BENCH_POSTGRES_URL"))
    parser.add_argument("--meters", type=int, default=200)
    parser.add_argument("--per-meter", type=int, default=500, help="readings per meter")
    args = parser.parse_args()
    urls = [f"sqlite:///{Path(__file__).resolve().parent.parent / 'var/bench/energy.db'}"]
    if args.postgres:
        urls.append(args.postgres)
    print(describe())
    figures: list[Figure] = []
    for url in urls:
        figures += run(url, args.meters, args.per_meter)
    print(table(figures))


if __name__ == "__main__":
    main()
