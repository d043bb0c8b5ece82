"""A declaration as a PACT v3 ProductFootprint (the parts the portal collects).

The portal does not ask for the biogenic, fossil and land-use break-down, the IPCC
characterisation factors or the exempted share, so those required PACT properties are left
out rather than invented; `comment` says so. PACT has no recycled-share property, so the
pre- and post-consumer split is stated in `comment`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from portal.checking.facts import KG_PER_UNIT
from portal.declarations.models import Declaration, DeclarationStatus
from portal.declarations.schemas import Number
from portal.suppliers.models import Supplier

SPEC_VERSION = "3.0.0"
URN_PREFIX = "urn:pact:supplier-carbon-portal"
OMITTED = (
    "pcfIncludingBiogenicUptake, fossilGhgEmissions, fossilCarbonContent, "
    "ipccCharacterizationFactors and exemptedEmissionsPercent are not collected by the portal "
    "and are left out."
)
PACT_STANDARDS = {
    "ISO 14067": "ISO14067",
    "GB/T 24067": "ISO14067",  # identical adoption (IDT) of ISO 14067:2018
    "GHG Protocol Product": "GHGP-Product",
    "PACT": "PACT-3.0",
}


class PactVerification(BaseModel):
    """PACT Verification."""

    model_config = ConfigDict(populate_by_name=True)

    provider_name: str | None = Field(default=None, alias="providerName")
    completed_at: str | None = Field(default=None, alias="completedAt")
    comments: str | None = None


class PactCarbonFootprint(BaseModel):
    """PACT CarbonFootprint (the properties the portal knows)."""

    model_config = ConfigDict(populate_by_name=True)

    declared_unit_of_measurement: str = Field(alias="declaredUnitOfMeasurement")
    declared_unit_amount: Number = Field(alias="declaredUnitAmount")
    product_mass_per_declared_unit: Number = Field(alias="productMassPerDeclaredUnit")
    reference_period_start: str = Field(alias="referencePeriodStart")
    reference_period_end: str = Field(alias="referencePeriodEnd")
    geography_country: str | None = Field(default=None, alias="geographyCountry")
    pcf_excluding_biogenic_uptake: Number = Field(alias="pcfExcludingBiogenicUptake")
    cross_sectoral_standards: list[str] = Field(alias="crossSectoralStandards")
    primary_data_share: Number | None = Field(default=None, alias="primaryDataShare")
    boundary_processes_description: str = Field(alias="boundaryProcessesDescription")
    verification: PactVerification | None = None


class PactProductFootprint(BaseModel):
    """PACT v3 ProductFootprint."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    spec_version: str = Field(alias="specVersion")
    preceding_pf_ids: list[str] | None = Field(default=None, alias="precedingPfIds")
    created: str
    status: str
    validity_period_end: str | None = Field(default=None, alias="validityPeriodEnd")
    company_name: str = Field(alias="companyName")
    company_ids: list[str] = Field(alias="companyIds")
    product_description: str = Field(alias="productDescription")
    product_ids: list[str] = Field(alias="productIds")
    product_name_company: str = Field(alias="productNameCompany")
    comment: str
    pcf: PactCarbonFootprint


def _plain(number: Decimal | None) -> str:
    return "0" if number is None else format(number.normalize(), "f")


def _instant(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _urn_part(text: str) -> str:
    return quote(re.sub(r"\s+", "-", text.strip().lower()), safe="-._~")


def product_footprint(
    declaration: Declaration,
    supplier: Supplier,
    *,
    material_name: str,
    preceding_pact_ids: list[str],
) -> PactProductFootprint:
    """The declaration in PACT v3 form; earlier versions are listed in precedingPfIds."""
    kg = declaration.declared_unit_amount * KG_PER_UNIT[declaration.declared_unit_of_measurement]
    verification = None
    if declaration.verifier_name:
        verification = PactVerification(
            provider_name=declaration.verifier_name,
            completed_at=_instant(declaration.verification_date)
            if declaration.verification_date
            else None,
            comments=f"Statement {declaration.verification_statement_number}"
            if declaration.verification_statement_number
            else None,
        )
    recycled = ""
    if declaration.recycled_pre_consumer_pct is not None or (
        declaration.recycled_post_consumer_pct is not None
    ):
        recycled = (
            f"Recycled content (ISO 14021): pre-consumer "
            f"{_plain(declaration.recycled_pre_consumer_pct)} %, post-consumer "
            f"{_plain(declaration.recycled_post_consumer_pct)} %"
            f"{', ' + declaration.recycled_method if declaration.recycled_method else ''}."
        )
    return PactProductFootprint(
        id=declaration.pact_id,
        spec_version=SPEC_VERSION,
        preceding_pf_ids=preceding_pact_ids or None,
        created=declaration.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        status="Deprecated" if declaration.status == DeclarationStatus.SUPERSEDED else "Active",
        validity_period_end=_instant(declaration.valid_until + timedelta(days=1)),
        company_name=supplier.name_en or supplier.name_zh,
        company_ids=[f"{URN_PREFIX}:supplier:{_urn_part(supplier.code)}"],
        product_description=f"{material_name}: {declaration.product_name}",
        product_ids=[
            f"{URN_PREFIX}:product:{_urn_part(supplier.code)}:{declaration.material_code}:"
            f"{_urn_part(declaration.product_name) or 'product'}"
        ],
        product_name_company=declaration.product_name,
        comment=" ".join(filter(None, [declaration.comment, recycled, OMITTED])),
        pcf=PactCarbonFootprint(
            declared_unit_of_measurement="kilogram",
            declared_unit_amount=kg.normalize(),
            product_mass_per_declared_unit=kg.normalize(),
            reference_period_start=_instant(declaration.reference_period_start),
            # PACT's end is exclusive; the portal's is the last day included.
            reference_period_end=_instant(declaration.reference_period_end + timedelta(days=1)),
            geography_country=declaration.geography_country or None,
            pcf_excluding_biogenic_uptake=declaration.pcf_excluding_biogenic,
            cross_sectoral_standards=list(
                dict.fromkeys(PACT_STANDARDS.get(name, name) for name in declaration.standards)
            ),
            primary_data_share=declaration.primary_data_share_pct,
            boundary_processes_description=f"{declaration.boundary}; site: "
            f"{declaration.site_name or 'not named'}",
            verification=verification,
        ),
    )
