"""The monthly Scope 1+2 page over a year of 15-minute data of 200 meters (7 million readings).

    .venv/bin/python bench/energy_scale_bench.py [--postgres URL] [--quick] [--meters 200]

Builds the data set in bulk (readings with executemany on SQLite, COPY on PostgreSQL; the
hourly, daily and monthly roll-ups in set-based SQL from the readings, as `portal energy
verify` would find them), checks one meter's roll-ups against its readings, prints how long
building took and the disk it uses, then times the monthly analysis (service in process, and
the page /energy/analysis through the app with a signed-in ESG user). --quick: 20 meters
(700,800 readings), for a sanity run.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datagen import backend_of, setup_environment
from energy_bench import START_S, STEP_S, prepare
from figures import Figure, table
from machine import describe

ROOT = Path(__file__).resolve().parent.parent
PER_METER = 35_040  # a year of 15-minute readings
COLUMNS = (
    "meter_id", "at_s", "value", "source", "received_at_s", "span_start_s", "measured_start_s",
    "energy", "estimated", "flags", "note",
)  # fmt: skip
HOUR_KEY = {  # the plant-local hour (UTC+8) a reading's 15 minutes (at_s - 900, at_s] lie in
    "sqlite": "strftime('%Y-%m-%dT%H', at_s - 1 + 28800, 'unixepoch')",
    "postgresql": "to_char(to_timestamp(at_s - 1 + 28800) AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24')",
}


def rows(meter_ids: list[int]) -> Iterator[tuple[Any, ...]]:
    """Every meter's register over the year: its own rate, a daily shape, no flags."""
    for number, meter_id in enumerate(meter_ids):
        rate = 5.0 + number % 20  # kWh per 15 minutes
        value = 1000.0
        previous = START_S
        for step in range(PER_METER):
            at = START_S + step * STEP_S
            if step:
                energy = round(rate * (1 + 0.2 * math.sin(step / 96 * 2 * math.pi)), 4)
                value = round(value + energy, 4)
                yield (meter_id, at, value, "file", at, previous, previous, energy, 0.0, "", "")
            else:
                yield (meter_id, at, value, "file", at, at, at, 0.0, 0.0, "", "")
            previous = at


def load_readings(url: str, meter_ids: list[int]) -> None:
    """The readings in bulk: executemany on SQLite, COPY on PostgreSQL."""
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url) as connection, connection.cursor() as cursor:
            with cursor.copy(f"COPY energy_reading ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                buffer = io.StringIO()
                for number, row in enumerate(rows(meter_ids), start=1):
                    buffer.write("\t".join(str(v) for v in row) + "\n")
                    if number % 100_000 == 0:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                copy.write(buffer.getvalue())
            connection.commit()
        return
    import sqlite3

    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    connection.execute("PRAGMA synchronous=OFF")
    sql = f"INSERT INTO energy_reading ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 11)})"
    batch: list[tuple[Any, ...]] = []
    for row in rows(meter_ids):
        batch.append(row)
        if len(batch) == 200_000:
            connection.executemany(sql, batch)
            batch = []
    connection.executemany(sql, batch)
    connection.commit()
    connection.close()


def build_rollups(url: str) -> None:
    """Hourly roll-ups grouped from the readings, days and months from the hours (SQL)."""
    from sqlalchemy import text

    from portal.db import make_engine

    engine = make_engine(url)
    hour = HOUR_KEY[engine.dialect.name]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO energy_rollup (meter_id, grain, period, measured, estimated, entered) "
                f"SELECT meter_id, 'h', {hour}, sum(energy), 0, 0 FROM energy_reading "
                f"GROUP BY meter_id, {hour}"
            )
        )
        for grain, length in (("d", 10), ("m", 7)):
            connection.execute(
                text(
                    "INSERT INTO energy_rollup (meter_id, grain, period, measured, estimated, "
                    f"entered) SELECT meter_id, '{grain}', substr(period, 1, {length}), "
                    "sum(measured), 0, 0 FROM energy_rollup WHERE grain = 'h' "
                    f"GROUP BY meter_id, substr(period, 1, {length})"
                )
            )
        connection.execute(text("ANALYZE"))
    engine.dispose()


