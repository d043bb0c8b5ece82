"""CSV and XLSX exports of the yearly figures and of the purchases behind them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import func, select
from sqlmodel import Session

from portal.catalog import get_targets
from portal.exportcolumns import Headers, formula_safe
from portal.procurement.models import Purchase
from portal.suppliers.models import Supplier
from portal.tracking import xlsxstream
from portal.tracking.queries import PurchaseFilter
from portal.tracking.schemas import CSV_COLUMNS, csv_row, line_report
from portal.tracking.service import YearFigures

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
MATERIAL_COLUMNS = (
    "year",
    "product_line",
    "material_code",
    "material_name",
    "category",
    "purchases",
    "quantity_t",
    "emissions_t",
    "supplier_specific_t",
    "recycled_t",
)
PURCHASE_COLUMNS = (
    "id",
    "purchase_date",
    "purchase_year",
    "product_line",
    "po_number",
    "po_line",
    "supplier_code",
    "supplier_name",
    "material_code",
    "material_name",
    "material_category",
    "quantity_t",
    "factor_source",
    "pcf_t_per_t",
    "emissions_t",
    "recycled_fraction",
    "recycled_t",
    "declaration_id",
    "ruleset_revision",
    "check_id",
    "exception_reason",
)
# What XML 1.0, hence an XLSX sheet, cannot hold: C0 controls but tab and line breaks, U+FFFE,
# U+FFFF and unpaired surrogates. openpyxl refuses the first (the whole export would fail).
_NOT_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
REPLACEMENT = "\ufffd"  # shown where such a character was, so the reader sees something was


def _xlsx_cell(value: Any) -> Any:
    """VALUE as an XLSX cell can hold it, whatever text was stored in older days."""
    value = formula_safe(value)
    if isinstance(value, str):
        return _NOT_IN_XLSX.sub(REPLACEMENT, value)
    return value


def figure_rows(years: Iterable[YearFigures]) -> Iterator[dict[str, Any]]:
    """One row per year and product line, with the report's columns."""
    for figures in years:
        for line in figures.lines:
            yield csv_row(figures.year, line_report(line))


def material_rows(years: Iterable[YearFigures], headers: Headers) -> Iterator[dict[str, Any]]:
    """One row per year, product line and material."""
    names = headers.material_names()
    for figures in years:
        for line in figures.lines:
            for material in line.materials:
                yield {
                    "year": figures.year,
                    "product_line": line.line,
                    "material_code": material.material_code,
                    "material_name": names.get(material.material_code, material.material_code),
                    "category": material.category,
                    "purchases": material.purchases,
                    "quantity_t": material.quantity_t,
                    "emissions_t": material.emissions_t,
                    "supplier_specific_t": material.supplier_specific_t,
                    "recycled_t": material.recycled_t,
                }


