"""Reading ERP exports and the values typed in them (pure)."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook
from procurement_helpers import REAL_RULES

from portal.procurement import importfile, inputs
from portal.procurement.decision import ProductLine
from portal.procurement.importfile import FileRefused, read_lines


def test_headers_in_either_language_any_order_with_extra_columns() -> None:
    text = (
        "Buyer,数量（吨）,Supplier Code,物料代码,PO Number,采购日期,产品线\n"
        "Zhang,5,YNSD,magnesium,P-1,2026-01-02,alloy\n"
    )
    [line] = read_lines("x.csv", text.encode())
    assert line == {
        "row": 2,
        "quantity_t": "5",
        "supplier": "YNSD",
        "material": "magnesium",
        "po_number": "P-1",
        "date": "2026-01-02",
        "product_line": "alloy",
    }


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiters_encodings_and_blank_lines(delimiter: str) -> None:
    rows = [
        ["po_number", "supplier", "material", "quantity_t", "date", "product_line"],
        ["采购-1", "YNSD", "镁锭", "1.5", "2026-01-02", "铝合金"],
        ["", "", "", "", "", ""],
        ["采购-2", "XJGY", "silicon_metal", "2", "2026-01-03", "alloy"],
    ]
    text = "\r\n".join(delimiter.join(row) for row in rows)
    for data in (text.encode("utf-8-sig"), text.encode("gb18030")):
        lines = read_lines("x.csv", data)
        assert [(line["row"], line["po_number"]) for line in lines] == [
            (2, "采购-1"),
            (4, "采购-2"),
        ]


def test_xlsx_cells_become_text() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        ["po_number", "po_line", "supplier", "material", "quantity_t", "date", "product_line"]
    )
    sheet.append([12345, 2.0, "YNSD", "al_billet", 0.1, datetime(2026, 5, 6), "extrusion"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    [line] = read_lines("x.xlsx", buffer.getvalue())
    assert (line["po_number"], line["po_line"], line["quantity_t"], line["date"]) == (
        "12345",
        "2",
        "0.1",
        "2026-05-06",
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("po_number,supplier,material,quantity_t,date,product_line,PO\n", "duplicate_column"),
        ("\n\n", "no_header"),
        ("po_number;supplier\n1;2\n", "missing_columns"),
    ],
)
def test_files_refused_as_a_whole(text: str, code: str) -> None:
    with pytest.raises(FileRefused) as refused:
        read_lines("x.csv", text.encode())
    assert refused.value.code == code


def test_too_many_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importfile, "MAX_LINES", 2)
    text = (
        "po_number,supplier,material,quantity_t,date,product_line\n"
        + "a,b,c,1,2026-01-01,alloy\n" * 3
    )
    with pytest.raises(FileRefused) as refused:
        read_lines("x.csv", text.encode())
    assert refused.value.code == "too_many_lines"


def test_the_example_file_reads_back() -> None:
    lines = read_lines("template.csv", importfile.template_csv().encode())
    assert [line["supplier"] for line in lines] == ["YNSD", "SXML"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.5", Decimal("12.5")),
        (" 7 ", Decimal(7)),
        ("0.000001", Decimal("0.000001")),
        ("1e3", Decimal(1000)),
    ],
)
def test_quantities_read(text: str, expected: Decimal) -> None:
    assert inputs.quantity(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "missing"),
        ("12,5", "not_a_number"),
        ("NaN", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("0", "not_positive"),
        ("-1", "not_positive"),
        ("1000000.1", "too_large"),
        ("0.0000001", "too_precise"),
    ],
)
def test_quantities_refused(text: str, code: str) -> None:
    with pytest.raises(inputs.BadValue) as bad:
        inputs.quantity(text)
    assert bad.value.code == code


def test_dates_lines_product_lines_and_materials() -> None:
    assert inputs.day("2026/3/1") == inputs.day("2026.03.01") == date(2026, 3, 1)
    assert inputs.day("2026-03-01 00:00:00") == date(2026, 3, 1)
    for bad, code in (
        ("2026-02-30", "not_a_date"),
        ("1999-12-31", "date_out_of_range"),
        ("01/03/2026", "not_a_date"),
    ):
        with pytest.raises(inputs.BadValue) as refused:
            inputs.day(bad)
        assert refused.value.code == code
    assert inputs.po_line("") == 1 and inputs.po_line("3.0") == 3
    with pytest.raises(inputs.BadValue):
        inputs.po_line("0")
    assert inputs.product_line("铝挤压") is ProductLine.EXTRUSION
    assert inputs.product_line(" Alloy ") is ProductLine.ALLOY
    assert inputs.material_code("原铝锭", REAL_RULES) == "al_primary_ingot"
    assert inputs.material_code("primary ALUMINIUM ingot", REAL_RULES) == "al_primary_ingot"
    with pytest.raises(inputs.BadValue):
        inputs.po_number("PO\x00-1")
    assert inputs.exception_reason("   ") is None


def test_the_documentation_names_every_column_and_header() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "import-format.md").read_text()
    for column in importfile.COLUMNS:
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{column.key}` |"))
        for name in (column.english, column.chinese, *column.aliases):
            assert name in row, (column.key, name)
        assert ("| yes |" in row) == column.required


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 20:00 UTC is 04:00 next morning in Shanxi (UTC+8): New Year's Day.
        ("2027-12-31T20:00:00Z", date(2028, 1, 1)),
        ("2027-12-31T15:59:59Z", date(2027, 12, 31)),  # 23:59:59 in Shanxi
        ("2027-12-31T16:00:00Z", date(2028, 1, 1)),  # midnight in Shanxi
        ("2027-12-31T23:30:00+08:00", date(2027, 12, 31)),
        ("2027-12-31T23:30:00+0800", date(2027, 12, 31)),
        ("2028-01-01T01:00:00-05:00", date(2028, 1, 1)),  # 14:00 in Shanxi
        ("2027-12-31T22:00:00.123+00:00", date(2028, 1, 1)),
        ("2027-12-31 23:30", date(2027, 12, 31)),  # no offset: plant time
        ("2027/12/31 23:30:00", date(2027, 12, 31)),
        ("２０２７-１２-３１", date(2027, 12, 31)),  # full-width digits of a Chinese IME
    ],
)
def test_times_are_booked_on_the_plant_date(text: str, expected: date) -> None:
    assert inputs.day(text) == expected


def test_datetime_objects_are_read_like_their_text() -> None:
    from datetime import UTC, datetime

    assert inputs.day(datetime(2027, 12, 31, 20, tzinfo=UTC)) == date(2028, 1, 1)
    assert inputs.day(datetime(2027, 12, 31, 23, 30)) == date(2027, 12, 31)  # plant time


@pytest.mark.parametrize(
    "text",
    ["2027-12-31T24:00:00Z", "2027-12-31T20:61Z", "2027-12-31T20:00+15:00", "2027-12-31Z",
     "2027-12-31T20", "2027-12-31T20:00:00Z+08:00", 1.0, 20271231, ["2027-12-31"]],
)  # fmt: skip
def test_unreadable_times_are_refused(text: object) -> None:
    with pytest.raises(inputs.BadValue) as refused:
        inputs.day(text)
    assert refused.value.code == "not_a_date"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,200", Decimal(1200)),
        ("1,234.5", Decimal("1234.5")),
        ("1,000,000", Decimal(1_000_000)),
        ("1.200", Decimal("1.2")),  # a point is always the decimal mark
        ("１，２００", Decimal(1200)),
        (1200, Decimal(1200)),
        (120.5, Decimal("120.5")),
    ],
)
def test_a_comma_groups_thousands(text: str | int | float, expected: Decimal) -> None:
    assert inputs.quantity(text) == expected


@pytest.mark.parametrize(
    "text", ["1,2", "1,20", "1,2000", "12,345,6", ",200", "1,200,", True, [1200], {"t": 1}]
)
def test_a_comma_that_is_not_a_thousands_group_is_refused(text: object) -> None:
    with pytest.raises(inputs.BadValue) as refused:
        inputs.quantity(text)
    assert refused.value.code == "not_a_number"
