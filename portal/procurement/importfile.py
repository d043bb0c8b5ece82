"""Reading an ERP export (CSV or XLSX, Chinese or English headers) into lines (pure, no I/O).

The columns are documented in docs/import-format.md and on the import page; both are built from
COLUMNS below, so the documentation and the reader cannot drift apart.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from portal.procurement.xlsx import first_sheet_rows

MAX_LINES = 20_000
MAX_CELL = 2100  # longer than any field allows, so over-long values are refused, not cut
MAX_COLUMNS = 100
MAX_XLSX_UNPACKED = 200 * 1024 * 1024
ROW = "row"


@dataclass(frozen=True)
class ImportColumn:
    """One column of the import format."""

    key: str
    english: str
    chinese: str
    required: bool
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every header that means this column, normalised."""
        return tuple(
            normalise_header(n) for n in (self.key, self.english, self.chinese, *self.aliases)
        )


COLUMNS = (
    ImportColumn("po_number", "PO number", "采购订单号", True, ("PO", "订单号", "采购单号")),
    ImportColumn("po_line", "PO line", "订单行号", False, ("行号", "line number")),
    ImportColumn("supplier", "Supplier code", "供应商代码", True, ("supplier", "供应商")),
    ImportColumn("material", "Material code", "物料代码", True, ("material", "物料")),
    ImportColumn("quantity_t", "Quantity (t)", "数量（吨）", True, ("quantity", "数量")),
    ImportColumn("date", "Purchase date", "采购日期", True, ("date", "日期")),
    ImportColumn("product_line", "Product line", "产品线", True),
    ImportColumn("exception_reason", "Exception reason", "例外原因", False, ("例外说明",)),
)


class FileRefused(ValueError):
    """The file as a whole cannot be read; CODE and PARAMS say why."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def normalise_header(text: str) -> str:
    """A header cell compared loosely: case, spaces, '_' and full-width brackets don't matter."""
    text = text.replace("\ufeff", "").replace("（", "(").replace("）", ")").strip().lower()
    return re.sub(r"[\s_]+", " ", text)


_HEADER_KEYS = {name: column.key for column in COLUMNS for name in column.names}


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: dates as YYYY-MM-DD, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()[:MAX_CELL]


def read_lines(filename: str, data: bytes) -> list[dict[str, Any]]:
    """The file's lines as {column key: text, "row": spreadsheet row number}; FileRefused else."""
    if not data:
        raise FileRefused("empty")
    if data.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0") or filename.lower().endswith(".xls"):
        raise FileRefused("xls")
    else:
        rows = _csv_rows(data)
    return _lines(rows)


def _lines(rows: Iterable[tuple[int, Sequence[str]]]) -> list[dict[str, Any]]:
    iterator = iter(rows)
    header: dict[int, str] | None = None
    for _row, cells in iterator:
        if any(cells):
            header = _header(cells)
            break
    if header is None:
        raise FileRefused("no_header")
    lines: list[dict[str, Any]] = []
    for row, cells in iterator:
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


def _header(cells: Sequence[str]) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = _HEADER_KEYS.get(normalise_header(cell))
        if key is None:
            continue  # ERP exports carry more columns than we need
        if key in found.values():
            raise FileRefused("duplicate_column", column=cell)
        found[index] = key
    missing = [c for c in COLUMNS if c.required and c.key not in found.values()]
    if missing:
        names = ", ".join(f"{c.english} / {c.chinese}" for c in missing)
        raise FileRefused("missing_columns", columns=names)
    return found


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused("unreadable")


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    if "\x00" in text:
        raise FileRefused("unreadable")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [cell.strip()[:MAX_CELL] for cell in cells[:MAX_COLUMNS]]
    except csv.Error:
        raise FileRefused("unreadable") from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED:
                raise FileRefused("too_big")
            for number, values in first_sheet_rows(archive, MAX_COLUMNS):
                yield number, [cell_text(value) for value in values]
    except FileRefused:
        raise
    except Exception:  # a broken or foreign zip fails in many ways
        raise FileRefused("unreadable") from None


def template_csv() -> str:
    """An example file with the English headers and two lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.key for column in COLUMNS])
    writer.writerow(
        ["PO-2026-0101", "1", "YNSD", "al_primary_ingot", "120.5", "2026-03-02", "alloy", ""]
    )
    writer.writerow(
        [
            "PO-2026-0101",
            "2",
            "SXML",
            "al_primary_ingot",
            "80",
            "2026-03-02",
            "alloy",
            "Hydro ingot sold out; approved by ESG",
        ]
    )
    return buffer.getvalue()
