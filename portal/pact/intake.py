"""A supplier's PACT v3 ProductFootprint read as the portal's declaration fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from portal.i18n import _
from portal.pact.filters import parse_instant

# PACT's declared units the portal converts to mass (the rules work in tCO2e per tonne).
UNITS = {"kilogram": "kilogram", "ton": "tonne", "tonne": "tonne", "metric ton": "tonne"}
STANDARDS = {
    "ISO14067": "ISO 14067",
    "GHGP-Product": "GHG Protocol Product",
    "PACT-1.0": "PACT",
    "PACT-2.0": "PACT",
    "PACT-3.0": "PACT",
}


@dataclass(frozen=True)
class IntakeProblem(Exception):
    """What in the footprint the portal cannot take, at which JSON path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _day(text: Any, path: str, *, exclusive_end: bool = False) -> str:
    moment = parse_instant(str(text or ""))
    if moment is None:
        raise IntakeProblem(path, _("is not an RFC 3339 date-time"))
    day: date = moment.date()
    if exclusive_end and moment.time() == moment.time().min:
        day -= timedelta(days=1)  # PACT's end is exclusive; the portal's is the last day
    return day.isoformat()


def declaration_fields(
    footprint: dict[str, Any], *, material_code: str, origin: str
) -> dict[str, Any]:
    """The form fields of a declaration of MATERIAL_CODE stating FOOTPRINT (from ORIGIN)."""
    pcf = footprint["pcf"]
    unit = UNITS.get(str(pcf["declaredUnitOfMeasurement"]).lower())
    if unit is None:
        raise IntakeProblem(
            "$.pcf.declaredUnitOfMeasurement",
            _("the portal cannot convert %(unit)s to tonnes")
            % {"unit": repr(pcf["declaredUnitOfMeasurement"])},
        )
    standards = sorted({STANDARDS.get(s, "") for s in pcf.get("crossSectoralStandards", ())} - {""})
    country = pcf.get("geographyCountry") or str(pcf.get("geographyCountrySubdivision") or "")[:2]
    fields: dict[str, Any] = {
        "material_code": material_code,
        "product_name": str(footprint["productNameCompany"])[:200],
        "geography_country": country,
        "declared_unit_of_measurement": unit,
        "declared_unit_amount": str(pcf["declaredUnitAmount"]),
        "pcf_excluding_biogenic": str(pcf["pcfExcludingBiogenicUptake"]),
        "boundary": "cradle-to-gate",
        "reference_period_start": _day(pcf["referencePeriodStart"], "$.pcf.referencePeriodStart"),
        "reference_period_end": _day(
            pcf["referencePeriodEnd"], "$.pcf.referencePeriodEnd", exclusive_end=True
        ),
        "comment": (
            f"Received over PACT from {origin}: footprint {footprint['id']}"
            f" ({footprint.get('specVersion', '')}, created {footprint.get('created', '')})."
        )[:2000],
    }
    if standards:
        fields["standards"] = standards
    if footprint.get("validityPeriodEnd"):
        fields["validity_period_end"] = _day(
            footprint["validityPeriodEnd"], "$.validityPeriodEnd", exclusive_end=True
        )
    if pcf.get("primaryDataShare") is not None:
        fields["primary_data_share_pct"] = str(pcf["primaryDataShare"])
    verification = pcf.get("verification") or {}
    if verification.get("providerName"):
        fields["verifier_name"] = str(verification["providerName"])[:200]
    if verification.get("completedAt"):
        fields["verification_date"] = _day(
            verification["completedAt"], "$.pcf.verification.completedAt"
        )
    return fields
