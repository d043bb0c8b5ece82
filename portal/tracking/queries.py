"""The SQL behind the figures: aggregates over the purchase ledger, never its rows in Python."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.procurement.models import Purchase
from portal.tracking.figures import Sums

P: Any = Purchase.__table__.c  # type: ignore[attr-defined]
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
    """The aggregated purchases of the years FIRST_YEAR to LAST_YEAR."""
    return [
        Sums(
            year=row.purchase_year,
            line=row.product_line,
            material_code=row.material_code,
            category=row.material_category,
            factor_source=row.factor_source,
            purchases=int(row.purchases),
            quantity_t=Decimal(row.quantity_t or 0),
            emissions_t=Decimal(row.emissions_t or 0),
            recycled_t=Decimal(row.recycled_t or 0),
        )
        for row in db.exec(sums_statement(first_year, last_year))
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

    def conditions(self) -> list[Any]:
        """The WHERE clauses of this filter."""
        found: list[Any] = [col(Purchase.purchase_year) == self.year]
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
    """Count and sums over the filtered purchases, in one aggregate query."""
    row = db.exec(
        select(
            func.count(),
            func.sum(P.quantity_t),
            func.sum(P.emissions_t),
            func.sum(P.recycled_t),
        ).where(*purchase_filter.conditions())
    ).one()
    return Totals(int(row[0]), Decimal(row[1] or 0), Decimal(row[2] or 0), Decimal(row[3] or 0))


def purchase_page(
    db: Session, purchase_filter: PurchaseFilter, *, offset: int, limit: int
) -> Sequence[Purchase]:
    """One page of the filtered purchases, oldest first."""
    return db.exec(
        select(Purchase)
        .where(*purchase_filter.conditions())
        .order_by(col(Purchase.purchase_date), col(Purchase.id))
        .offset(offset)
        .limit(limit)
    ).all()


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
    rows = db.exec(
        select(  # type: ignore[call-overload]
            P.declaration_id,
            func.count(),
            func.sum(P.quantity_t),
            func.sum(P.emissions_t),
            func.min(P.purchase_date),
            func.max(P.purchase_date),
        )
        .where(*purchase_filter.conditions(), P.declaration_id.is_not(None))
        .group_by(P.declaration_id)
    ).all()
    found = [
        DeclarationUse(
            int(row[0]), int(row[1]), Decimal(row[2] or 0), Decimal(row[3] or 0), row[4], row[5]
        )
        for row in rows
    ]
    return sorted(found, key=lambda use: (-use.emissions_t, use.declaration_id))


def revisions_used(db: Session, purchase_filter: PurchaseFilter) -> list[tuple[str, int]]:
    """The rule-set revisions the filtered purchases were checked under, with their counts."""
    rows = db.exec(
        select(P.ruleset_revision, func.count())
        .where(*purchase_filter.conditions())
        .group_by(P.ruleset_revision)
        .order_by(P.ruleset_revision)
    ).all()
    return [(str(row[0]), int(row[1])) for row in rows]
