"""The plant's own product footprint (cradle to gate) for one product line and year, as PACT v3."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

SPEC_VERSION = "3.0.0"
EXTENSION_SPEC_VERSION = "2.0.0"
# UN CPC classes of the two lines (unwrought alloy; bars, rods and profiles): the ESG team is
# to confirm them against the customs codes before customers rely on them.
CPC_BY_LINE = {"alloy": "41532", "extrusion": "41533"}
PERCENT_PLACES = Decimal("0.01")
INTENSITY_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class LineYearFigures:
    """What the portal knows of one line and year, as the footprint needs it."""

    line: str
    line_name_en: str
    line_name_zh: str
    year: int
    scope12_intensity: Decimal  # tCO2e per tonne produced
    scope3_cat1_intensity: Decimal  # tCO2e per tonne produced
    supplier_specific_share: Decimal | None  # fraction 0–1 of Scope 3.1 emissions
    scrap_share: Decimal | None  # fraction 0–1 of raw material that is recycled
    post_consumer_scrap_share: Decimal | None  # fraction 0–1 of raw material
    production_t: Decimal
    purchases: int


@dataclass(frozen=True)
class Plant:
    """Who the plant is in PACT."""

    domain: str
    company_name: str
    geography_subdivision: str
    aluminium_extension_schema: str


def _plain(value: Decimal, places: Decimal) -> str:
    text = format(value.quantize(places).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def product_id(plant: Plant, line: str) -> str:
    """The URN of the plant's product line LINE."""
    return f"urn:pact:{plant.domain}:product-id:{line}"


def company_id(plant: Plant) -> str:
    """The URN of the plant as a company."""
    return f"urn:pact:{plant.domain}:company-id:plant"


def build(
    figures: LineYearFigures,
    plant: Plant,
    *,
    footprint_id: str,
    created: datetime,
    preceding_ids: list[str],
    ruleset_revision: str,
) -> dict[str, Any]:
    """The v3 ProductFootprint JSON for FIGURES, frozen as published at CREATED."""
    total = figures.scope12_intensity + figures.scope3_cat1_intensity
    pcf = _plain(total, INTENSITY_PLACES)
    year = figures.year
    comment = (
        f"Cradle-to-gate footprint of the {figures.line_name_en} line for {year}: the plant's "
        f"Scope 1+2 intensity ({_plain(figures.scope12_intensity, INTENSITY_PLACES)} tCO2e/t) "
        f"plus its Scope 3 category 1 intensity "
        f"({_plain(figures.scope3_cat1_intensity, INTENSITY_PLACES)} tCO2e/t), both per tonne "
        f"produced ({_plain(figures.production_t, Decimal('0.001'))} t from "
        f"{figures.purchases} recorded purchases). Scope 3.1 uses the suppliers' declared "
        f"footprints where a declaration applied and default factors otherwise. Left out: "
        f"inbound transport of raw materials, and any allocation between the plant's product "
        f"lines (each line carries the purchases recorded against it). Aluminium holds no "
        f"biogenic or fossil carbon, so uptake and carbon contents are zero; all emissions "
        f"are counted as fossil. Rule-set revision {ruleset_revision[:12]}."
    )
    cf: dict[str, Any] = {
        "declaredUnitOfMeasurement": "kilogram",
        "declaredUnitAmount": "1",
        "productMassPerDeclaredUnit": "1",
        "referencePeriodStart": f"{year}-01-01T00:00:00Z",
        "referencePeriodEnd": f"{year + 1}-01-01T00:00:00Z",
        "geographyCountrySubdivision": plant.geography_subdivision,
        "boundaryProcessesDescription": (
            "Raw materials as purchased (supplier cradle-to-gate footprints), the plant's "
            "melting, alloying, casting and, for extrusion, extruding, with its purchased energy."
        ),
        "pcfExcludingBiogenicUptake": pcf,
        "pcfIncludingBiogenicUptake": pcf,
        "fossilGhgEmissions": pcf,
        "fossilCarbonContent": "0",
        "biogenicCarbonContent": "0",
        "ipccCharacterizationFactors": ["AR6"],
        "crossSectoralStandards": ["ISO14067", "GHGP-Product"],
        "exemptedEmissionsPercent": "0",
        "exemptedEmissionsDescription": "Inbound transport of raw materials is not included.",
        "packagingEmissionsIncluded": False,
        "allocationRulesDescription": "No allocation between product lines.",
    }
    if figures.supplier_specific_share is not None:
        cf["primaryDataShare"] = _plain(figures.supplier_specific_share * 100, PERCENT_PLACES)
    footprint: dict[str, Any] = {
        "id": footprint_id,
        "specVersion": SPEC_VERSION,
        "created": _instant(created),
        "status": "Active",
        "validityPeriodStart": _instant(created),
        "validityPeriodEnd": f"{year + 4}-01-01T00:00:00Z",  # reference end + 3 years
        "companyName": plant.company_name,
        "companyIds": [company_id(plant)],
        "productDescription": f"{figures.line_name_en} ({figures.line_name_zh}), aluminium",
        "productIds": [product_id(plant, figures.line)],
        "productClassifications": [
            f"urn:pact:productclassification:un-cpc:{CPC_BY_LINE.get(figures.line, '4153')}"
        ],
        "productNameCompany": figures.line_name_en,
        "comment": comment,
        "pcf": cf,
    }
    if preceding_ids:
        footprint["precedingPfIds"] = preceding_ids
    if figures.scrap_share is not None:
        data = {"scrapBasedShare": _plain(figures.scrap_share * 100, PERCENT_PLACES)}
        if figures.post_consumer_scrap_share is not None:
            data["postConsumerScrapBasedShare"] = _plain(
                figures.post_consumer_scrap_share * 100, PERCENT_PLACES
            )
        footprint["extensions"] = [
            {
                "specVersion": EXTENSION_SPEC_VERSION,
                "dataSchema": plant.aluminium_extension_schema,
                "data": data,
            }
        ]
    return footprint
