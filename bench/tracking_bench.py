"""Tracking with a million purchase lines: dashboard and report API against the raw SQL aggregate.

Uses the generated data (bench/datagen.py: 2,000 suppliers, 20,000 declarations, 1,000,000
purchase lines 2023–2030; generated unless already there), then times
  - the single raw SQL aggregate query (through the DB-API cursor, nothing else),
  - the report service (the same query plus the Python maths),
  - GET /tracking (the dashboard, rendered) and GET /api/v1/reports/{year} in-process,
and prints absolute times, their ratio to the raw query and a description of the machine.

    .venv/bin/python bench/tracking_bench.py                       # SQLite in var/bench/
    .venv/bin/python bench/tracking_bench.py --database-url postgresql://postgres@127.0.0.1:5432/portal_bench_g

A PostgreSQL database is emptied before generating (its name must contain "bench" or "test").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import datagen  # noqa: E402
from figures import Figure, table  # noqa: E402

TARGET_S = 0.5
TARGET_RATIO = 1.5


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    """Seconds per run of ACTION, after one untimed warm-up run."""
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def raw_query(first_year: int, last_year: int) -> Callable[[], object]:
    """The aggregate as plain SQL text on a DB-API cursor: the floor the service is held to."""
    from portal.db import get_engine
    from portal.tracking.queries import sums_statement

    engine = get_engine()
    sql = str(
        sums_statement(first_year, last_year).compile(
            dialect=engine.dialect, compile_kwargs={"literal_binds": True}
        )
    )

    def run() -> object:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            connection.close()

    return run


def run(url: str, *, report_year: int = 2026, repeat: int = 7) -> list[Figure]:
    """Measure, print the details, return the figures for the summary."""
    backend = datagen.backend_of(url)
    from portal import db

    engine = db.get_engine()
    with engine.connect() as connection:
        version = connection.exec_driver_sql(
            "select sqlite_version()" if backend == "SQLite" else "show server_version"
        ).scalar()
        lines = connection.exec_driver_sql("SELECT count(*) FROM purchase").scalar()
    print(f"\ntracking on {backend} {version}, {lines:,} purchase lines")

    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from portal.app import create_app
    from portal.catalog import get_targets
    from portal.tracking import service
    from portal.tracking.schemas import year_report

    trend = service.trend_years(None, report_year)
    client = TestClient(create_app(), base_url="http://127.0.0.1:8000")
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/login",
        data={"email": datagen.ESG_EMAIL, "password": datagen.PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )

    def dashboard_service() -> object:
        with Session(engine) as session:
            return service.figures_for_years(session, years=trend)

    def report_service() -> object:
        with Session(engine) as session:
            return year_report(service.year_figures(session, year=report_year), get_targets())

    def get(path: str) -> Callable[[], object]:
        def run() -> object:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return run

    measurements = (
        (f"dashboard {trend[0]}–{trend[-1]}", raw_query(trend[0], trend[-1]), (
            ("report service", dashboard_service),
            (f"GET /tracking?year={report_year}", get(f"/tracking?year={report_year}")),
        )),
        (f"report {report_year}", raw_query(report_year, report_year), (
            ("report service", report_service),
            (f"GET /api/v1/reports/{report_year}", get(f"/api/v1/reports/{report_year}")),
        )),
    )  # fmt: skip
    figures = []
    area = f"tracking ({backend})"
    print(f"median (min) of {repeat} runs after a warm-up; target < {TARGET_S} s, "
          f"≤ {TARGET_RATIO}× the raw query")  # fmt: skip
    for title, raw, others in measurements:
        raw_times = timed(raw, repeat)
        raw_median = statistics.median(raw_times)
        print(f"  {title}")
        print(f"    {'raw SQL aggregate query':<34} {raw_median:7.3f} s ({min(raw_times):.3f})")
        figures.append(Figure(area, f"{title}: raw SQL aggregate (floor)",
                              f"{raw_median:.3f} s", "1.00× raw", "floor", None))  # fmt: skip
        for label, action in others:
            times = timed(action, repeat)
            median = statistics.median(times)
            ratio = median / raw_median
            # The ratio target is for the service; the HTTP answers add rendering and sessions.
            http = label.startswith("GET")
            met = median < TARGET_S and (http or ratio <= TARGET_RATIO)
            print(f"    {label:<34} {median:7.3f} s ({min(times):.3f})  {ratio:4.2f}× raw  "
                  f"{'ok' if met else 'OVER'}")  # fmt: skip
            target = f"< {TARGET_S} s" if http else f"≤ {TARGET_RATIO}× raw, < {TARGET_S} s"
            figures.append(Figure(area, f"{title}: {label}", f"{median:.3f} s",
                                  f"{ratio:.2f}× raw", target, met))  # fmt: skip
    return figures


def main() -> None:
    """Generate (unless there), measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=datagen.SQLITE_URL)
    parser.add_argument("--quick", action="store_true", help="a tenth of the data")
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    parser.add_argument("--report-year", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each measurement")
    args = parser.parse_args()
    url = datagen.prepare(args.database_url, quick=args.quick, fresh=args.fresh)
    print("\n" + table(run(url, report_year=args.report_year, repeat=args.repeat)))


if __name__ == "__main__":
    main()
