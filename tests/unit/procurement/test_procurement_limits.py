"""What an import file may hold: every row, cell, element and unpacked character is counted."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import spreadsheet_factory as factory

from portal import config
from portal.procurement import importfile, importreader
from portal.procurement.importfile import FileRefused, read_lines, screen_zip
from portal.procurement.xlsx import SheetLimits, XlsxOverLimit, first_sheet_rows

DOC = Path(__file__).resolve().parents[3] / "docs" / "import-format.md"


def _limits_table() -> dict[str, str]:
    rows = re.findall(
        r"^\| ([A-Za-z][A-Za-z ]+?) \| ([\d,.]+ ?[A-Za-z]*) \|", DOC.read_text(), re.M
    )
    return dict(rows)


def test_the_documentation_states_the_limits_the_reader_applies() -> None:
    stated = _limits_table()
    mib = 1024 * 1024
    assert stated == {
        "file size": f"{config.Settings().max_import_mb} MB",
        "CSV lines": f"{importfile.MAX_LINES:,}",
        "CSV rows": f"{importfile.MAX_CSV_ROWS:,}",
        "CSV cells": f"{importfile.MAX_CSV_CELLS:,}",
        "CSV characters": f"{importfile.MAX_CSV_CHARACTERS:,}",
        "workbook lines": f"{importfile.MAX_WORKBOOK_LINES:,}",
        "rows": f"{importfile.MAX_ROWS:,}",
        "cells": f"{importfile.MAX_CELLS:,}",
        "characters": f"{importfile.MAX_CHARACTERS:,}",
        "characters per cell": f"{importfile.MAX_CELL:,}",
        "XML elements": f"{importfile.MAX_XML_ELEMENTS:,}",
        "unpacked size": f"{importfile.MAX_XLSX_UNPACKED // mib} MiB",
        "zip entries": f"{importfile.MAX_ZIP_ENTRIES:,}",
        "reading time": f"{importreader.TIMEOUT_S:g} s",
        "memory": f"{importreader.MEMORY_MB} MiB",
    }


def _rows(data: bytes, limits: SheetLimits) -> list[tuple[int, list[object]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return list(first_sheet_rows(archive, 100, limits))


def test_empty_rows_count_against_the_row_limit() -> None:
    # A header and three empty rows are four rows: within 4, over 3.
    data = factory.workbook([factory.header_row(), b"<row/>" * 3])
    assert len(_rows(data, SheetLimits(max_rows=4))) == 4
    with pytest.raises(XlsxOverLimit) as over:
        _rows(data, SheetLimits(max_rows=3))
    assert (over.value.what, over.value.limit) == ("rows", 3)


def test_a_shared_string_counts_at_every_cell_that_uses_it() -> None:
    # "abcde" is 5 characters stored once; three cells using it expand to 15.
    row = b"<row>" + b'<c t="s"><v>0</v></c>' * 3 + b"</row>"
    data = factory.workbook([row], shared=b"<si><t>abcde</t></si>")
    assert _rows(data, SheetLimits(max_characters=15)) == [(1, ["abcde"] * 3)]
    with pytest.raises(XlsxOverLimit) as over:
        _rows(data, SheetLimits(max_characters=14))
    assert over.value.what == "characters"


def test_text_is_counted_as_it_is_read_not_once_a_cell_or_string_ends() -> None:
    # One inline cell of 30 characters, read in pieces: refused past 29, before it ends.
    cell = b'<row><c t="inlineStr"><is><t>' + b"y" * 30 + b"</t></is></c></row>"
    with pytest.raises(XlsxOverLimit, match="characters"):
        _rows(factory.workbook([cell]), SheetLimits(max_characters=29))
    # A shared string of 30 characters that no cell uses: stored text counts as it is read.
    unused = factory.workbook([b"<row/>"], shared=b"<si><t>" + b"x" * 30 + b"</t></si>")
    with pytest.raises(XlsxOverLimit, match="characters"):
        _rows(unused, SheetLimits(max_characters=29))
    assert _rows(unused, SheetLimits(max_characters=30)) == [(1, [])]


def test_cells_beyond_the_columns_read_and_other_elements_are_counted_too() -> None:
    wide = factory.workbook([b"<row>" + b"<c/>" * 10 + b"</row>"])
    with pytest.raises(XlsxOverLimit, match="cells"):
        _rows(wide, SheetLimits(max_cells=9))
    # worksheet, sheetData, row and ten cells: 13 elements in the sheet part.
    assert _rows(wide, SheetLimits(max_elements=13)) == [(1, [])]
    with pytest.raises(XlsxOverLimit, match="elements"):
        _rows(wide, SheetLimits(max_elements=12))
    strings = factory.workbook([b"<row/>"], shared=b"<si><t>a</t></si>" * 10)
    with pytest.raises(XlsxOverLimit, match="elements"):  # sst + 10 x (si, t) = 21
        _rows(strings, SheetLimits(max_elements=20))


def test_a_csv_counts_its_empty_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importfile, "MAX_CSV_ROWS", 4)
    header = ",".join(factory.HEADER) + "\n"
    line = "PO-1,1,YNSD,al_primary_ingot,1,2026-02-01,alloy,\n"
    assert len(read_lines("x.csv", (header + "\n\n" + line).encode())) == 1  # 4 records
    with pytest.raises(FileRefused) as refused:
        read_lines("x.csv", (header + "\n\n\n" + line).encode())  # 5 records
    assert refused.value.code == "too_many_rows" and refused.value.params == {"n": "4"}


def test_a_zip_is_refused_by_its_end_record_before_its_table_is_read() -> None:
    for data in (factory.many_entries_zip(), factory.understated_entries_zip()):
        started = time.perf_counter()
        with pytest.raises(FileRefused) as refused:
            screen_zip(data)
        assert refused.value.code == "too_many_entries"
        assert time.perf_counter() - started < 1  # zipfile alone takes a second for its table
    screen_zip(factory.honest_xlsx(3))  # a workbook passes
    with pytest.raises(FileRefused) as refused:
        screen_zip(b"PK\x03\x04 no end record")
    assert refused.value.code == "unreadable"


HOSTILE: list[tuple[Callable[[], bytes], str]] = [
    (factory.empty_rows_xlsx, "too_big"),
    (factory.many_empty_rows_xlsx, "too_many_rows"),
    (factory.shared_string_bomb_xlsx, "too_much_text"),
    (factory.many_cells_xlsx, "too_many_cells"),
    (factory.too_many_lines_xlsx, "too_many_lines"),
    (factory.one_long_string_xlsx, "too_much_text"),
    (factory.element_flood_xlsx, "too_many_elements"),
    (factory.many_entries_zip, "too_many_entries"),
    (factory.understated_entries_zip, "too_many_entries"),
    (factory.blank_lines_csv, "too_many_rows"),
]


@pytest.mark.parametrize(("make", "code"), HOSTILE, ids=[make.__name__ for make, _ in HOSTILE])
def test_each_hostile_file_is_refused_by_the_limit_it_breaks(
    make: Callable[[], bytes], code: str
) -> None:
    with pytest.raises(FileRefused) as refused:
        read_lines("erp.xlsx", make())
    assert refused.value.code == code


def test_an_honest_workbook_at_the_line_limit_is_read() -> None:
    lines = read_lines("erp.xlsx", factory.honest_xlsx(importfile.MAX_WORKBOOK_LINES, "approved"))
    assert len(lines) == importfile.MAX_WORKBOOK_LINES
    assert lines[-1]["row"] == importfile.MAX_WORKBOOK_LINES + 1
