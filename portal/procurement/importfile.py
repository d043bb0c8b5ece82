"""Reading an ERP export (CSV or XLSX, Chinese or English headers) into lines (pure, no I/O).

The columns are documented in docs/import-format.md and on the import page; both are built from
COLUMNS below, so the documentation and the reader cannot drift apart.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from portal.exportcolumns import KEY_HEADERS, Headers
from portal.procurement.xlsx import SheetLimits, XlsxOverLimit, first_sheet_rows

# The limits below are stated in docs/import-format.md (a test keeps the two in step).
# A CSV is read as it weighs; a workbook can unpack to far more, so its limits are lower.
MAX_LINES = 1_000_000  # of a CSV: a decade of a plant's purchase lines, checked in the background
MAX_CSV_ROWS = 1_100_000  # records read, empty or not: an empty one costs reading like any other
MAX_CSV_CELLS = 20_000_000  # a million lines of 20 columns
MAX_CSV_CHARACTERS = 100_000_000  # the whole text of the largest CSV the upload limit lets in
MAX_WORKBOOK_LINES = 20_000
MAX_ROWS = 100_000  # rows read, empty or not: an empty row costs reading like any other
MAX_CELL = 2100  # longer than any field allows, so over-long values are refused, not cut
MAX_COLUMNS = 100
MAX_CELLS = 1_000_000  # 20,000 lines of 50 columns
# Characters of the cells read, a shared string counted at each cell that uses it.
MAX_CHARACTERS = 20_000_000
MAX_XML_ELEMENTS = 4_000_000  # of any one part of a workbook: a cell and its value are two
MAX_XLSX_UNPACKED = 100 * 1024 * 1024  # declared sizes of all parts together
MAX_ZIP_ENTRIES = 1000  # a workbook has a dozen parts
MAX_CENTRAL_DIRECTORY = 1024 * 1024  # bytes of the zip's table of contents
ROW = "row"
OVER_LIMIT_CODES = {
    "rows": "too_many_rows",
    "cells": "too_many_cells",
    "elements": "too_many_elements",
    "characters": "too_much_text",
}


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


def is_zip(data: bytes) -> bool:
    """Whether DATA is a zip archive (an XLSX workbook), by its first bytes."""
    return data.startswith(b"PK\x03\x04")


def read_lines(filename: str, data: bytes) -> list[dict[str, Any]]:
    """The file's lines as {column key: text, "row": spreadsheet row number}; FileRefused else."""
    keys, rows = read_rows(filename, data)
    return [{ROW: row[0], **dict(zip(keys, row[1:], strict=True))} for row in rows]


