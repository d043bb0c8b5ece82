"""The facts of one declaration that the rules engine judges (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

KG_PER_UNIT = {"kilogram": Decimal(1), "tonne": Decimal(1000)}


class Boundary(StrEnum):
    """System boundary of a footprint."""

    CRADLE_TO_GATE = "cradle-to-gate"
    CRADLE_TO_GRAVE = "cradle-to-grave"
    GATE_TO_GATE = "gate-to-gate"


class RecycledMethod(StrEnum):
    """How recycled content is attributed (ASI CoC is mass balance)."""

    SEGREGATED = "segregated"
    MASS_BALANCE = "mass_balance"


class AttachmentKind(StrEnum):
    """Kinds of evidence document attached to a declaration."""

    DECLARATION = "declaration"
    RECYCLED_EVIDENCE = "recycled_evidence"
    VERIFICATION = "verification"


STANDARDS = ("ISO 14067", "GB/T 24067", "ISO 14025", "EN 15804", "PACT", "GHG Protocol Product")
ELECTRICITY_SOURCES = ("grid", "hydro", "wind", "solar", "mixed_renewable", "captive_coal", "other")


@dataclass(frozen=True)
class DeclarationFacts:
    """A product carbon-footprint declaration as typed by a supplier (PACT-aligned names)."""

    material_code: str
    declared_unit_of_measurement: str  # PACT declaredUnitOfMeasurement: "kilogram" | "tonne"
    declared_unit_amount: Decimal  # PACT declaredUnitAmount
    pcf_excluding_biogenic: Decimal  # PACT pcfExcludingBiogenicUptake, kgCO2e per declared unit
    boundary: str
    standards: tuple[str, ...]
    reference_period_start: date
    reference_period_end: date
    submitted_on: date
    validity_period_end: date | None = None
    product_name: str = ""
    site_name: str = ""
    geography_country: str = ""
    primary_data_share_pct: Decimal | None = None
    recycled_pre_consumer_pct: Decimal | None = None
    recycled_post_consumer_pct: Decimal | None = None
    recycled_method: str | None = None
    electricity_source: str | None = None
    low_carbon_electricity_claimed: bool = False
    electricity_instrument: str | None = None
    verifier_name: str | None = None
    verification_statement_number: str | None = None
    verification_date: date | None = None
    attachments: frozenset[str] = field(default_factory=frozenset)

    @property
    def pcf_t_per_t(self) -> Decimal:
        """Footprint normalised to tCO2e per tonne (= kgCO2e per kg)."""
        kg = self.declared_unit_amount * KG_PER_UNIT[self.declared_unit_of_measurement]
        return self.pcf_excluding_biogenic / kg

    @property
    def recycled_content_pct(self) -> Decimal | None:
        """Pre- plus post-consumer recycled content in percent, if either is stated."""
        if self.recycled_pre_consumer_pct is None and self.recycled_post_consumer_pct is None:
            return None
        return (self.recycled_pre_consumer_pct or Decimal(0)) + (
            self.recycled_post_consumer_pct or Decimal(0)
        )

    @property
    def effective_validity_end(self) -> date:
        """Validity end as stated, else PACT's default of 3 years after the reference period."""
        if self.validity_period_end is not None:
            return self.validity_period_end
        end = self.reference_period_end
        try:
            return end.replace(year=end.year + 3)
        except ValueError:  # 29 February
            return end.replace(year=end.year + 3, day=28)
