"""The streaming XLSX writer: header bold and frozen, chunks before the last row (pure)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date

from openpyxl import load_workbook

from portal.tracking import xlsxstream


def test_the_header_row_is_bold_and_frozen() -> None:
    data = b"".join(xlsxstream.stream("采购记录", [["日期", "数量"], [date(2026, 3, 2), 1.5]]))
    sheet = load_workbook(io.BytesIO(data))["采购记录"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "日期" and sheet["A1"].font.b
    assert sheet["B2"].value == 1.5 and not sheet["B2"].font.b
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    frozen = (
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
    )
    assert frozen in xml  # the views come before the data, as the schema orders them


def test_chunks_leave_before_the_last_row_is_read() -> None:
    read = 0

    def rows() -> Iterator[list[object]]:
        nonlocal read
        yield ["po_number", "quantity_t"]
        for number in range(50_000):  # about 3 MB of sheet XML, flushed every 256 KiB
            read += 1
            yield [f"PO-{number:06d}", number]

    chunks = xlsxstream.stream("purchases", rows())
    first = next(chunks)
    assert first and read < 50_000
    rest = b"".join(chunks)
    assert read == 50_000
    sheet = load_workbook(io.BytesIO(first + rest), read_only=True)["purchases"]
    *_, last = sheet.iter_rows(values_only=True)
    assert last == ("PO-049999", 49_999)