def read_rows(filename: str, data: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    """The column keys found, and the lines as [row number, cell per key] one at a time.

    Nothing is held per line: a million lines would not fit a reader's memory as dicts.
    FileRefused for the header at once; for a later problem while the lines are read.
    """
    if not data:
        raise FileRefused("empty")
    if is_zip(data):
        screen_zip(data)
        return _rows_after_header(_xlsx_rows(data), MAX_WORKBOOK_LINES)
    if data.startswith(b"\xd0\xcf\x11\xe0") or filename.lower().endswith(".xls"):
        raise FileRefused("xls")
    return _rows_after_header(_csv_rows(data), MAX_LINES)


def table_rows(
    filename: str, data: bytes, *, cell: Callable[[Any], str] | None = None
) -> Iterator[tuple[int, list[str]]]:
    """The rows of a CSV or XLSX file as (row number, cells as text), within the limits above;
    CELL turns a spreadsheet value into text (default `cell_text`). Other imports (EMS
    exports of the energy platform) read their files through this."""
    if not data:
        raise FileRefused("empty")
    if is_zip(data):
        screen_zip(data)
        return _xlsx_rows(data, cell or cell_text)
    if data.startswith(b"\xd0\xcf\x11\xe0") or filename.lower().endswith(".xls"):
        raise FileRefused("xls")
    return _csv_rows(data)


def _rows_after_header(
    rows: Iterable[tuple[int, Sequence[str]]], max_lines: int
) -> tuple[list[str], Iterator[list[Any]]]:
    iterator = iter(rows)
    header: dict[int, str] | None = None
    for _row, cells in iterator:
        if any(cells):
            header = _header(cells)
            break
    if header is None:
        raise FileRefused("no_header")
    return list(header.values()), _data_rows(iterator, list(header), max_lines)


def _data_rows(
    iterator: Iterator[tuple[int, Sequence[str]]], at: list[int], max_lines: int
) -> Iterator[list[Any]]:
    count = 0
    for row, cells in iterator:
        if not any(cells):
            continue
        if count >= max_lines:
            raise FileRefused("too_many_lines", n=f"{max_lines:,}")
        count += 1
        width = len(cells)
        yield [row, *(cells[index] if index < width else "" for index in at)]
    if not count:
        raise FileRefused("no_lines")


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


def _over(what: str, limit: int) -> FileRefused:
    return FileRefused(OVER_LIMIT_CODES[what], n=f"{limit:,}")


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    if "\x00" in text:
        raise FileRefused("unreadable")
    if len(text) > MAX_CSV_CHARACTERS:
        raise _over("characters", MAX_CSV_CHARACTERS)
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    delimiter = max((",", ";", "\t"), key=first.count)
    # Line by line from the text itself: a StringIO copies it (four bytes a character).
    lines = _text_lines(text) if end >= 0 else io.StringIO(text, newline="")
    reader = csv.reader(lines, delimiter=delimiter)
    cells_seen = 0
    try:
        for number, cells in enumerate(reader, start=1):
            cells_seen += len(cells)
            if number > MAX_CSV_ROWS:  # empty records too
                raise _over("rows", MAX_CSV_ROWS)
            if cells_seen > MAX_CSV_CELLS:
                raise _over("cells", MAX_CSV_CELLS)
            yield number, [cell.strip()[:MAX_CELL] for cell in cells[:MAX_COLUMNS]]
    except csv.Error:
        raise FileRefused("unreadable") from None


def _text_lines(text: str) -> Iterator[str]:
    """TEXT's lines with their endings ("\r\n" stays whole), one slice at a time."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        end = size if end < 0 else end + 1
        yield text[start:end]
        start = end


_END_OF_DIRECTORY = struct.Struct("<4s4H2LH")  # the end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")


def screen_zip(data: bytes) -> None:
    """Refuse a zip by the entry count and table size it declares, before reading any of it.

    Reading the table of a zip of 150,000 entries alone took more than a second.
    """
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - (1 << 16) - _END_OF_DIRECTORY.size))
    if at < 0 or len(data) < at + _END_OF_DIRECTORY.size:
        raise FileRefused("unreadable")
    fields = _END_OF_DIRECTORY.unpack_from(data, at)
    entries, directory_bytes = fields[4], fields[5]
    locator_at = at - _ZIP64_LOCATOR.size
    if locator_at >= 0 and data[locator_at : locator_at + 4] == b"PK\x06\x07":
        end64_at = _ZIP64_LOCATOR.unpack_from(data, locator_at)[2]
        if end64_at + _ZIP64_END.size > len(data) or data[end64_at : end64_at + 4] != (
            b"PK\x06\x06"
        ):
            raise FileRefused("unreadable")
        end64 = _ZIP64_END.unpack_from(data, end64_at)
        entries, directory_bytes = max(entries, end64[7]), max(directory_bytes, end64[8])
    if entries > MAX_ZIP_ENTRIES or directory_bytes > MAX_CENTRAL_DIRECTORY:
        raise FileRefused("too_many_entries", n=f"{MAX_ZIP_ENTRIES:,}")


def _xlsx_rows(
    data: bytes, cell: Callable[[Any], str] | None = None
) -> Iterator[tuple[int, list[str]]]:
    text_of = cell or cell_text
    limits = SheetLimits(
        max_rows=MAX_ROWS,
        max_cells=MAX_CELLS,
        max_elements=MAX_XML_ELEMENTS,
        max_characters=MAX_CHARACTERS,
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_ZIP_ENTRIES:  # the end record understated them
                raise FileRefused("too_many_entries", n=f"{MAX_ZIP_ENTRIES:,}")
            # Parts are unzipped no further than their declared sizes (zipfile stops there).
            if sum(info.file_size for info in parts) > MAX_XLSX_UNPACKED:
                raise FileRefused("too_big", n=f"{MAX_XLSX_UNPACKED >> 20:,}")
            for number, values in first_sheet_rows(archive, MAX_COLUMNS, limits):
                yield number, [text_of(value) for value in values]
    except FileRefused:
        raise
    except XlsxOverLimit as over:
        raise _over(over.what, over.limit) from None
    except MemoryError:
        raise
    except Exception:  # a broken or foreign zip fails in many ways
        raise FileRefused("unreadable") from None


def template_csv(headers: Headers = KEY_HEADERS) -> str:
    """An example file with two lines, its header row as HEADERS chooses (the keys by default)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers.import_row(COLUMNS))
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
