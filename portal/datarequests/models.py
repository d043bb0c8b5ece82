"""A data request and what it asks of each supplier."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow


class DataRequest(SQLModel, table=True):
    """The ESG team asks suppliers for footprints of some materials by a due date."""

    __tablename__ = "data_request"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    message: str = Field(default="", max_length=2000)
    due_on: date
    material_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # "everyone we bought these materials from in this year" when set, else chosen suppliers
    bought_in_year: int | None = None
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )


class DataRequestItem(SQLModel, table=True):
    """One supplier asked for one material; answered by the declaration it submitted."""

    __tablename__ = "data_request_item"
    __table_args__ = (
        UniqueConstraint("request_id", "supplier_id", "material_code", name="uq_data_request_item"),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="data_request.id", index=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    material_code: str = Field(max_length=64)
    declaration_id: int | None = Field(default=None, foreign_key="declaration.id")
    answered_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))
    reminders_sent: int = 0
    last_reminded_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )
