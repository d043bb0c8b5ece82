"""Test spreadsheets made by code: hostile workbooks, zips and CSV files of the import corpus.

Each is small on the wire and huge once unpacked or counted, as an attacker (or a broken
export) would send it. Built in memory in a second or two; cached, as several tests use them.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable, Iterator
from functools import cache

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
HEADER = ("po_number", "po_line", "supplier", "material", "quantity_t", "date", "product_line",
          "exception_reason")  # fmt: skip
MIB = 1 << 20


def _inline(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def header_row() -> bytes:
    """The first row: the import's column names as inline strings."""
    return ('<row r="1">' + "".join(_inline(name) for name in HEADER) + "</row>").encode()


def workbook(sheet_data: Iterable[bytes], *, shared: bytes | None = None) -> bytes:
    """An XLSX package whose first sheet's <sheetData> holds the pieces of SHEET_DATA."""
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
        f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
        '<sheet name="export" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PACKAGE}">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/s1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="strings.xml"/>'
        "</Relationships>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        archive.writestr(
            "xl/strings.xml", b'<sst xmlns="' + MAIN.encode() + b'">' + (shared or b"") + b"</sst>"
        )
        with archive.open("xl/worksheets/s1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet xmlns="' + MAIN.encode() + b'"><sheetData>')
            for piece in sheet_data:
                sheet.write(piece)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _repeated(piece: bytes, total_bytes: int, chunk: int = 4 * MIB) -> Iterator[bytes]:
    block = piece * (chunk // len(piece))
    written = 0
    while written + len(block) <= total_bytes:
        yield block
        written += len(block)
    yield piece * ((total_bytes - written) // len(piece))


@cache
def empty_rows_xlsx(unpacked_mib: int = 190) -> bytes:
    """The issue's bomb: a header, then UNPACKED_MIB of empty <row/> (0.27 MiB on the wire)."""
    return workbook([header_row(), *_repeated(b"<row/>", unpacked_mib * MIB)])


@cache
def many_empty_rows_xlsx(rows: int = 1_000_000) -> bytes:
    """ROWS empty rows after the header, well within the unpacked size limit (6 MB)."""
    return workbook([header_row(), *_repeated(b"<row/>", rows * 6)])


@cache
def shared_string_bomb_xlsx(rows: int = 20_000, columns: int = 8, length: int = 2100) -> bytes:
    """The issue's bomb: every cell of ROWS x COLUMNS points at one LENGTH-character string."""
    row = b"<row>" + b'<c t="s"><v>0</v></c>' * columns + b"</row>"
    return workbook([header_row(), row * rows], shared=b"<si><t>" + b"x" * length + b"</t></si>")


@cache
def many_cells_xlsx(cells: int = 1_500_000) -> bytes:
    """One row of CELLS empty cells (each costs parsing, though none is read)."""
    return workbook([header_row(), b"<row>", *_repeated(b"<c/>", cells * 4), b"</row>"])


@cache
def element_flood_xlsx(elements: int = 4_500_000) -> bytes:
    """ELEMENTS elements that are neither rows nor cells, inside the sheet data (18 MB)."""
    return workbook([header_row(), *_repeated(b"<x/>", elements * 4)])


@cache
def many_entries_zip(entries: int = 150_000) -> bytes:
    """The issue's zip of ENTRIES empty files (reading its table alone took a second)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number in range(entries):
            archive.writestr(zipfile.ZipInfo(f"{number:x}"), b"")
    return buffer.getvalue()


@cache
def understated_entries_zip(entries: int = 150_000, claimed: int = 10) -> bytes:
    """A zip of ENTRIES files whose end record claims only CLAIMED (its table size tells)."""
    data = bytearray(many_entries_zip(entries))
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, claimed, claimed)
    return bytes(data)


@cache
def blank_lines_csv(lines: int = 2_000_000) -> bytes:
    """A CSV header followed by LINES empty lines (2 MB)."""
    return (",".join(HEADER) + "\n").encode() + b"\n" * lines


def honest_xlsx(lines: int, reason: str = "") -> bytes:
    """LINES good-looking lines of one supplier and material (whether they pass is the test's)."""
    rows = []
    for number in range(lines):
        cells = (f"PO-{number // 5}", str(number % 5 + 1), "YNSD", "al_primary_ingot", "1.5",
                 "2026-02-01", "alloy", reason)  # fmt: skip
        rows.append(
            f'<row r="{number + 2}">'.encode()
            + "".join(_inline(cell) for cell in cells if cell).encode()
            + b"</row>"
        )
    return workbook([header_row(), *rows])


@cache
def too_many_lines_xlsx(lines: int = 20_001, columns: int = 40) -> bytes:
    """LINES lines of COLUMNS numbers: within every other limit, so read to the end (slow)."""
    header = b'<row r="1">' + "".join(_inline(name) for name in HEADER).encode() + b"</row>"
    row = b"<row>" + b"<c><v>1</v></c>" * columns + b"</row>"
    return workbook([header, row * lines])


@cache
def one_long_string_xlsx(characters: int = 90_000_000) -> bytes:
    """A shared string of CHARACTERS characters, used by no cell (within the unpacked size)."""
    return workbook([header_row()], shared=b"<si><t>" + b"x" * characters + b"</t></si>")
