"""Buyer checks at purchase time, the purchase ledger and ERP imports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow
from portal.procurement.decision import FactorSource, ProductLine

__all__ = [
    "BuyerCheck",
    "FactorSource",
    "ProductLine",
    "Purchase",
    "PurchaseImport",
    "PurchaseImportLine",
]


def _quantity() -> Any:
    return Column(Numeric(18, 6), nullable=False)


class BuyerCheck(SQLModel, table=True):
    """One answer to 'may we buy this material from this supplier on this date?'."""

    __tablename__ = "buyer_check"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False, index=True)
    )
    user_id: int = Field(foreign_key="user_account.id", index=True)
    via_api: bool = Field(default=False)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    material_code: str = Field(max_length=64)
    quantity_t: Decimal = Field(sa_column=_quantity())
    check_date: date
    product_line: str = Field(max_length=16)
    verdict: str = Field(max_length=8)  # pass / fail
    reasons: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    declaration_id: int | None = Field(default=None, foreign_key="declaration.id")
    factor_source: str = Field(max_length=16)
    pcf_t_per_t: Decimal = Field(sa_column=_quantity())
    recycled_fraction: Decimal = Field(sa_column=Column(Numeric(9, 6), nullable=False))
    emissions_t: Decimal = Field(sa_column=_quantity())
    recycled_t: Decimal = Field(sa_column=_quantity())
    low_carbon_label: str | None = Field(default=None, max_length=200)
    ruleset_revision: str = Field(max_length=64)


class PurchaseImport(SQLModel, table=True):
    """An uploaded ERP export; its lines become purchases only when confirmed, all at once."""

    __tablename__ = "purchase_import"

    id: int | None = Field(default=None, primary_key=True)
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    uploaded_by_id: int = Field(foreign_key="user_account.id")
    uploaded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    status: str = Field(max_length=16)  # checking / previewed / confirming / confirmed
    line_count: int = 0
    checked_count: int = 0  # lines checked so far (progress of a large file)
    confirmed_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )


class PurchaseImportLine(SQLModel, table=True):
    """One line of an uploaded file: its cells as read, and its outcome once checked.

    A row per line, so checking a batch writes only that batch's lines: one JSON of the whole
    file, rewritten at every batch, grew to hundreds of megabytes.
    """

    __tablename__ = "purchase_import_line"
    __table_args__ = (
        UniqueConstraint("import_id", "line_index", name="uq_purchase_import_line_index"),
    )

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("purchase_import.id", ondelete="CASCADE"), nullable=False
        )
    )
    line_index: int  # 0 for the file's first line, in the file's order
    sheet_row: int  # the row number the buyer sees in the spreadsheet
    cells: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str | None = Field(default=None, max_length=16)  # new / recorded / invalid
    verdict: str | None = Field(default=None, max_length=8)  # pass / fail, when checked
    # The PO number and line once read, so later batches find lines repeated in the file.
    po_number: str | None = Field(default=None, max_length=64)
    po_line: int | None = None
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Purchase(SQLModel, table=True):
    """A recorded purchase with the factor used at the time, so later changes never rewrite it."""

    __tablename__ = "purchase"
    __table_args__ = (
        UniqueConstraint("po_number", "po_line", name="uq_purchase_po_line"),
        Index("ix_purchase_year_line", "purchase_year", "product_line"),
        # One purchase per check: two parallel requests with one check_id stored two.
        Index("uq_purchase_check", "check_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    material_code: str = Field(max_length=64, index=True)
    # raw_material / packaging, copied from the catalog
    material_category: str = Field(max_length=16)
    quantity_t: Decimal = Field(sa_column=_quantity())
    purchase_date: date = Field(index=True)
    purchase_year: int  # kept for portable, indexed yearly aggregation
    product_line: str = Field(max_length=16)
    po_number: str = Field(max_length=64)
    po_line: int = Field(default=1)
    check_id: int = Field(foreign_key="buyer_check.id")
    declaration_id: int | None = Field(default=None, foreign_key="declaration.id", index=True)
    factor_source: str = Field(max_length=16)
    pcf_t_per_t: Decimal = Field(sa_column=_quantity())
    recycled_fraction: Decimal = Field(sa_column=Column(Numeric(9, 6), nullable=False))
    emissions_t: Decimal = Field(sa_column=_quantity())
    recycled_t: Decimal = Field(sa_column=_quantity())  # recycled aluminium tonnes
    ruleset_revision: str = Field(max_length=64)
    exception_reason: str | None = Field(default=None, max_length=2000)  # recorded despite a fail
    import_id: int | None = Field(default=None, foreign_key="purchase_import.id", index=True)
    recorded_by_id: int = Field(foreign_key="user_account.id")
    recorded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
