"""The XLSX reader: what Excel, WPS and ERP exports put in a sheet, read as openpyxl reads it."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from portal.procurement.importfile import FileRefused, cell_text, read_lines
from portal.procurement.xlsx import first_sheet_rows, from_serial, is_date_format

HEADER = ["po_number", "po_line", "supplier", "material", "quantity_t", "date", "product_line"]


def _openpyxl_rows(data: bytes, max_columns: int) -> list[tuple[int, list[str]]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    rows = []
    for number, values in enumerate(sheet.iter_rows(max_col=max_columns, values_only=True), 1):
        texts = [cell_text(value) for value in values]
        while texts and texts[-1] == "":
            texts.pop()
        rows.append((number, texts))
    return [(number, texts) for number, texts in rows if texts]


def _our_rows(data: bytes, max_columns: int) -> list[tuple[int, list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rows = [
            (number, [cell_text(value) for value in values])
            for number, values in first_sheet_rows(archive, max_columns)
        ]
    return [(number, texts) for number, texts in rows if texts]


def test_a_workbook_written_by_openpyxl_reads_as_openpyxl_reads_it() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "采购明细"
    sheet.append(
        ["采购订单号", "订单行号", "供应商代码", "物料代码", "数量（吨）", "采购日期", "产品线"]
    )
    sheet.append(["PO-1", 1, "YNSD", "al_primary_ingot", 12.5, date(2026, 3, 2), "铝合金"])
    sheet.append([20260001, 2.0, "SXML", "magnesium", 0.001, datetime(2026, 3, 2, 14, 30), "alloy"])
    sheet.append(["PO-3", None, "XJGY", None, 1e-7, "2026-03-04", True])
    sheet.cell(row=4, column=30, value="beyond the columns read")
    sheet.cell(row=9, column=1, value="after empty rows")
    sheet.cell(row=10, column=6, value=46000).number_format = "yyyy/mm/dd"
    sheet.cell(row=10, column=5, value=46000).number_format = "0.000"
    sheet.cell(row=10, column=4, value=3.25).number_format = '"day "0.00'
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    for max_columns in (100, 20):
        assert _our_rows(data, max_columns) == _openpyxl_rows(data, max_columns)
    rows = dict(_our_rows(data, 100))
    assert rows[3][:6] == ["20260001", "2", "SXML", "magnesium", "0.001", "2026-03-02"]
    assert rows[10][3:6] == ["3.25", "46000", "2025-12-09"]
    assert 5 not in rows and rows[9] == ["after empty rows"]


def _package(sheet: str, *, shared: str | None = None, workbook_pr: str = "") -> bytes:
    """A workbook as other producers write it: prefixed namespaces, no styles part."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "_rels/.rels": f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
        f'Type="{relationships}/officeDocument" Target="/xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<x:workbook xmlns:x="{main}" xmlns:r="{relationships}">'
        f'{workbook_pr}<x:sheets><x:sheet name="S" sheetId="1" r:id="rId7"/></x:sheets>'
        "</x:workbook>",
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{package}">'
        f'<Relationship Id="rId7" Type="{relationships}/worksheet" Target="sheets/s1.xml"/>'
        + (
            f'<Relationship Id="rId8" Type="{relationships}/sharedStrings" Target="strings.xml"/>'
            if shared is not None
            else ""
        )
        + "</Relationships>",
        "xl/sheets/s1.xml": f'<x:worksheet xmlns:x="{main}"><x:sheetData>{sheet}'
        "</x:sheetData></x:worksheet>",
    }
    if shared is not None:
        parts["xl/strings.xml"] = f'<sst xmlns="{main}">{shared}</sst>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + text)
    return buffer.getvalue()


