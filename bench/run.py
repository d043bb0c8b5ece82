"""Every benchmark against its floor or target, then one summary table (`make bench`).

    .venv/bin/python bench/run.py                      # all, on SQLite (var/bench/portal.db)
    .venv/bin/python bench/run.py --quick              # a tenth of the data, short load runs
    .venv/bin/python bench/run.py --scale 10m          # ten million purchase lines (see README)
    .venv/bin/python bench/run.py --only check,import  # some of: check, tracking, pdf, ocr, import
    .venv/bin/python bench/run.py --postgres postgresql://postgres@127.0.0.1:5432/portal_bench_g

With --postgres (or PORTAL_BENCH_POSTGRES_URL set), the database benchmarks also run on that
PostgreSQL database, which is emptied and filled with generated data first (its name must
contain "bench" or "test"). Data already generated at the same scale is reused.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import check_bench  # noqa: E402
import datagen  # noqa: E402
from figures import Figure, table  # noqa: E402
from machine import describe  # noqa: E402

BENCHMARKS = ("check", "tracking", "pdf", "ocr", "import")


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset")
    parser.add_argument("--quick", action="store_true", help="small data, short runs")
    parser.add_argument(
        "--scale",
        choices=sorted(datagen.SCALES),
        default=None,
        help="data size (default: quick with --quick, else 1m); 10m takes about 15 minutes",
    )
    parser.add_argument("--database-url", default=None, help="SQLite database for the data")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("PORTAL_BENCH_POSTGRES_URL"),
        help="also run the database benchmarks on this PostgreSQL database",
    )
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    parser.add_argument("--import-lines", type=int, default=10_000)
    check_bench.add_options(parser)
    args = parser.parse_args()
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(args.only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if args.quick:
        args.duration = min(args.duration, 4.0)
        args.turns = 1
    args.scale = args.scale or ("quick" if args.quick else "1m")
    return args


def on_database(url: str, args: argparse.Namespace) -> list[Figure]:
    """The database benchmarks on one database."""
    import import_bench
    import tracking_bench

    scale = datagen.SCALES[args.scale]
    print(f"\n=== {datagen.backend_of(url)}: {url} ({args.scale})")
    print(datagen.ensure(url, scale, fresh=args.fresh))
    print(f"declarations by status: {datagen.status_mix()}")
    figures: list[Figure] = []
    if "check" in args.only:
        figures += check_bench.run(url, args)
    if "tracking" in args.only:
        repeat = 3 if args.quick else 7
        figures += tracking_bench.run(url, repeat=repeat)
    if "import" in args.only:
        figures += import_bench.run(url, args.import_lines)
    return figures


def load() -> str:
    """The 1, 5 and 15 minute load averages (other work on the cores moves every figure)."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    """Run what was asked for, then print the summary."""
    args = parse_args()
    started = time.perf_counter()
    machine = describe()
    print(f"machine: {machine}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"load average before: {load()}")
    figures: list[Figure] = []
    if "pdf" in args.only:
        import pdf_bench

        figures += pdf_bench.run(file_count=8 if args.quick else 20, rounds=2 if args.quick else 3)
    if "ocr" in args.only:
        import ocr_bench

        figures += ocr_bench.run(rounds=1 if args.quick else 2)
    if set(args.only) & {"check", "tracking", "import"}:
        sqlite_url = (
            args.database_url
            or {
                "quick": datagen.QUICK_SQLITE_URL,
                "1m": datagen.SQLITE_URL,
                "10m": datagen.TEN_M_SQLITE_URL,
            }[args.scale]
        )
        figures += on_database(sqlite_url, args)
        if args.postgres:
            figures += on_database(args.postgres, args)
    missed = [figure for figure in figures if figure.met is False]
    elapsed = time.perf_counter() - started
    print(f"\nsummary ({'quick' if args.quick else 'full'} run, {elapsed:.0f} s) on {machine}; "
          f"load average now {load()}\n")  # fmt: skip
    print(table(figures))
    print(f"\n{len(missed)} target(s) missed" if missed else "\nevery target met")


if __name__ == "__main__":
    main()
