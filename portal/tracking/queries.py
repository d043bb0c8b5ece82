"""The SQL behind the figures: the summaries for every figure, the ledger's rows by the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, literal, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from portal import listing
from portal.listing import ListQuery, material_names, related
from portal.procurement.models import Purchase
from portal.suppliers.models import Supplier
from portal.tracking import summaries
from portal.tracking.figures import Sums

P: Any = Purchase.__table__.c  # type: ignore[attr-defined]
YS: Any = summaries.YEAR
SS: Any = summaries.SUPPLIER
GROUP_KEYS = (
    P.purchase_year,
    P.product_line,
    P.material_category,
    P.factor_source,
    P.material_code,
)


def sums_statement(first_year: int, last_year: int) -> Any:
    """The one aggregate query: SUMs per year, line, category, factor source and material."""
    return (
        select(  # type: ignore[call-overload]
            *GROUP_KEYS,
            func.count().label("purchases"),
            func.sum(P.quantity_t).label("quantity_t"),
            func.sum(P.emissions_t).label("emissions_t"),
            func.sum(P.recycled_t).label("recycled_t"),
        )
        .where(P.purchase_year >= first_year, P.purchase_year <= last_year)
        .group_by(*GROUP_KEYS)
    )


def purchase_sums(db: Session, *, first_year: int, last_year: int) -> list[Sums]:
    """The purchases of the years FIRST_YEAR to LAST_YEAR, from the yearly summary."""
    return [
        Sums(
            year=row.purchase_year,
            line=row.product_line,
            material_code=row.material_code,
            category=row.material_category,
            factor_source=row.factor_source,
            purchases=int(row.purchases),
            quantity_t=summaries.tonnes(row.quantity_ut),
            emissions_t=summaries.tonnes(row.emissions_ut),
            recycled_t=summaries.tonnes(row.recycled_ut),
        )
        for row in db.execute(
            sa_select(YS).where(YS.c.purchase_year >= first_year, YS.c.purchase_year <= last_year)
        )
    ]


@dataclass(frozen=True)
class PurchaseFilter:
    """Which purchases a drill-down shows; None means any."""

    year: int
    line: str | None = None
    material_code: str | None = None
    category: str | None = None
    factor_source: str | None = None
    declaration_id: int | None = None

    def conditions(self, *, since: date | None = None, until: date | None = None) -> list[Any]:
        """The WHERE clauses of this filter; SINCE and UNTIL narrow its dates (a page's cursor).

        The year is also given as one date range, the narrowest: with two lower bounds SQLite
        seeks the date index by the first, and a page after mid-year read half the year.
        """
        first, last = date(self.year, 1, 1), date(self.year, 12, 31)
        found: list[Any] = [
            col(Purchase.purchase_year) == self.year,
            col(Purchase.purchase_date) >= max(first, since or first),
            col(Purchase.purchase_date) <= min(last, until or last),
        ]
        if self.line is not None:
            found.append(col(Purchase.product_line) == self.line)
        if self.material_code is not None:
            found.append(col(Purchase.material_code) == self.material_code)
        if self.category is not None:
            found.append(col(Purchase.material_category) == self.category)
        if self.factor_source is not None:
            found.append(col(Purchase.factor_source) == self.factor_source)
        if self.declaration_id is not None:
            found.append(col(Purchase.declaration_id) == self.declaration_id)
        return found

    def summary_conditions(self) -> list[Any]:
        """The same filter on the per-supplier summary."""
        found: list[Any] = [SS.c.purchase_year == self.year]
        for column, value in (
            (SS.c.product_line, self.line),
            (SS.c.material_code, self.material_code),
            (SS.c.material_category, self.category),
            (SS.c.factor_source, self.factor_source),
            (SS.c.declaration_id, self.declaration_id),
        ):
            if value is not None:
                found.append(column == value)
        return found

    def query(self) -> dict[str, str]:
        """The filter as query-string parameters (for links and exports)."""
        values = {
            "year": self.year,
            "line": self.line,
            "material": self.material_code,
            "category": self.category,
            "source": self.factor_source,
            "declaration": self.declaration_id,
        }
        return {key: str(value) for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class Totals:
    """Count and sums of the purchases a filter selects."""

    purchases: int
    quantity_t: Decimal
    emissions_t: Decimal
    recycled_t: Decimal


def purchase_totals(db: Session, purchase_filter: PurchaseFilter) -> Totals:
    """Count and sums over the filtered purchases, from the per-supplier summary."""
    row = db.execute(
        sa_select(
            func.sum(SS.c.purchases),
            func.sum(SS.c.quantity_ut),
            func.sum(SS.c.emissions_ut),
            func.sum(SS.c.recycled_ut),
        ).where(*purchase_filter.summary_conditions())
    ).one()
    return Totals(
        int(row[0] or 0),
        summaries.tonnes(row[1]),
        summaries.tonnes(row[2]),
        summaries.tonnes(row[3]),
    )


# The drill-down's free-text search: PO number, material code or name, supplier code or names
# (through a subquery, so the figures' queries on the purchase table alone can take it too).
SEARCH = (col(Purchase.po_number), col(Purchase.material_code))
SEARCH_ALSO = (
    material_names(col(Purchase.material_code)),
    related(
        col(Purchase.supplier_id),
        col(Supplier.id),
        (col(Supplier.code), col(Supplier.name_zh), col(Supplier.name_en)),
    ),
)
SORTS: dict[str, tuple[Any, ...]] = {
    "date": (col(Purchase.purchase_date),),
    "order": (col(Purchase.po_number), col(Purchase.po_line)),
    "supplier": (col(Supplier.code),),
    "material": (col(Purchase.material_code),),
    "tonnes": (col(Purchase.quantity_t),),
    "emissions": (col(Purchase.emissions_t),),
}
DEFAULT_SORT = "date"  # oldest first, the order the keyset pages walk


def search_condition(query: ListQuery) -> ColumnElement[bool] | None:
    """The WHERE clause of QUERY's search words (None: no search)."""
    return listing.search_condition(query, SEARCH, SEARCH_ALSO)


def searched_totals(db: Session, purchase_filter: PurchaseFilter, search: Any) -> Totals:
    """Count and sums over the filtered purchases SEARCH also selects, from the rows themselves."""
    row = db.execute(summaries.raw_statement((), *purchase_filter.conditions(), search)).one()
    return Totals(
        int(row.purchases or 0),
        summaries.tonnes(row.quantity_ut),
        summaries.tonnes(row.emissions_ut),
        summaries.tonnes(row.recycled_ut),
    )


def sorted_page(
    db: Session, purchase_filter: PurchaseFilter, query: ListQuery, search: Any = None
) -> list[Purchase]:
    """A page of the filtered (and searched) purchases in QUERY's order, by LIMIT and OFFSET."""
    statement = (
        select(Purchase)
        .join(Supplier, col(Supplier.id) == Purchase.supplier_id)
        .where(*purchase_filter.conditions())
    )
    if search is not None:
        statement = statement.where(search)
    order = listing.ordering(query, SORTS, tiebreak=(col(Purchase.id),))
    return list(
        db.exec(statement.order_by(*order).limit(query.per_page).offset(query.offset)).all()
    )


Cursor = tuple[date, int]  # (purchase_date, id) of a row: where a page starts or ends


def purchase_page(
    db: Session,
    purchase_filter: PurchaseFilter,
    *,
    limit: int,
    after: Cursor | None = None,
    before: Cursor | None = None,
    search: Any = None,
) -> list[Purchase]:
    """A page of the filtered purchases, oldest first: the first, or those AFTER or BEFORE a row.

    Keyset pagination on (purchase_date, id): each page is an index walk from its cursor, as
    fast for the last page of a 10 M-line year as for the first.
    """
    key = tuple_(col(Purchase.purchase_date), col(Purchase.id))
    # The cursor's date narrows the filter's date range: the date index seeks to it.
    conditions = purchase_filter.conditions(
        since=after[0] if after is not None else None,
        until=before[0] if before is not None else None,
    )
    statement = select(Purchase).where(*conditions)
    if search is not None:
        statement = statement.where(search)
    if before is not None:
        rows = db.exec(
            statement.where(key < tuple_(literal(before[0]), literal(before[1])))
            .order_by(col(Purchase.purchase_date).desc(), col(Purchase.id).desc())
            .limit(limit)
        ).all()
        return list(reversed(rows))
    if after is not None:
        statement = statement.where(key > tuple_(literal(after[0]), literal(after[1])))
    return list(
        db.exec(
            statement.order_by(col(Purchase.purchase_date), col(Purchase.id)).limit(limit)
        ).all()
    )


def purchase_rows(db: Session, purchase_filter: PurchaseFilter) -> Any:
    """Every filtered purchase, streamed in batches (for exports)."""
    return db.exec(
        select(Purchase)
        .where(*purchase_filter.conditions())
        .order_by(col(Purchase.purchase_date), col(Purchase.id))
        .execution_options(yield_per=2000)
    )


@dataclass(frozen=True)
class DeclarationUse:
    """How much of the filtered purchases one declaration's factor was used for."""

    declaration_id: int
    purchases: int
    quantity_t: Decimal
    emissions_t: Decimal
    first_purchase: date
    last_purchase: date


def declarations_used(db: Session, purchase_filter: PurchaseFilter) -> list[DeclarationUse]:
    """The declarations whose factors the filtered purchases used, most emissions first."""
    rows = db.execute(
        sa_select(
            SS.c.declaration_id,
            func.sum(SS.c.purchases),
            func.sum(SS.c.quantity_ut),
            func.sum(SS.c.emissions_ut),
            func.min(SS.c.first_date),
            func.max(SS.c.last_date),
        )
        .where(*purchase_filter.summary_conditions(), SS.c.declaration_id != 0)
        .group_by(SS.c.declaration_id)
    ).all()
    found = [
        DeclarationUse(
            int(row[0]),
            int(row[1]),
            summaries.tonnes(row[2]),
            summaries.tonnes(row[3]),
            _day(row[4]),
            _day(row[5]),
        )
        for row in rows
    ]
    return sorted(found, key=lambda use: (-use.emissions_t, use.declaration_id))


def _day(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def revisions_used(db: Session, purchase_filter: PurchaseFilter) -> list[tuple[str, int]]:
    """The rule-set revisions the filtered purchases were checked under, with their counts."""
    rows = db.execute(
        sa_select(SS.c.ruleset_revision, func.sum(SS.c.purchases))
        .where(*purchase_filter.summary_conditions())
        .group_by(SS.c.ruleset_revision)
        .order_by(SS.c.ruleset_revision)
    ).all()
    return [(str(row[0]), int(row[1])) for row in rows]
