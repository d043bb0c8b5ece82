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

TARGET_S = 0.05  # issue 19: < 50 ms at 10 M purchase lines


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
            ("report service (summaries)", dashboard_service),
            (f"GET /tracking?year={report_year}", get(f"/tracking?year={report_year}")),
        )),
        (f"report {report_year}", raw_query(report_year, report_year), (
            ("report service (summaries)", report_service),
            (f"GET /api/v1/reports/{report_year}", get(f"/api/v1/reports/{report_year}")),
        )),
        (f"drill-down {report_year}", raw_totals(report_year), (
            ("first page (summary totals, keyset)", get(f"/tracking/purchases?year={report_year}")),
            ("a page mid-year (keyset)", get(mid_year_page(report_year))),
        )),
    )  # fmt: skip
    figures = []
    area = f"tracking ({backend})"
    print(f"median (min) of {repeat} runs after a warm-up; target < {TARGET_S * 1000:.0f} ms; "
          "'before' is the aggregate over the ledger's rows the portal ran until now")  # fmt: skip
    for title, raw, others in measurements:
        raw_times = timed(raw, repeat)
        raw_median = statistics.median(raw_times)
        print(f"  {title}")
        print(f"    {'before: SQL over the raw rows':<38} {raw_median * 1000:8.1f} ms "
              f"({min(raw_times) * 1000:.1f})")  # fmt: skip
        before = f"{raw_median * 1000:.1f} ms"
        figures.append(Figure(area, f"{title}: before, SQL over the rows", before,
                              "1.00× before", "context", None))  # fmt: skip
        for label, action in others:
            times = timed(action, repeat)
            median = statistics.median(times)
            met = median < TARGET_S
            print(f"    {label:<38} {median * 1000:8.1f} ms ({min(times) * 1000:.1f})  "
                  f"{median / raw_median:5.3f}× before  {'ok' if met else 'OVER'}")  # fmt: skip
            figures.append(Figure(area, f"{title}: {label}", f"{median * 1000:.1f} ms",
                                  f"{median / raw_median:.3f}× before",
                                  f"< {TARGET_S * 1000:.0f} ms", met))  # fmt: skip
    figures.append(export_figure(area, report_year))
    return figures


def raw_totals(year: int) -> Callable[[], object]:
    """The drill-down's totals as the portal computed them before: SQL over the year's rows."""
    from portal.db import get_engine

    engine = get_engine()
    sql = (
        "SELECT count(*), sum(quantity_t), sum(emissions_t), sum(recycled_t) FROM purchase "
        f"WHERE purchase_year = {int(year)}"
    )

    def run() -> object:
        with engine.connect() as connection:
            return connection.exec_driver_sql(sql).all()

    return run


def mid_year_page(year: int) -> str:
    """The drill-down page after the purchase in the middle of the year (by date and id)."""
    from datetime import date

    from sqlalchemy import text

    from portal.db import get_engine

    with get_engine().connect() as connection:
        row = connection.execute(
            text(
                "SELECT purchase_date, id FROM purchase WHERE purchase_date >= :day "
                "ORDER BY purchase_date, id LIMIT 1"
            ),
            {"day": date(year, 7, 1)},
        ).one()
    day = row[0] if isinstance(row[0], date) else date.fromisoformat(str(row[0]))
    return f"/tracking/purchases?year={year}&page=2&after={day.isoformat()}.{row[1]}"


def rss_mib() -> float:
    """This process's resident memory now."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def export_figure(area: str, year: int) -> Figure:
    """The year's purchases as XLSX through the export's streaming writer; RSS sampled."""
    from sqlmodel import Session

    from portal.db import get_engine
    from portal.exportcolumns import Headers
    from portal.tracking.exports import purchases_xlsx_chunks
    from portal.tracking.queries import PurchaseFilter

    start_rss = rss_mib()
    peak = start_rss
    size = 0
    chunks = 0
    started = time.perf_counter()
    with Session(get_engine()) as db:
        chinese = Headers("zh", "zh")  # as the plant's ESG team downloads it
        for chunk in purchases_xlsx_chunks(db, PurchaseFilter(year=year), chinese):
            size += len(chunk)
            chunks += 1
            if chunks % 8 == 0:
                peak = max(peak, rss_mib())
    elapsed = time.perf_counter() - started
    peak = max(peak, rss_mib())
    grown = peak - start_rss
    print(f"  XLSX export of {year}: {size / 2**20:.1f} MiB in {chunks} chunks, {elapsed:.1f} s; "
          f"RSS {start_rss:.0f} MiB before, peak {peak:.0f} MiB (+{grown:.0f})")  # fmt: skip
    return Figure(area, f"XLSX export {year}, streamed ({size / 2**20:.0f} MiB, {elapsed:.0f} s)",
                  f"+{grown:.0f} MiB RSS", f"peak {peak:.0f} MiB", "flat (< +100 MiB)",
                  grown < 100)  # fmt: skip


def main() -> None:
    """Generate (unless there), measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=datagen.SQLITE_URL)
    parser.add_argument("--quick", action="store_true", help="a tenth of the data")
    parser.add_argument("--scale", choices=sorted(datagen.SCALES), default=None)
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    parser.add_argument("--report-year", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each measurement")
    args = parser.parse_args()
    if args.scale:
        url = args.database_url
        if url == datagen.SQLITE_URL and args.scale == "10m":
            url = datagen.TEN_M_SQLITE_URL
        print(datagen.ensure(url, datagen.SCALES[args.scale], fresh=args.fresh))
    else:
        url = datagen.prepare(args.database_url, quick=args.quick, fresh=args.fresh)
    print("\n" + table(run(url, report_year=args.report_year, repeat=args.repeat)))


if __name__ == "__main__":
    main()
