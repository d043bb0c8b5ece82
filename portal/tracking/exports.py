"""CSV and XLSX exports of the yearly figures and of the purchases behind them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlmodel import Session

from portal.catalog import get_targets
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
    "material_code",
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
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0, hence an XLSX sheet, cannot hold: C0 controls but tab and line breaks, U+FFFE,
# U+FFFF and unpaired surrogates. openpyxl refuses the first (the whole export would fail).
_NOT_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
REPLACEMENT = "\ufffd"  # shown where such a character was, so the reader sees something was


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _xlsx_cell(value: Any) -> Any:
    """VALUE as an XLSX cell can hold it, whatever text was stored in older days."""
    value = _cell(value)
    if isinstance(value, str):
        return _NOT_IN_XLSX.sub(REPLACEMENT, value)
    return value


def figure_rows(years: Iterable[YearFigures]) -> Iterator[dict[str, Any]]:
    """One row per year and product line, with the report's columns."""
    for figures in years:
        for line in figures.lines:
            yield csv_row(figures.year, line_report(line))


def material_rows(years: Iterable[YearFigures]) -> Iterator[dict[str, Any]]:
    """One row per year, product line and material."""
    for figures in years:
        for line in figures.lines:
            for material in line.materials:
                yield {
                    "year": figures.year,
                    "product_line": line.line,
                    "material_code": material.material_code,
                    "category": material.category,
                    "purchases": material.purchases,
                    "quantity_t": material.quantity_t,
                    "emissions_t": material.emissions_t,
                    "supplier_specific_t": material.supplier_specific_t,
                    "recycled_t": material.recycled_t,
                }


def figures_csv(years: list[YearFigures]) -> str:
    """The yearly figures as CSV."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(figure_rows(years))
    return buffer.getvalue()


def _number(value: Any) -> Any:
    if isinstance(value, str) and value:
        try:
            return Decimal(value)
        except ArithmeticError:
            return _xlsx_cell(value)
    return _xlsx_cell(value)


def figures_xlsx(years: list[YearFigures]) -> bytes:
    """The yearly figures (and tonnes by material) as an XLSX workbook."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("figures")
    sheet.append(list(CSV_COLUMNS))
    for row in figure_rows(years):
        sheet.append([_number(row[column]) for column in CSV_COLUMNS])
    materials = workbook.create_sheet("materials")
    materials.append(list(MATERIAL_COLUMNS))
    for row in material_rows(years):
        materials.append([_xlsx_cell(row[column]) for column in MATERIAL_COLUMNS])
    source = workbook.create_sheet("targets source")
    targets = get_targets()
    for key, value in (
        ("document", targets.source.document),
        ("dated", targets.source.dated.isoformat()),
        ("method", targets.source.method),
    ):
        source.append([key, _xlsx_cell(value)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _purchase_statement(purchase_filter: PurchaseFilter, search: Any = None) -> Any:
    p = Purchase.__table__.c  # type: ignore[attr-defined]
    columns = [p[name] for name in PURCHASE_COLUMNS if name != "supplier_code"]
    columns.insert(PURCHASE_COLUMNS.index("supplier_code"), Supplier.__table__.c.code)  # type: ignore[attr-defined]
    conditions = [*purchase_filter.conditions(), *([] if search is None else [search])]
    return (
        select(*columns)
        .join_from(Purchase.__table__, Supplier.__table__)  # type: ignore[attr-defined]
        .where(*conditions)
        .order_by(p.purchase_date, p.id)
        .execution_options(yield_per=2000)
    )


def purchase_rows(
    db: Session, purchase_filter: PurchaseFilter, search: Any = None
) -> Iterator[tuple[Any, ...]]:
    """The filtered (and SEARCH-found) purchases as PURCHASE_COLUMNS tuples, in batches."""
    for row in db.exec(_purchase_statement(purchase_filter, search)):
        yield tuple(_cell(value) for value in row)


def purchases_csv_chunks(
    db: Session, purchase_filter: PurchaseFilter, search: Any = None
) -> Iterator[str]:
    """The filtered (and SEARCH-found) purchases as CSV, a few thousand lines per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(PURCHASE_COLUMNS)
    for count, row in enumerate(purchase_rows(db, purchase_filter, search), start=1):
        writer.writerow(["" if value is None else value for value in row])
        if count % 2000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def purchases_xlsx_chunks(
    db: Session, purchase_filter: PurchaseFilter, search: Any = None
) -> Iterator[bytes]:
    """The filtered (and SEARCH-found) purchases as an XLSX workbook, streamed in flat memory."""

    def rows() -> Iterator[list[Any]]:
        yield list(PURCHASE_COLUMNS)
        for row in db.execute(_purchase_statement(purchase_filter, search)):
            yield [_xlsx_cell(value) if isinstance(value, str) else value for value in row]

    return xlsxstream.stream("purchases", rows())


def purchases_xlsx(db: Session, purchase_filter: PurchaseFilter) -> bytes:
    """The filtered purchases as an XLSX workbook, in one piece."""
    return b"".join(purchases_xlsx_chunks(db, purchase_filter))
