"""What the ESG team enters per year and product line: production and Scope 1+2."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow


class LineYear(SQLModel, table=True):
    """Production (t) and Scope 1+2 emissions (tCO2e) of one product line in one year."""

    __tablename__ = "line_year"
    __table_args__ = (UniqueConstraint("product_line", "year", name="uq_line_year"),)

    id: int | None = Field(default=None, primary_key=True)
    product_line: str = Field(max_length=16)
    year: int
    production_t: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 3), nullable=True))
    scope12_t: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 3), nullable=True))
    source: str = Field(default="", max_length=200)  # e.g. "plan baseline 2023" or who entered it
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False))
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")
