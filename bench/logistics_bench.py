"""Logistics: warehouse-record import speed, and the tracking page with many shipments.

1. Import: a CSV of N inbound lines (two legs and packaging on every other line), matched to
   N purchases by PO number, read in the bounded worker, checked (the preview) and stored
   (the confirmation) through the portal's own functions; lines per second of each and of
   the whole (floor: 5,000 lines/s for the preview).
2. Tracking: GET /tracking and /tracking/logistics answered for the ESG team before and after
   M more shipments are stored (the figures come from the yearly sums); the ratio is printed.

    .venv/bin/python bench/logistics_bench.py [--lines 5000] [--shipments 200000]

A fresh SQLite database under a temporary directory (or --database-url) is migrated first.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

FLOOR_LINES_PER_S = 5_000


def _setup(url: str) -> None:
    os.environ["PORTAL_DATABASE_URL"] = url
    os.environ.setdefault("PORTAL_ENV", "test")
    os.environ.setdefault("PORTAL_DATA_DIR", tempfile.mkdtemp(prefix="logistics-bench-files-"))
    from portal import config, db, migrations

    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    migrations.upgrade(url)


def _purchases(count: int) -> tuple[int, int]:
    """A supplier, a buyer and COUNT purchases (rows written directly: not what is timed)."""
    from helpers import make_supplier, make_user
    from sqlalchemy import insert
    from sqlmodel import Session, func, select

    from portal.db import get_engine, utcnow
    from portal.procurement.models import BuyerCheck, Purchase

    with Session(get_engine()) as session:
        supplier = make_supplier(session, "FSZS")
        buyer = make_user(session, "buyer", "buyer@bench.portal")
        make_user(session, "esg", "esg@bench.portal")
        assert supplier.id and buyer.id
        common = {
            "supplier_id": supplier.id,
            "material_code": "al_recycled_ingot",
            "quantity_t": Decimal(25),
            "product_line": "alloy",
            "factor_source": "default",
            "pcf_t_per_t": Decimal("1.9"),
            "recycled_fraction": Decimal("0.75"),
            "emissions_t": Decimal("47.5"),
            "recycled_t": Decimal("18.75"),
            "ruleset_revision": "bench",
        }
        now = utcnow()
        checks = [
            {**common, "at": now, "user_id": buyer.id, "check_date": date(2026, 3, 1),
             "verdict": "pass", "reasons": []}
            for _ in range(count)
        ]  # fmt: skip
        session.execute(insert(BuyerCheck), checks)
        first = session.exec(select(func.min(BuyerCheck.id))).one()
        rows = [
            {**common, "purchase_date": date(2026, 3, 1), "purchase_year": 2026,
             "po_number": f"PO-B-{i:07}", "po_line": 1, "check_id": (first or 0) + i,
             "recorded_by_id": buyer.id, "recorded_at": now, "material_category": "raw_material"}
            for i in range(count)
        ]  # fmt: skip
        session.execute(insert(Purchase), rows)
        session.commit()
        return supplier.id, buyer.id


def _csv(count: int, prefix: str) -> bytes:
    lines = ["Record number,PO number,Date,Tonnes,Mode,Distance (km),Packaging,Packaging (kg),"
             "Reusable,Recyclable,Recyclability basis"]  # fmt: skip
    for i in range(count):
        if i % 2:
            lines.append(
                f"{prefix}-{i:07},PO-B-{i:07},2026-03-{1 + i % 28:02},25,"
                "rail_electric+truck_diesel_heavy,1950+30,aluminium_rack,80,yes,yes,supplier"
            )
        else:
            lines.append(f"{prefix}-{i:07},PO-B-{i:07},2026-03-{1 + i % 28:02},25,sea,1200,,,,,")
    return ("\n".join(lines) + "\n").encode()


def bench_import(lines: int, buyer_id: int) -> dict[str, float]:
    """Read, preview and confirm LINES warehouse lines; seconds of each step."""
    from sqlmodel import Session

    from portal.audit import Actor
    from portal.db import get_engine
    from portal.logistics import importreader, imports

    data = _csv(lines, "WH")
    importreader.read("warm.csv", _csv(10, "WARM"))  # start the worker outside the timing
    actor = Actor(label="bench", user_id=buyer_id)
    with Session(get_engine()) as session:
        started = time.perf_counter()
        found = imports.upload(
            session, actor=actor, user_id=buyer_id, filename="in.csv", data=data,
            direction="inbound",
        )  # fmt: skip
        session.commit()
        previewed = time.perf_counter()
        assert found.status == imports.PREVIEWED, found.problems[:3]
        stored = imports.confirm(session, actor=actor, user_id=buyer_id, import_id=found.id or 0)
        session.commit()
        done = time.perf_counter()
    assert stored == lines
    return {
        "preview_s": previewed - started,
        "confirm_s": done - previewed,
        "total_s": done - started,
    }


def _more_shipments(count: int, supplier_id: int, buyer_id: int) -> float:
    """COUNT more shipments stored with their sums (copies of one planned delivery)."""
    from sqlmodel import Session

    from portal.db import get_engine
    from portal.logistics import imports
    from portal.logistics.inputs import LegDraft, PurchaseRef, ShipmentDraft, plan_shipment
    from portal.logistics.rules import logistics_rules, mode_intensity

    base = plan_shipment(
        ShipmentDraft(reference="X", po_number="PO-B-0000000", shipped_on="2026-04-01",
                      tonnes="25", legs=[LegDraft("truck_diesel_heavy", "1800")]),
        logistics_rules(),
        purchase=PurchaseRef(1, supplier_id, "alloy", Decimal(25)),
        site=None,
        intensity_of=mode_intensity,
    )  # fmt: skip
    started = time.perf_counter()
    batch = 20_000
    with Session(get_engine()) as session:
        for start in range(0, count, batch):
            plans = [
                dataclasses.replace(
                    base,
                    reference=f"BULK-{i:08}",
                    shipped_on=date(2025, 1, 1) + timedelta(days=i % 700),
                )
                for i in range(start, min(count, start + batch))
            ]
            imports.store_plans(session, plans, source="import", user_id=buyer_id, import_id=None)
            session.commit()
    return time.perf_counter() - started


def _page_times(client: object, paths: list[str], repeats: int) -> dict[str, float]:
    times: dict[str, float] = {}
    for path in paths:
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get(path)  # type: ignore[attr-defined]
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        times[path] = statistics.median(samples)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--shipments", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='logistics-bench-')}/b.db"
    _setup(url)
    supplier_id, buyer_id = _purchases(args.lines)
    timed = bench_import(args.lines, buyer_id)
    rate = args.lines / timed["preview_s"]
    print(f"import of {args.lines:,} warehouse lines ({url.split(':')[0]}):")
    verdict = "ok" if rate >= FLOOR_LINES_PER_S else "BELOW"
    print(f"  preview (read in worker + match + check): {timed['preview_s']:.3f} s = "
          f"{rate:,.0f} lines/s (floor {FLOOR_LINES_PER_S:,}: {verdict})")  # fmt: skip
    print(f"  confirm (check again + store): {timed['confirm_s']:.3f} s = "
          f"{args.lines / timed['confirm_s']:,.0f} lines/s")  # fmt: skip
    print(f"  whole: {args.lines / timed['total_s']:,.0f} lines/s")

    from fastapi.testclient import TestClient
    from helpers import sign_in

    from portal.app import create_app

    paths = ["/tracking?year=2026", "/tracking/logistics?year=2026"]
    with TestClient(create_app(), base_url="http://127.0.0.1:8000") as client:
        sign_in(client, "esg@bench.portal")
        _page_times(client, paths, 2)  # warm
        before = _page_times(client, paths, args.repeats)
        stored_s = _more_shipments(args.shipments, supplier_id, buyer_id)
        after = _page_times(client, paths, args.repeats)
    print(f"tracking pages, median of {args.repeats}, before and after "
          f"{args.shipments:,} more shipments (stored in {stored_s:.1f} s):")  # fmt: skip
    for path in paths:
        print(f"  {path}: {before[path] * 1000:.1f} ms -> {after[path] * 1000:.1f} ms "
              f"(ratio {after[path] / before[path]:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
