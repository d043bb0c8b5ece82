"""Tables of the plant's energy: meters, readings, roll-ups, issues, production, green power,
alerts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Index, Numeric, PrimaryKeyConstraint, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow


class Meter(SQLModel, table=True):
    """A meter in the tree site → workshop → line → equipment, measuring one medium."""

    __tablename__ = "energy_meter"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    site: str = Field(max_length=100)
    workshop: str = Field(default="", max_length=100)
    line: str = Field(default="", max_length=100)  # the production line in the tree
    equipment: str = Field(default="", max_length=100)
    medium: str = Field(max_length=32)
    unit: str = Field(max_length=16)
    kind: str = Field(max_length=16)  # cumulative, interval, manual
    interval_s: int = Field(default=900)
    multiplier: float = Field(default=1.0)  # CT/PT ratio
    rollover_at: float | None = Field(default=None)
    max_rate_per_h: float | None = Field(default=None)
    product_line: str | None = Field(default=None, max_length=16)
    split_key: str = Field(default="", max_length=200)  # "alloy:0.8,extrusion:0.2" when shared
    role: str = Field(default="consumption", max_length=16)  # consumption, generation (own PV)
    in_service_from: date
    in_service_to: date | None = Field(default=None)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )


class Reading(SQLModel, table=True):
    """One reading of a meter at an instant, with the energy it stands for and its flags."""

    __tablename__ = "energy_reading"
    # The unique index is the idempotency key and serves every per-meter time-range query.
    __table_args__ = (UniqueConstraint("meter_id", "at_s", name="uq_energy_reading"),)

    id: int | None = Field(default=None, primary_key=True)
    meter_id: int = Field(foreign_key="energy_meter.id")
    at_s: int = Field(sa_column=Column(BigInteger, nullable=False))  # Unix seconds, UTC
    value: float
    source: str = Field(max_length=8)  # mqtt, http, file, manual
    received_at_s: int = Field(sa_column=Column(BigInteger, nullable=False))
    span_start_s: int = Field(sa_column=Column(BigInteger, nullable=False))
    measured_start_s: int = Field(sa_column=Column(BigInteger, nullable=False))
    energy: float = 0.0  # measured (or entered) energy in the meter's unit, multiplier applied
    estimated: float = 0.0
    flags: str = Field(default="", max_length=120)
    note: str = Field(default="", max_length=200)


class Rollup(SQLModel, table=True):
    """Energy of a meter in one plant-local hour, day or month, by quality."""

    __tablename__ = "energy_rollup"
    __table_args__ = (
        PrimaryKeyConstraint("meter_id", "grain", "period", name="pk_energy_rollup"),
        Index("ix_energy_rollup_period", "grain", "period"),
    )

    meter_id: int = Field(foreign_key="energy_meter.id")
    grain: str = Field(max_length=1)  # h, d, m
    period: str = Field(max_length=13)
    measured: float = 0.0
    estimated: float = 0.0
    entered: float = 0.0


class ReadingIssue(SQLModel, table=True):
    """Input that could not become a reading (unknown meter, wrong unit, conflicting
    duplicate), kept so nobody loses it."""

    __tablename__ = "energy_issue"

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False, index=True)
    )
    source: str = Field(max_length=8)
    kind: str = Field(max_length=32)
    meter_code: str = Field(default="", max_length=64)
    at_s: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    value: float | None = None
    unit: str = Field(default="", max_length=16)
    message: str = Field(max_length=300)


class Production(SQLModel, table=True):
    """Tonnes a product line produced in a month."""

    __tablename__ = "energy_production"
    __table_args__ = (UniqueConstraint("product_line", "month", name="uq_energy_production"),)

    id: int | None = Field(default=None, primary_key=True)
    product_line: str = Field(max_length=16)
    month: str = Field(max_length=7)  # 2023-01
    tonnes: Decimal = Field(sa_column=Column(Numeric(18, 3), nullable=False))
    source: str = Field(default="", max_length=200)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )


class GreenInstrument(SQLModel, table=True):
    """A green power contract (绿电直购) or a batch of green certificates (绿证/GEC)."""

    __tablename__ = "energy_green"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # contract, certificate
    reference: str = Field(max_length=100)
    mwh: Decimal = Field(sa_column=Column(Numeric(18, 3), nullable=False))
    month_from: str = Field(max_length=7)
    month_to: str = Field(max_length=7)
    generation_type: str = Field(default="", max_length=32)  # wind, solar, hydro
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )


class Certificate(SQLModel, table=True):
    """One certificate number; unique, so a certificate counts once."""

    __tablename__ = "energy_certificate"

    number: str = Field(primary_key=True, max_length=64)
    instrument_id: int = Field(foreign_key="energy_green.id", index=True)


class Alert(SQLModel, table=True):
    """An alert raised once per rule, subject and period; acknowledged with a comment."""

    __tablename__ = "energy_alert"
    __table_args__ = (UniqueConstraint("rule_code", "subject", "period", name="uq_energy_alert"),)

    id: int | None = Field(default=None, primary_key=True)
    rule_code: str = Field(max_length=64)
    subject: str = Field(max_length=64)
    period: str = Field(max_length=32)
    message: str = Field(max_length=400)
    raised_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    acknowledged_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )
    acknowledged_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    comment: str = Field(default="", max_length=1000)


class ReviewNote(SQLModel, table=True):
    """The quarterly equipment review's note on maintenance or upgrades of one equipment."""

    __tablename__ = "energy_review_note"
    __table_args__ = (UniqueConstraint("quarter", "equipment", name="uq_energy_review_note"),)

    id: int | None = Field(default=None, primary_key=True)
    quarter: str = Field(max_length=7)  # 2023-Q4
    equipment: str = Field(max_length=300)  # workshop / line / equipment
    note: str = Field(max_length=2000)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class EnergyImport(SQLModel, table=True):
    """An EMS export: its parsed readings and preview until confirmed, all or nothing."""

    __tablename__ = "energy_import"

    id: int | None = Field(default=None, primary_key=True)
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    uploaded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    uploaded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    status: str = Field(max_length=16)  # previewed, confirmed
    line_count: int = 0
    new_count: int = 0
    unchanged_count: int = 0
    flagged_count: int = 0
    error_count: int = 0
    lines: str = Field(sa_column=Column(Text, nullable=False))  # JSON: the parsed readings
    errors: str = Field(sa_column=Column(Text, nullable=False))  # JSON: the preview's errors
    confirmed_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )
