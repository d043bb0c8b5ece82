"""What the ESG team enters per year and product line: production and Scope 1+2."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Index, Numeric, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow
from portal.procurement.models import Purchase

YEAR_KEY = ("purchase_year", "product_line", "material_category", "factor_source", "material_code")
SUPPLIER_KEY = (*YEAR_KEY, "supplier_id", "declaration_id", "ruleset_revision")


class LineYear(SQLModel, table=True):
    """Production (t) and Scope 1+2 emissions (tCO2e) of one product line in one year."""

    __tablename__ = "line_year"
    __table_args__ = (UniqueConstraint("product_line", "year", name="uq_line_year"),)

    id: int | None = Field(default=None, primary_key=True)
    product_line: str = Field(max_length=16)
    year: int
    production_t: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(18, 3), nullable=True)
    )
    scope12_t: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 3), nullable=True))
    source: str = Field(default="", max_length=200)  # e.g. "plan baseline 2023" or who entered it
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")


# Covers the tracking aggregate (GROUP BY year, line, category, source, material with the
# three SUMs), so a year's figures are read from the index alone, never from the rows.
TRACKING_SUMS_INDEX = Index(
    "ix_purchase_tracking_sums",
    *(
        Purchase.__table__.c[name]  # type: ignore[attr-defined]
        for name in (
            "purchase_year",
            "product_line",
            "material_category",
            "factor_source",
            "material_code",
            "quantity_t",
            "emissions_t",
            "recycled_t",
        )
    ),
)


def _micro_tonnes() -> Any:
    return Column(BigInteger, nullable=False, default=0)


class PurchaseYearSum(SQLModel, table=True):
    """Purchases of one year, line, category, factor source and material: count and sums.

    Kept in the transaction that records, imports or removes a purchase
    (portal/tracking/summaries.py); sums are integers of micro-tonnes (1 t = 1,000,000), so
    adding and subtracting never drifts from the ledger's six decimals.
    """

    __tablename__ = "purchase_year_sum"
    __table_args__ = (UniqueConstraint(*YEAR_KEY, name="uq_purchase_year_sum_key"),)

    id: int | None = Field(default=None, primary_key=True)
    purchase_year: int
    product_line: str = Field(max_length=16)
    material_category: str = Field(max_length=16)
    factor_source: str = Field(max_length=16)
    material_code: str = Field(max_length=64)
    purchases: int = Field(sa_column=Column(BigInteger, nullable=False))
    quantity_ut: int = Field(sa_column=_micro_tonnes())
    emissions_ut: int = Field(sa_column=_micro_tonnes())
    recycled_ut: int = Field(sa_column=_micro_tonnes())


class PurchaseSupplierSum(SQLModel, table=True):
    """The same per supplier, declaration (0: the material's default) and rule-set revision."""

    __tablename__ = "purchase_supplier_sum"
    __table_args__ = (
        UniqueConstraint(*SUPPLIER_KEY, name="uq_purchase_supplier_sum_key"),
        Index("ix_purchase_supplier_sum_declaration", "purchase_year", "declaration_id"),
        Index("ix_purchase_supplier_sum_supplier", "supplier_id", "purchase_year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    purchase_year: int
    product_line: str = Field(max_length=16)
    material_category: str = Field(max_length=16)
    factor_source: str = Field(max_length=16)
    material_code: str = Field(max_length=64)
    supplier_id: int
    declaration_id: int  # 0 when the material's default factor was used
    ruleset_revision: str = Field(max_length=64)
    purchases: int = Field(sa_column=Column(BigInteger, nullable=False))
    quantity_ut: int = Field(sa_column=_micro_tonnes())
    emissions_ut: int = Field(sa_column=_micro_tonnes())
    recycled_ut: int = Field(sa_column=_micro_tonnes())
    first_date: date
    last_date: date
