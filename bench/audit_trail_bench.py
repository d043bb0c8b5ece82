"""The audit-trail page with a long trail: chain verification and one filtered page, timed.

Fills a fresh SQLite database (migrated through Alembic, in a temporary folder) with N audit
entries written by portal.audit.record, then times
  - verify_chain (every entry's hash recomputed; the page shows its result),
  - one page of 50 entries newest first, unfiltered and filtered by actor and plant date,
and prints the figures with the machine.

    .venv/bin/python bench/audit_trail_bench.py --entries 20000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from machine import describe  # noqa: E402


def timed(action: Callable[[], object], repeat: int = 3) -> float:
    """Median seconds of ACTION over REPEAT runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Fill, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    entries = parser.parse_args().entries

    from sqlmodel import Session

    from portal import audit, db, migrations
    from portal.auditlog import service

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/audit.db"
        migrations.upgrade(url)
        engine = db.make_engine(url, sqlite_lock_on_begin=False)
        start = time.perf_counter()
        with Session(engine) as session:
            for number in range(entries):
                audit.record(
                    session,
                    actor=audit.Actor(f"user{number % 40}@example.com", number % 40),
                    action="purchase.recorded" if number % 3 else "check.recorded",
                    entity_type="purchase",
                    entity_id=number,
                    after={"quantity_t": str(number % 97), "po": f"PO-{number}"},
                )
            session.commit()
        fill_s = time.perf_counter() - start
        today = date.today()
        with Session(engine) as session:
            verify_s = timed(lambda: audit.verify_chain(session))
            report = audit.verify_chain(session)
            page_s = timed(
                lambda: service.entries(session, filters=service.Filters(), page=1), repeat=5
            )
            filtered = service.Filters(actor="user7@", date_from=today, date_to=today)
            filtered_s = timed(lambda: service.entries(session, filters=filtered, page=2), 5)
        engine.dispose()
    print(describe())
    print(f"entries written                 {entries:>10,}  in {fill_s:.1f} s")
    print(f"verify_chain (whole trail)      {verify_s * 1000:>10.1f} ms  ok={report.ok}")
    print(f"  per 1,000 entries             {verify_s * 1e6 / entries:>10.2f} ms")
    print(f"page 1 of 50, unfiltered        {page_s * 1000:>10.1f} ms")
    print(f"page 2, actor + plant date      {filtered_s * 1000:>10.1f} ms")


if __name__ == "__main__":
    main()
