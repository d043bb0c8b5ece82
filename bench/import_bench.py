"""ERP import: lines per second of checking a 10,000-line purchase file, CSV and XLSX.

Runs the portal's own import path in process against the generated data: `imports.upload`
(read the file, store its lines), then `imports.check_next_batch` until every line is checked
(each step its own transaction, as the import page's requests), then `importstore.confirm` (check
every line again and store the purchases; rolled back, and the import deleted, so the data
stays as generated). The lines name random supplier/material pairs that have declarations (and some
that have none), dates in 2026, and an exception reason on some lines.

    .venv/bin/python bench/import_bench.py [--database-url URL] [--lines 10000]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import datagen  # noqa: E402
from figures import Figure, table  # noqa: E402

TARGET_LINES_PER_S = 2_000
HEADER = ("po_number", "po_line", "supplier", "material", "quantity_t", "date", "product_line",
          "exception_reason")  # fmt: skip


def file_lines(count: int, seed: int = 11) -> list[tuple[str, ...]]:
    """COUNT lines of an ERP export: mostly declared pairs, some undeclared, some exceptions."""
    from sqlalchemy import text

    from portal.db import get_engine

    with get_engine().connect() as connection:
        declared = [
            (str(code), str(material))
            for code, material in connection.execute(
                text(
                    "SELECT DISTINCT s.code, d.material_code FROM declaration d "
                    "JOIN supplier s ON s.id = d.supplier_id ORDER BY 1, 2"
                )
            )
        ]
        codes = [str(code) for (code,) in connection.execute(text("SELECT code FROM supplier"))]
    materials = sorted({material for _code, material in declared})
    rnd = random.Random(seed)
    lines = []
    for number in range(count):
        if rnd.random() < 0.9:
            code, material = rnd.choice(declared)
        else:
            code, material = rnd.choice(codes), rnd.choice(materials)
        day = date(2026, 1, 1) + timedelta(days=rnd.randrange(365))
        lines.append(
            (
                f"IMP-{seed}-{number // 5:06d}",
                str(number % 5 + 1),
                code,
                material,
                f"{rnd.uniform(0.5, 60):.3f}",
                day.isoformat(),
                "extrusion" if rnd.random() < 0.1 else "alloy",
                "approved by ESG: no declared alternative" if rnd.random() < 0.3 else "",
            )
        )
    return lines


def as_csv(lines: list[tuple[str, ...]]) -> bytes:
    """The lines as a UTF-8 CSV file with a BOM (as Excel writes it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(lines)
    return ("\ufeff" + buffer.getvalue()).encode()


def as_xlsx(lines: list[tuple[str, ...]]) -> bytes:
    """The lines as an XLSX workbook, with numbers and dates as spreadsheet cells."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    sheet.append(HEADER)
    for line in lines:
        po, po_line, code, material, quantity, day, product_line, reason = line
        sheet.append([po, int(po_line), code, material, float(quantity),
                      date.fromisoformat(day), product_line, reason or None])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure(name: str, data: bytes) -> dict[str, Any]:
    """Seconds to upload and check every batch, and to confirm (rolled back)."""
    from sqlalchemy import delete
    from sqlmodel import Session, select

    from portal.accounts.models import User
    from portal.audit import Actor
    from portal.db import get_engine
    from portal.procurement import imports, importstore
    from portal.procurement.models import PurchaseImport

    engine = get_engine()
    with Session(engine) as session:
        buyer = session.exec(select(User).where(User.email == datagen.BUYER_EMAIL)).one()
    assert buyer.id is not None
    actor = Actor(label=buyer.email, user_id=buyer.id)
    # One transaction per step, as the upload and each progress request of the page.
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        purchase_import = imports.upload(
            session, actor=actor, user_id=buyer.id, filename=name, data=data
        )
        session.commit()
    import_id = purchase_import.id
    steps = 1
    while purchase_import.status == imports.CHECKING:
        with Session(engine, expire_on_commit=False) as session:
            purchase_import = imports.check_next_batch(session, import_id=import_id)
            session.commit()
        steps += 1
    checked_s = time.perf_counter() - started
    assert import_id is not None
    with Session(engine) as session:
        summary = imports.summary(session, import_id=import_id)
        results = imports.line_results(session, import_id=import_id)
    with Session(engine, expire_on_commit=False) as session:
        started = time.perf_counter()
        confirmation = importstore.confirm(
            session, actor=actor, user_id=buyer.id, import_id=import_id
        )
        confirm_s = time.perf_counter() - started
        session.rollback()
    with Session(engine) as session:
        session.execute(delete(PurchaseImport).where(PurchaseImport.id == import_id))  # type: ignore[arg-type]
        session.commit()
    return {
        "lines": purchase_import.line_count,
        "checked_s": checked_s,
        "batches": steps,
        "summary": summary,
        "results": results,
        "confirm_s": confirm_s,
        "confirmation": confirmation,
    }


def run(url: str, count: int) -> list[Figure]:
    """Measure CSV and XLSX, print the details, return the figures for the summary."""
    backend = datagen.backend_of(url)
    lines = file_lines(count)
    # As a buyer would: upload the export, then give a reason on each line whose check
    # failed and upload it again. The first upload also warms caches and pages.
    first = measure("first.csv", as_csv(lines))
    for result in first["results"]:
        if any(problem["code"] == "exception_needed" for problem in result["problems"]):
            index = result["row"] - 2  # spreadsheet row; the header is row 1
            lines[index] = (*lines[index][:-1], "approved by ESG: no declared alternative")
    files = {"purchases.csv": as_csv(lines), "purchases.xlsx": as_xlsx(lines)}
    figures = []
    print(f"\nimport on {backend}: {count:,} lines, in process")
    for name, data in files.items():
        result = measure(name, data)
        rate = result["lines"] / result["checked_s"]
        summary = result["summary"]
        print(
            f"  {name:<15} {len(data) / 1024:6.0f} KiB  checked in {result['checked_s']:5.2f} s "
            f"({result['batches']} steps) = {rate:7.0f} lines/s  "
            f"[new {summary.new}, invalid {summary.invalid}, exceptions {summary.exceptions}]"
        )
        kind = name.rsplit(".", 1)[-1].upper()
        figures.append(
            Figure(f"import ({backend})", f"check a {count:,}-line {kind} file (upload + batches)",
                   f"{rate:,.0f} lines/s", f"{rate / TARGET_LINES_PER_S:.2f}× target",
                   f"≥ {TARGET_LINES_PER_S:,} lines/s", rate >= TARGET_LINES_PER_S)
        )  # fmt: skip
        confirm = result["confirmation"]
        if confirm.invalid == 0:
            confirm_rate = result["lines"] / result["confirm_s"]
            print(f"  {'':<15} confirm (check again + store {confirm.stored:,}) in "
                  f"{result['confirm_s']:5.2f} s = {confirm_rate:7.0f} lines/s")  # fmt: skip
        else:
            confirm_rate = result["lines"] / result["confirm_s"]
            print(f"  {'':<15} confirm re-checked {result['lines']:,} lines in "
                  f"{result['confirm_s']:5.2f} s = {confirm_rate:7.0f} lines/s and stored "
                  f"nothing ({confirm.invalid:,} invalid lines)")  # fmt: skip
    return figures


def main() -> None:
    """Generate or reuse the data, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=datagen.SQLITE_URL)
    parser.add_argument("--quick", action="store_true", help="small data")
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    url = datagen.prepare(args.database_url, quick=args.quick)
    print("\n" + table(run(url, args.lines)))


if __name__ == "__main__":
    main()
