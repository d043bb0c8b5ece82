"""Product carbon-footprint declarations (PACT-aligned) and their evidence files."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, Numeric, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow


class DeclarationStatus(StrEnum):
    """Where a declaration stands; submitted versions are never edited, only superseded."""

    IN_REVIEW = "in_review"  # the rules engine said review; a person decides
    ACCEPTED = "accepted"  # passed the rules, or a reviewer accepted it
    REJECTED = "rejected"  # failed the rules, or a reviewer rejected it
    SUPERSEDED = "superseded"  # replaced by a newer version
    WITHDRAWN = "withdrawn"  # taken back by the supplier while in review


def _pcf_column() -> Any:
    return Column(Numeric(18, 6), nullable=False)


def _optional_numeric(precision: int = 18, scale: int = 6) -> Any:
    return Column(Numeric(precision, scale), nullable=True)


class Declaration(SQLModel, table=True):
    """One submitted version of a supplier's footprint for one material and product."""

    __tablename__ = "declaration"
    __table_args__ = (
        UniqueConstraint("supersedes_id", name="uq_declaration_supersedes"),
        Index("ix_declaration_lookup", "supplier_id", "material_code", "status", "valid_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pact_id: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=36, unique=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    material_code: str = Field(max_length=64, index=True)
    version: int = Field(default=1)
    supersedes_id: int | None = Field(default=None, foreign_key="declaration.id")

    product_name: str = Field(max_length=200)  # PACT productNameCompany
    site_name: str = Field(default="", max_length=200)
    geography_country: str = Field(default="", max_length=2)  # PACT geographyCountry
    declared_unit_of_measurement: str = Field(max_length=16)  # PACT declaredUnitOfMeasurement
    declared_unit_amount: Decimal = Field(sa_column=_pcf_column())  # PACT declaredUnitAmount
    pcf_excluding_biogenic: Decimal = Field(sa_column=_pcf_column())  # kgCO2e per declared unit
    pcf_t_per_t: Decimal = Field(sa_column=_pcf_column())  # normalised: tCO2e per tonne
    boundary: str = Field(max_length=32)
    standards: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reference_period_start: date
    reference_period_end: date
    validity_period_end: date | None = None  # as stated by the supplier (PACT validityPeriodEnd)
    valid_until: date = Field(index=True)  # stated, else PACT default: 3 years after the period
    primary_data_share_pct: Decimal | None = Field(default=None, sa_column=_optional_numeric(7, 3))
    recycled_pre_consumer_pct: Decimal | None = Field(
        default=None, sa_column=_optional_numeric(7, 3)
    )
    recycled_post_consumer_pct: Decimal | None = Field(
        default=None, sa_column=_optional_numeric(7, 3)
    )
    recycled_method: str | None = Field(default=None, max_length=16)
    recycled_fraction: Decimal = Field(
        default=Decimal(0), sa_column=Column(Numeric(9, 6), nullable=False)
    )  # 0–1, recycled aluminium per tonne for tracking (pre + post consumer, ISO 14021)
    electricity_source: str | None = Field(default=None, max_length=32)
    low_carbon_electricity_claimed: bool = Field(default=False)
    electricity_instrument: str | None = Field(default=None, max_length=200)
    verifier_name: str | None = Field(default=None, max_length=200)
    verification_statement_number: str | None = Field(default=None, max_length=100)
    verification_date: date | None = None
    comment: str = Field(default="", max_length=2000)

    status: str = Field(max_length=16, index=True)
    # What it was when a newer version replaced it: an accepted one still covers its dates.
    superseded_status: str | None = Field(default=None, max_length=16)
    verdict: str = Field(max_length=8)  # the rules engine's outcome at submission: pass/fail/review
    verdict_detail: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    ruleset_revision: str = Field(max_length=64)
    pdf_mismatches: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )

    submitted_on: date
    submitted_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    submitted_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_by_ruleset: str | None = Field(default=None, max_length=64)  # accepted by the rules
    decision_comment: str | None = Field(default=None, max_length=2000)
    plausibility_override: str | None = Field(default=None, max_length=2000)  # accepted anyway: why


class EvidenceKind(StrEnum):
    """The documents a declaration can carry."""

    DECLARATION = "declaration"  # the declaration or CFP study report (required)
    RECYCLED_EVIDENCE = "recycled_evidence"  # e.g. ASI Chain of Custody certificate
    VERIFICATION = "verification"  # third-party verification statement


class EvidenceFile(SQLModel, table=True):
    """A PDF attached to a declaration, stored under its SHA-256 outside the web root."""

    __tablename__ = "evidence_file"
    __table_args__ = (UniqueConstraint("declaration_id", "kind", name="uq_evidence_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: int = Field(foreign_key="declaration.id", index=True)
    kind: str = Field(max_length=32)
    original_name: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    size_bytes: int
    page_count: int
    has_text_layer: bool
    reading: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    uploaded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )


class EvidenceBlob(SQLModel, table=True):
    """An evidence file's bytes kept in the database (PostgreSQL), named by their SHA-256.

    Read only through portal.declarations.filestore, in chunks: never as an ORM entity, which
    would load the whole file.
    """

    __tablename__ = "evidence_blob"

    sha256: str = Field(primary_key=True, max_length=64)
    size_bytes: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    stored_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )


class DeclarationCorrection(SQLModel, table=True):
    """A reviewer's correction of a declared footprint: the supplier's figures and the new ones."""

    __tablename__ = "declaration_correction"

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: int = Field(foreign_key="declaration.id", index=True)
    original_pcf: Decimal = Field(sa_column=_pcf_column())  # kgCO2e per declared unit
    original_amount: Decimal = Field(sa_column=_pcf_column())
    original_unit: str = Field(max_length=16)
    original_t_per_t: Decimal = Field(sa_column=_pcf_column())
    corrected_pcf: Decimal = Field(sa_column=_pcf_column())
    corrected_amount: Decimal = Field(sa_column=_pcf_column())
    corrected_unit: str = Field(max_length=16)
    corrected_t_per_t: Decimal = Field(sa_column=_pcf_column())
    verdict_before: str = Field(max_length=8)
    verdict_after: str = Field(max_length=8)
    reason: str = Field(max_length=2000)
    corrected_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    corrected_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
