"""The purchase ledger: filtered pages, its CSV, and the searches of the purchase form."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from portal.accounts.models import User
from portal.checking import RuleSet
from portal.exportcolumns import Headers, formula_safe
from portal.listing import ListQuery, material_names, ordering, search_condition
from portal.procurement.lookup import in_chunks
from portal.procurement.models import BuyerCheck, Purchase
from portal.suppliers.models import Supplier

# --- the ledger ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseFilters:
    """What a purchase list is narrowed to."""

    year: int | None = None
    product_line: str | None = None
    supplier: str | None = None
    material: str | None = None
    factor_source: str | None = None
    exceptions_only: bool = False
    date_from: date | None = None
    date_to: date | None = None
    import_id: int | None = None


@dataclass(frozen=True)
class PurchaseRow:
    """A purchase with its supplier for lists and exports."""

    purchase: Purchase
    supplier_code: str
    supplier_name_zh: str
    supplier_name_en: str
    verdict: str


@dataclass(frozen=True)
class PurchasePage:
    """A page of the ledger with totals over every matching purchase."""

    rows: list[PurchaseRow]
    total: int
    quantity_t: Decimal
    emissions_t: Decimal
    recycled_t: Decimal


def _filtered(statement: Any, filters: PurchaseFilters) -> Any:
    conditions = []
    if filters.year is not None:
        conditions.append(col(Purchase.purchase_year) == filters.year)
    if filters.product_line:
        conditions.append(col(Purchase.product_line) == filters.product_line)
    if filters.supplier:
        conditions.append(col(Supplier.code) == filters.supplier.strip().upper())
    if filters.material:
        conditions.append(col(Purchase.material_code) == filters.material.strip())
    if filters.factor_source:
        conditions.append(col(Purchase.factor_source) == filters.factor_source)
    if filters.exceptions_only:
        conditions.append(col(Purchase.exception_reason).is_not(None))
    if filters.date_from is not None:
        conditions.append(col(Purchase.purchase_date) >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(col(Purchase.purchase_date) <= filters.date_to)
    if filters.import_id is not None:
        conditions.append(col(Purchase.import_id) == filters.import_id)
    return statement.where(*conditions) if conditions else statement


# What the ledger's free-text search looks in (and catalog material names), and its sorts.
LEDGER_SEARCH = (
    col(Purchase.po_number),
    col(Supplier.code),
    col(Supplier.name_zh),
    col(Supplier.name_en),
    col(Purchase.material_code),
)
LEDGER_SORTS: dict[str, tuple[Any, ...]] = {
    "date": (col(Purchase.purchase_date),),
    "po": (col(Purchase.po_number), col(Purchase.po_line)),
    "supplier": (col(Supplier.code),),
    "material": (col(Purchase.material_code),),
    "tonnes": (col(Purchase.quantity_t),),
    "emissions": (col(Purchase.emissions_t),),
    "verdict": (col(BuyerCheck.verdict),),
}
LEDGER_DEFAULT = "-date"  # newest first


def _searched(statement: Any, filters: PurchaseFilters, query: ListQuery | None) -> Any:
    statement = _filtered(statement, filters)
    if query is None:
        return statement
    condition = search_condition(
        query, LEDGER_SEARCH, also=(material_names(col(Purchase.material_code)),)
    )
    return statement if condition is None else statement.where(condition)


def list_purchases(
    db: Session,
    filters: PurchaseFilters,
    *,
    limit: int = 100,
    offset: int = 0,
    query: ListQuery | None = None,
) -> PurchasePage:
    """Matching purchases, newest first, with totals; QUERY searches, sorts and pages them."""
    totals_query = _searched(
        select(
            func.count(col(Purchase.id)),
            func.coalesce(func.sum(Purchase.quantity_t), 0),
            func.coalesce(func.sum(Purchase.emissions_t), 0),
            func.coalesce(func.sum(Purchase.recycled_t), 0),
        ).join(Supplier, col(Supplier.id) == Purchase.supplier_id),
        filters,
        query,
    )
    count, quantity, emissions, recycled = db.exec(totals_query).one()
    if query is not None:
        limit, offset = query.per_page, query.offset
    rows = _rows(db, filters, limit=limit, offset=offset, query=query)
    return PurchasePage(
        rows=rows,
        total=int(count),
        quantity_t=Decimal(quantity),
        emissions_t=Decimal(emissions),
        recycled_t=Decimal(recycled),
    )


def _rows(
    db: Session,
    filters: PurchaseFilters,
    *,
    limit: int | None,
    offset: int = 0,
    query: ListQuery | None = None,
) -> list[PurchaseRow]:
    statement = _searched(
        sa_select(
            Purchase,
            col(Supplier.code),
            col(Supplier.name_zh),
            col(Supplier.name_en),
            col(BuyerCheck.verdict),
        )
        .join(Supplier, col(Supplier.id) == Purchase.supplier_id)
        .join(BuyerCheck, col(BuyerCheck.id) == Purchase.check_id),
        filters,
        query,
    )
    if query is None:
        order = [col(Purchase.purchase_date).desc(), col(Purchase.id).desc()]
    else:
        order = ordering(query, LEDGER_SORTS, tiebreak=(col(Purchase.id),))
    statement = statement.order_by(*order)
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    return [
        PurchaseRow(p, code, zh, en, verdict)
        for p, code, zh, en, verdict in db.execute(statement).all()
    ]


CSV_COLUMNS = (
    "po_number",
    "po_line",
    "purchase_date",
    "purchase_year",
    "product_line",
    "supplier_code",
    "supplier_name",
    "material_code",
    "material_name",
    "material_category",
    "quantity_t",
    "check_verdict",
    "exception_reason",
    "factor_source",
    "declaration_id",
    "pcf_t_per_t",
    "emissions_t",
    "recycled_fraction",
    "recycled_t",
    "ruleset_revision",
    "check_id",
    "import_id",
    "recorded_at",
)


def _cell(value: object) -> str:
    return str(formula_safe("" if value is None else str(value)))


def purchases_csv(
    db: Session, filters: PurchaseFilters, headers: Headers, query: ListQuery | None = None
) -> str:
    """Every matching purchase (QUERY's search and order, all pages) as CSV, UTF-8 with a BOM
    so Excel reads the Chinese names."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers.row(CSV_COLUMNS))
    names = headers.material_names()
    for row in _rows(db, filters, limit=None, query=query):
        p = row.purchase
        writer.writerow(
            [
                _cell(value)
                for value in (
                    p.po_number,
                    p.po_line,
                    p.purchase_date.isoformat(),
                    p.purchase_year,
                    p.product_line,
                    row.supplier_code,
                    headers.supplier_name(row.supplier_name_zh, row.supplier_name_en),
                    p.material_code,
                    names.get(p.material_code, p.material_code),
                    p.material_category,
                    p.quantity_t,
                    row.verdict,
                    p.exception_reason,
                    p.factor_source,
                    p.declaration_id,
                    p.pcf_t_per_t,
                    p.emissions_t,
                    p.recycled_fraction,
                    p.recycled_t,
                    p.ruleset_revision,
                    p.check_id,
                    p.import_id,
                    p.recorded_at.isoformat(),
                )
            ]
        )
    return buffer.getvalue()


def recorder_emails(db: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """Emails of the users who recorded purchases."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return dict(db.exec(select(User.id, User.email).where(col(User.id).in_(ids))).all())  # type: ignore[arg-type]


def search_suppliers(db: Session, text: str, limit: int = 10) -> list[Supplier]:
    """Outside suppliers whose code or name contains TEXT."""
    statement = select(Supplier).where(col(Supplier.is_own_plant).is_(False))
    wanted = text.strip()[:64]
    if wanted:
        pattern = f"%{wanted.replace('%', '').replace('_', '')}%"
        statement = statement.where(
            col(Supplier.code).ilike(pattern)
            | col(Supplier.name_zh).ilike(pattern)
            | col(Supplier.name_en).ilike(pattern)
        )
    return list(db.exec(statement.order_by(Supplier.code).limit(limit)).all())


def search_materials(ruleset: RuleSet, text: str, limit: int = 15) -> list[Any]:
    """Catalog materials whose code or name contains TEXT."""
    wanted = text.strip().lower()[:64]
    found = [
        m
        for m in ruleset.materials.values()
        if not wanted
        or wanted in m.code.lower()
        or wanted in m.name_en.lower()
        or wanted in m.name_zh
    ]
    return found[:limit]


def existing_purchases(
    db: Session, keys: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], Purchase]:
    """Recorded purchases with these (PO number, PO line) keys."""
    wanted = set(keys)
    found: dict[tuple[str, int], Purchase] = {}
    # By PO number, then the lines in Python: SQLite scans the whole unique index for a
    # (po_number, po_line) IN list, but seeks it for a list of PO numbers.
    for chunk in in_chunks(sorted({number for number, _line in wanted})):
        statement = select(Purchase).where(col(Purchase.po_number).in_(list(chunk)))
        for purchase in db.exec(statement):
            key = (purchase.po_number, purchase.po_line)
            if key in wanted:
                found[key] = purchase
    return found
