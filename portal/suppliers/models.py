"""Supplier companies."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow


class Supplier(SQLModel, table=True):
    """A company that sells materials to the plant (or the plant itself, for transfers)."""

    __tablename__ = "supplier"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    country: str = Field(default="CN", max_length=2)
    is_own_plant: bool = Field(default=False)
    is_active: bool = Field(default=True)  # a deactivated company's users cannot sign in
    deactivated_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )

    def name(self, locale: str) -> str:
        """The company name in LOCALE, falling back to the other language."""
        return (
            (self.name_zh or self.name_en)
            if locale.startswith("zh")
            else (self.name_en or self.name_zh)
        )
