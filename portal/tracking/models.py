"""What the ESG team enters per year and product line: production and Scope 1+2."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, Numeric, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow
from portal.procurement.models import Purchase


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