def disk_bytes(url: str) -> int:
    """Bytes the database uses on disk."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return sum(
            Path(str(path) + suffix).stat().st_size
            for suffix in ("", "-wal")
            if Path(str(path) + suffix).exists()
        )
    from sqlalchemy import text

    from portal.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())"))
        value = int(size.scalar_one())
    engine.dispose()
    return value


def time_pages(runs: int = 5) -> tuple[list[float], list[float], int, float, float]:
    """Seconds of the analysis service and of the page, RUNS times each; the page's status;
    the least CPU seconds of this process for one service call and one page (the figure a
    shared machine's other load does not inflate; PostgreSQL's own work is not in it)."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from portal.app import create_app
    from portal.db import get_engine
    from portal.energy.pages import analysis

    service: list[float] = []
    service_cpu: list[float] = []
    with Session(get_engine()) as db:
        for _ in range(runs):
            started, cpu = time.perf_counter(), time.process_time()
            analysis(db, year=2023)
            service.append(time.perf_counter() - started)
            service_cpu.append(time.process_time() - cpu)
    page_cpu: list[float] = []
    page: list[float] = []
    status = 0
    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        login = client.get("/login")
        token = login.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        client.post(
            "/login",
            data={"email": "bench@example.com", "password": "bench-password-1",
                  "csrf_token": token},
        )  # fmt: skip
        for _ in range(runs):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get("/energy/analysis?year=2023")
            page.append(time.perf_counter() - started)
            page_cpu.append(time.process_time() - cpu)
            status = response.status_code
    return service, page, status, min(service_cpu), min(page_cpu)


def run(url: str, meters: int) -> list[Figure]:
    """The figures of one database."""
    from sqlalchemy import text

    from portal.db import get_engine
    from portal.energy.rollups import verify

    started = time.perf_counter()
    prepare(url, meters)
    setup_environment(url)
    with get_engine().connect() as connection:
        meter_ids = [
            int(i) for i in connection.execute(text("SELECT id FROM energy_meter")).scalars()
        ]
    load_readings(url, sorted(meter_ids))
    readings_s = time.perf_counter() - started
    build_rollups(url)
    build_s = time.perf_counter() - started
    from sqlmodel import Session

    with Session(get_engine()) as db:
        drifts = verify(db, meter_ids=[min(meter_ids)])
    size = disk_bytes(url)
    load = os.getloadavg()[0]
    service, page, status, service_cpu, page_cpu = time_pages()
    name = backend_of(url)
    total = meters * PER_METER
    best_service, best_page = min(service), min(page)
    return [
        Figure(f"energy 7M ({name})", f"build {total:,} readings + roll-ups (bulk)",
               f"{build_s:.0f} s (readings {readings_s:.0f} s), {size / 2**30:.2f} GiB on disk",
               f"roll-ups of meter 1 vs readings: {len(drifts)} drift(s)", "—", not drifts),
        Figure(f"energy 7M ({name})", f"monthly Scope 1+2 service, {meters} meters × 1 year",
               f"{best_service * 1000:.0f} ms (median {statistics.median(service) * 1000:.0f}), "
               f"{service_cpu * 1000:.0f} ms CPU; load {load:.1f}",
               "—", "< 100 ms", best_service < 0.1),
        Figure(f"energy 7M ({name})", "GET /energy/analysis?year=2023 (in process)",
               f"{best_page * 1000:.0f} ms (median {statistics.median(page) * 1000:.0f}), "
               f"{page_cpu * 1000:.0f} ms CPU, HTTP {status}", "—", "< 100 ms",
               best_page < 0.1 and status == 200),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("PORTAL_BENCH_POSTGRES_URL"))
    parser.add_argument("--meters", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="20 meters instead of 200")
    args = parser.parse_args()
    meters = 20 if args.quick else args.meters
    name = "energy-7m-quick.db" if args.quick else "energy-7m.db"
    urls = [f"sqlite:///{ROOT / 'var' / 'bench' / name}"]
    if args.postgres:
        urls.append(args.postgres)
    print(describe())
    figures: list[Figure] = []
    for url in urls:
        figures += run(url, meters)
    print(table(figures))


if __name__ == "__main__":
    main()
