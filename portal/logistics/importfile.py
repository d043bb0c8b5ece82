"""Reading the warehouse's in/out records (CSV or XLSX, Chinese or English headers) into
lines (pure, no I/O); the file formats' limits are the ERP import's, but for the lines."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from portal.exportcolumns import Headers
from portal.procurement.importfile import (
    FileRefused,
    ImportColumn,
    _csv_rows,
    _xlsx_rows,
    is_zip,
    normalise_header,
    screen_zip,
)

ROW = "row"
MAX_LINES = 20_000  # the ERP import's former limit: these files are read and checked at once
ENGLISH_HEADERS = Headers("en", "en")
COLUMNS = (
    ImportColumn("reference", "Record number", "出入库单号", True, ("单号", "delivery note")),
    ImportColumn("po_number", "PO number", "采购订单号", False, ("PO", "订单号")),
    ImportColumn("po_line", "PO line", "订单行号", False, ("行号",)),
    ImportColumn("customer", "Customer", "客户", False),
    ImportColumn("shipped_on", "Date", "日期", True, ("date", "发货日期", "到货日期")),
    ImportColumn("tonnes", "Tonnes", "重量（吨）", True, ("weight (t)", "吨")),
    ImportColumn("mode", "Mode", "运输方式", True, ("modes", "vehicle", "车型")),
    ImportColumn("distance_km", "Distance (km)", "距离（公里）", False, ("km", "公里")),
    ImportColumn(
        "carrier_co2e_t", "Carrier CO2e (t)", "承运商排放（吨）", False, ("carrier co2e",)
    ),
    ImportColumn("packaging", "Packaging", "包装材料", False),
    ImportColumn("packaging_kg", "Packaging (kg)", "包装重量（千克）", False),
    ImportColumn("reusable", "Reusable", "可循环", False, ("returnable", "可重复使用")),
    ImportColumn("recyclable", "Recyclable", "可回收", False),
    ImportColumn("recyclable_basis", "Recyclability basis", "可回收依据", False),
    ImportColumn("recycled_content_pct", "Recycled content (%)", "再生含量（%）", False),
)
_HEADER_KEYS = {name: column.key for column in COLUMNS for name in column.names}


def _header(cells: Sequence[str]) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = _HEADER_KEYS.get(normalise_header(cell))
        if key is None:
            continue
        if key in found.values():
            raise FileRefused("duplicate_column", column=cell)
        found[index] = key
    missing = [c for c in COLUMNS if c.required and c.key not in found.values()]
    if missing:
        raise FileRefused(
            "missing_columns", columns=", ".join(f"{c.english} / {c.chinese}" for c in missing)
        )
    return found


def read_lines(filename: str, data: bytes) -> list[dict[str, Any]]:
    """The file's lines as {column key: text, "row": spreadsheet row}; FileRefused else."""
    if not data:
        raise FileRefused("empty")
    if is_zip(data):
        screen_zip(data)
        rows: Iterator[tuple[int, list[str]]] = _xlsx_rows(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0") or filename.lower().endswith(".xls"):
        raise FileRefused("xls")
    else:
        rows = _csv_rows(data)
    header: dict[int, str] | None = None
    for _row, cells in rows:
        if any(cells):
            header = _header(cells)
            break
    if header is None:
        raise FileRefused("no_header")
    lines: list[dict[str, Any]] = []
    for row, cells in rows:
        if not any(cells):
            continue
        if len(lines) >= MAX_LINES:
            raise FileRefused("too_many_lines", n=f"{MAX_LINES:,}")
        line: dict[str, Any] = {ROW: row}
        for index, key in header.items():
            line[key] = cells[index] if index < len(cells) else ""
        lines.append(line)
    if not lines:
        raise FileRefused("no_lines")
    return lines


def template_csv(headers: Headers = ENGLISH_HEADERS) -> str:
    """A CSV with the columns and two example lines, its header row as HEADERS chooses."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers.import_row(COLUMNS))
    writer.writerow(
        [
            "WH-IN-0001",
            "PO-2026-001",
            "1",
            "",
            "2026-03-10",
            "25",
            "rail_electric+truck_diesel_heavy",
            "1950+30",
            "",
            "aluminium_rack",
            "80",
            "yes",
            "yes",
            "supplier",
            "0",
        ]
    )
    writer.writerow(
        [
            "WH-OUT-0001",
            "",
            "",
            "Customer Ltd",
            "2026-03-12",
            "18",
            "truck_battery_electric",
            "160",
            "",
            "wooden_pallet",
            "40",
            "no",
            "yes",
            "iso18604",
            "0",
        ]
    )
    return out.getvalue()