def _rows(data: bytes, max_columns: int = 100) -> list[tuple[int, list[object]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return list(first_sheet_rows(archive, max_columns))


def test_strings_types_and_positions_as_other_producers_write_them() -> None:
    shared = (
        '<si><t xml:space="preserve">PO </t></si>'
        "<si><r><t>铝</t></r><r><t>合金</t></r><rPh sb='0' eb='1'><t>ㄌㄩˇ</t></rPh></si>"
    )
    sheet = (
        '<x:row r="2"><x:c t="s"><x:v>0</x:v></x:c><x:c t="inlineStr"><x:is><x:t>行 &amp; 1'
        '</x:t></x:is></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c>'
        '<x:c t="e"><x:v>#N/A</x:v></x:c><x:c t="d"><x:v>2026-03-02T00:00:00Z</x:v></x:c>'
        '<x:c><x:f>SUM(A1:A2)</x:f><x:v>42</x:v></x:c><x:c t="str"><x:v>text formula</x:v>'
        "</x:c></x:row>"
        '<x:row><x:c r="C3"><x:v>7.5</x:v></x:c></x:row>'
    )
    assert _rows(_package(sheet, shared=shared)) == [
        (2, ["PO ", "行 & 1", "铝合金", True, "#N/A", datetime(2026, 3, 2), 42, "text formula"]),
        (3, [None, None, 7.5]),
    ]


def test_dates_in_the_1904_system_and_the_1900_leap_year_that_never_was() -> None:
    assert from_serial(46083, None) == date(2026, 3, 2)
    assert from_serial(59, None) == date(1900, 2, 28)
    assert from_serial(61, None) == date(1900, 3, 1)
    assert from_serial(46083.5, None) == datetime(2026, 3, 2, 12)
    assert from_serial(0, datetime(1904, 1, 1)) == date(1904, 1, 1)
    assert is_date_format("yyyy-mm-dd") and is_date_format("[$-804]yyyy年m月d日")
    assert not is_date_format('0.00" days"') and not is_date_format("[Red]0.00")


def test_a_cell_far_right_or_far_down_costs_nothing_and_is_not_read() -> None:
    sheet = (
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>po</x:t></x:is></x:c>'
        '<x:c r="XFD1"><x:v>1</x:v></x:c></x:row>'
        '<x:row r="1048576"><x:c r="B1048576"><x:v>2</x:v></x:c></x:row>'
    )
    assert _rows(_package(sheet), max_columns=100) == [(1, ["po"]), (1048576, [None, 2])]


@pytest.mark.parametrize(
    "sheet",
    [
        '<x:row><x:c t="s"><x:v>5</x:v></x:c></x:row>',  # a shared string that is not there
        "<x:row><x:c><x:v>1</x:v></x:row>",  # broken XML
    ],
    ids=["missing_shared_string", "broken_xml"],
)
def test_a_broken_sheet_is_refused_as_unreadable(sheet: str) -> None:
    with pytest.raises(FileRefused) as refused:
        read_lines("x.xlsx", _package(sheet, shared=""))
    assert refused.value.code == "unreadable"


def test_a_document_type_declaration_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><sst>&b;</sst>'
    )
    data = _package('<x:row><x:c t="s"><x:v>0</x:v></x:c></x:row>', shared="")
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info.filename, bomb if info.filename == "xl/strings.xml" else body)
    with pytest.raises(FileRefused) as refused:
        read_lines("x.xlsx", buffer.getvalue())
    assert refused.value.code == "unreadable"


def test_an_export_reads_into_lines() -> None:
    header = "".join(f'<x:c t="inlineStr"><x:is><x:t>{name}</x:t></x:is></x:c>' for name in HEADER)
    line = (
        '<x:c t="inlineStr"><x:is><x:t>PO-9</x:t></x:is></x:c><x:c><x:v>3</x:v></x:c>'
        '<x:c t="inlineStr"><x:is><x:t>YNSD</x:t></x:is></x:c>'
        '<x:c t="inlineStr"><x:is><x:t>al_billet</x:t></x:is></x:c><x:c><x:v>2.50</x:v></x:c>'
        '<x:c t="d"><x:v>2026-04-01</x:v></x:c><x:c t="inlineStr"><x:is><x:t>extrusion</x:t>'
        "</x:is></x:c>"
    )
    data = _package(f'<x:row r="1">{header}</x:row><x:row r="2">{line}</x:row>')
    assert read_lines("erp.xlsx", data) == [
        {
            "row": 2,
            "po_number": "PO-9",
            "po_line": "3",
            "supplier": "YNSD",
            "material": "al_billet",
            "quantity_t": "2.5",
            "date": "2026-04-01",
            "product_line": "extrusion",
        }
    ]