def figures_csv(years: list[YearFigures], headers: Headers) -> str:
    """The yearly figures as CSV."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writerow(dict(zip(CSV_COLUMNS, headers.row(CSV_COLUMNS), strict=True)))
    writer.writerows(figure_rows(years))
    return buffer.getvalue()


def _number(value: Any) -> Any:
    if isinstance(value, str) and value:
        try:
            return Decimal(value)
        except ArithmeticError:
            return _xlsx_cell(value)
    return _xlsx_cell(value)


BOLD = Font(bold=True)


def _sheet(workbook: Workbook, key: str, headers: Headers, columns: Iterable[str]) -> Any:
    """A sheet named by KEY in the header language, its header row bold and frozen."""
    sheet = workbook.create_sheet(headers.label(key))
    sheet.freeze_panes = "A2"
    row = []
    for label in headers.row(columns):
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = BOLD
        row.append(cell)
    sheet.append(row)
    return sheet


def figures_xlsx(years: list[YearFigures], headers: Headers) -> bytes:
    """The yearly figures (and tonnes by material) as an XLSX workbook."""
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, "figures", headers, CSV_COLUMNS)
    for row in figure_rows(years):
        sheet.append([_number(row[column]) for column in CSV_COLUMNS])
    materials = _sheet(workbook, "materials", headers, MATERIAL_COLUMNS)
    for row in material_rows(years, headers):
        materials.append([_xlsx_cell(row[column]) for column in MATERIAL_COLUMNS])
    source = workbook.create_sheet(headers.label("targets source"))
    targets = get_targets()
    for key, value in (
        ("document", targets.source.document),
        ("dated", targets.source.dated.isoformat()),
        ("method", targets.source.method),
    ):
        source.append([headers.label(key), _xlsx_cell(value)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_MATERIAL_NAME = PURCHASE_COLUMNS.index("material_name")


def _purchase_statement(
    purchase_filter: PurchaseFilter, headers: Headers, search: Any = None
) -> Any:
    p = Purchase.__table__.c  # type: ignore[attr-defined]
    s = Supplier.__table__.c  # type: ignore[attr-defined]
    first, other = (s.name_zh, s.name_en) if headers.language == "zh" else (s.name_en, s.name_zh)
    special = {
        "supplier_code": s.code,
        "supplier_name": func.coalesce(func.nullif(first, ""), other),
        # the code, turned into the catalog's name as each row is written
        "material_name": p.material_code,
    }
    columns = [special[name] if name in special else p[name] for name in PURCHASE_COLUMNS]
    conditions = [*purchase_filter.conditions(), *([] if search is None else [search])]
    return (
        select(*columns)
        .join_from(Purchase.__table__, Supplier.__table__)  # type: ignore[attr-defined]
        .where(*conditions)
        .order_by(p.purchase_date, p.id)
        .execution_options(yield_per=2000)
    )


def _named(rows: Iterable[Sequence[Any]], headers: Headers) -> Iterator[list[Any]]:
    """ROWS with the material's name in place of the code in its name column."""
    names = headers.material_names()
    for row in rows:
        values = list(row)
        code = values[_MATERIAL_NAME]
        values[_MATERIAL_NAME] = names.get(code, code)
        yield values


def purchase_rows(
    db: Session, purchase_filter: PurchaseFilter, headers: Headers, search: Any = None
) -> Iterator[tuple[Any, ...]]:
    """The filtered (and SEARCH-found) purchases as tuples in PURCHASE_COLUMNS order, streamed
    in batches."""
    statement = _purchase_statement(purchase_filter, headers, search)
    for row in _named(db.exec(statement), headers):
        yield tuple(formula_safe(value) for value in row)


def purchases_csv_chunks(
    db: Session, purchase_filter: PurchaseFilter, headers: Headers, search: Any = None
) -> Iterator[str]:
    """The filtered (and SEARCH-found) purchases as CSV, a few thousand lines per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers.row(PURCHASE_COLUMNS))
    for count, row in enumerate(purchase_rows(db, purchase_filter, headers, search), start=1):
        writer.writerow(["" if value is None else value for value in row])
        if count % 2000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def purchases_xlsx_chunks(
    db: Session, purchase_filter: PurchaseFilter, headers: Headers, search: Any = None
) -> Iterator[bytes]:
    """The filtered (and SEARCH-found) purchases as an XLSX workbook, streamed: memory flat
    however many rows."""

    def rows() -> Iterator[list[Any]]:
        yield headers.row(PURCHASE_COLUMNS)
        statement = _purchase_statement(purchase_filter, headers, search)
        for row in _named(db.execute(statement), headers):
            yield [_xlsx_cell(value) if isinstance(value, str) else value for value in row]

    return xlsxstream.stream(headers.label("purchases"), rows())


def purchases_xlsx(db: Session, purchase_filter: PurchaseFilter, headers: Headers) -> bytes:
    """The filtered purchases as an XLSX workbook, in one piece."""
    return b"".join(purchases_xlsx_chunks(db, purchase_filter, headers))
