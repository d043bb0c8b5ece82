"""A PACT v3 ProductFootprint mapped down to v2.3 for partners not yet on v3."""

from __future__ import annotations

from typing import Any

from portal.pact.filters import parse_instant

V2_SPEC_VERSION = "2.3.0"
V2_STANDARDS_USED = {
    "GHGP-Product": "GHG Protocol Product standard",
    "ISO14067": "ISO Standard 14067",
    "ISO14040-44": "ISO Standard 14044",
}
V2_STANDARDS = {"ISO14067", "ISO14083", "ISO14040-44", "GHGP-Product", "PEF", "PACT-1.0",
                "PACT-2.0", "PACT-3.0"}  # fmt: skip
V2_CPC_UNKNOWN = "0"  # v2.3 requires a CPC code; used only when the v3 record has none
CPC_URN = "urn:pact:productclassification:un-cpc:"
COPIED_PCF = (
    "referencePeriodStart",
    "referencePeriodEnd",
    "geographyCountry",
    "geographyCountrySubdivision",
    "geographyRegionOrSubregion",
    "boundaryProcessesDescription",
    "fossilGhgEmissions",
    "fossilCarbonContent",
    "aircraftGhgEmissions",
    "packagingGhgEmissions",
    "allocationRulesDescription",
    "secondaryEmissionFactorSources",
    "productOrSectorSpecificRules",
)


V2_UNITS = {"liter", "kilogram", "cubic meter", "kilowatt hour", "megajoule", "ton kilometer",
            "square meter"}  # fmt: skip


class NotMappable(ValueError):
    """The v3 footprint says something v2.3 cannot (a declared unit it lacks)."""


def _number(text: Any) -> float | int:
    value = float(str(text))
    return int(value) if value.is_integer() else value


def v2_footprint(v3: dict[str, Any], *, version: int) -> dict[str, Any]:
    """The v2.3 form of the v3 footprint V3; VERSION counts the line-year's publications."""
    pcf3: dict[str, Any] = v3["pcf"]
    if pcf3["declaredUnitOfMeasurement"] not in V2_UNITS:
        raise NotMappable(f"v2.3 has no declared unit {pcf3['declaredUnitOfMeasurement']!r}")
    cpc = next(
        (
            c.removeprefix(CPC_URN)
            for c in v3.get("productClassifications") or ()
            if c.startswith(CPC_URN)
        ),
        V2_CPC_UNKNOWN,
    )
    standards = [s for s in pcf3.get("crossSectoralStandards", ()) if s in V2_STANDARDS]
    used = [V2_STANDARDS_USED[s] for s in standards if s in V2_STANDARDS_USED]
    factors = list(pcf3.get("ipccCharacterizationFactors") or ["AR6"])
    pcf2: dict[str, Any] = {
        "declaredUnit": pcf3["declaredUnitOfMeasurement"],
        "unitaryProductAmount": pcf3["declaredUnitAmount"],
        "productMassPerDeclaredUnit": pcf3["productMassPerDeclaredUnit"],
        "pCfExcludingBiogenic": pcf3["pcfExcludingBiogenicUptake"],
        "pCfIncludingBiogenic": pcf3["pcfIncludingBiogenicUptake"],
        "biogenicCarbonContent": pcf3.get("biogenicCarbonContent", "0"),
        "characterizationFactors": "AR5" if factors == ["AR5"] else "AR6",
        "ipccCharacterizationFactorsSources": factors,
        "crossSectoralStandardsUsed": used or ["ISO Standard 14067"],
        "crossSectoralStandards": standards or ["ISO14067"],
        "exemptedEmissionsPercent": _number(pcf3["exemptedEmissionsPercent"]),
        "exemptedEmissionsDescription": pcf3.get("exemptedEmissionsDescription", ""),
        "packagingEmissionsIncluded": bool(pcf3.get("packagingEmissionsIncluded", False)),
    }
    pcf2.update({key: pcf3[key] for key in COPIED_PCF if key in pcf3})
    if pcf3.get("primaryDataShare") is not None:
        pcf2["primaryDataShare"] = _number(pcf3["primaryDataShare"])
    verification = pcf3.get("verification")
    if verification:
        pcf2["assurance"] = {
            "assurance": True,
            "providerName": verification.get("providerName", ""),
            **(
                {"completedAt": verification["completedAt"]}
                if verification.get("completedAt")
                else {}
            ),
        }
    v2: dict[str, Any] = {
        "id": v3["id"],
        "specVersion": V2_SPEC_VERSION,
        "version": version,
        "created": v3["created"],
        "status": v3["status"],
        "companyName": v3["companyName"],
        "companyIds": v3["companyIds"],
        "productDescription": v3["productDescription"],
        "productIds": v3["productIds"],
        "productCategoryCpc": cpc,
        "productNameCompany": v3["productNameCompany"],
        "comment": v3.get("comment", ""),
        "pcf": pcf2,
    }
    for key in ("precedingPfIds", "validityPeriodStart", "validityPeriodEnd", "extensions"):
        if v3.get(key):
            v2[key] = v3[key]
    return v2


def v2_created_after(v2: dict[str, Any], text: str) -> bool:
    """Whether V2 was created after TEXT (the optional `$filter=created gt ...`)."""
    moment, created = parse_instant(text), parse_instant(str(v2.get("created", "")))
    return moment is not None and created is not None and created > moment
