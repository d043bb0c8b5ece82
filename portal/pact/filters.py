"""PACT's footprint filters: a repeated criterion is OR, different criteria are AND."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

LIST_CRITERIA = ("productId", "companyId", "geography", "classification")
DATE_CRITERIA = ("validOn", "validAfter", "validBefore")
CRITERIA = (*LIST_CRITERIA, *DATE_CRITERIA, "status")
# PACT regions of the countries the plant and its customers are in (UN M49 sub-regions).
REGION_OF_COUNTRY = {
    "CN": "Eastern Asia",
    "JP": "Eastern Asia",
    "KR": "Eastern Asia",
    "DE": "Western Europe",
    "FR": "Western Europe",
    "US": "Northern America",
}
VALIDITY_YEARS_DEFAULT = 3  # PACT: a footprint without validityPeriodEnd is valid 3 years


def parse_instant(text: str) -> datetime | None:
    """An RFC 3339 instant (naive ones read as UTC), or None when TEXT is not one."""
    text = text.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Filters:
    """The criteria of a ListFootprints request or a RequestCreated event."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unmatchable: bool = False  # a date criterion that is no date: nothing matches

    @property
    def empty(self) -> bool:
        """Whether no criterion was given."""
        return not self.values and not self.unmatchable


def from_query(items: Iterable[tuple[str, str]]) -> Filters:
    """Filters from query parameters; names match case-insensitively, unknown ones are ignored."""
    names = {name.lower(): name for name in CRITERIA}
    values: dict[str, list[str]] = {}
    for raw_name, value in items:
        name = names.get(raw_name.lower())
        if name is not None:
            values.setdefault(name, []).append(value)
    return _filters(values)


def from_event_data(data: Mapping[str, Any]) -> Filters:
    """Filters from a RequestCreated event's data (lists or single values)."""
    values: dict[str, list[str]] = {}
    for name in CRITERIA:
        value = data.get(name)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        values[name] = [str(item) for item in items]
    return _filters(values)


def _filters(values: dict[str, list[str]]) -> Filters:
    unmatchable = False
    for name in DATE_CRITERIA:
        if name in values and any(parse_instant(text) is None for text in values[name]):
            unmatchable = True
    return Filters(values={k: tuple(v) for k, v in values.items()}, unmatchable=unmatchable)


def _geographies(pcf: Mapping[str, Any]) -> set[str]:
    found = {
        str(pcf[key]).lower()
        for key in ("geographyCountry", "geographyCountrySubdivision", "geographyRegionOrSubregion")
        if pcf.get(key)
    }
    subdivision = pcf.get("geographyCountrySubdivision")
    country = pcf.get("geographyCountry") or (str(subdivision)[:2] if subdivision else None)
    if country:  # a subdivision lies in its country, a country in its region
        found.add(str(country).lower())
        region = REGION_OF_COUNTRY.get(str(country).upper())
        if region:
            found.add(region.lower())
    return found


def validity(footprint: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The footprint's validity period as PACT defines it when a bound is not stated."""
    start = parse_instant(str(footprint.get("validityPeriodStart") or footprint.get("created", "")))
    end = parse_instant(str(footprint.get("validityPeriodEnd") or ""))
    if end is None:
        reference_end = parse_instant(
            str((footprint.get("pcf") or {}).get("referencePeriodEnd", ""))
        )
        if reference_end is not None:
            end = reference_end.replace(year=reference_end.year + VALIDITY_YEARS_DEFAULT)
    return start, end


def matches(filters: Filters, footprint: Mapping[str, Any]) -> bool:
    """Whether the v3 FOOTPRINT meets every criterion (each by at least one of its values)."""
    if filters.unmatchable:
        return False
    pcf = footprint.get("pcf") or {}
    lists = {
        "productId": {str(v).lower() for v in footprint.get("productIds") or ()},
        "companyId": {str(v).lower() for v in footprint.get("companyIds") or ()},
        "classification": {str(v).lower() for v in footprint.get("productClassifications") or ()},
        "geography": _geographies(pcf),
    }
    for name, have in lists.items():
        wanted = filters.values.get(name)
        if wanted is not None and not have & {value.lower() for value in wanted}:
            return False
    statuses = filters.values.get("status")
    if statuses is not None and str(footprint.get("status", "")).lower() not in {
        value.lower() for value in statuses
    }:
        return False
    start, end = validity(footprint)
    for name in DATE_CRITERIA:
        for text in filters.values.get(name, ()):
            moment = parse_instant(text)
            assert moment is not None  # unparseable dates made the filter unmatchable
            if name == "validOn" and not (
                start is not None and end is not None and start <= moment <= end
            ):
                return False
            if name == "validAfter" and not (start is not None and start > moment):
                return False
            if name == "validBefore" and not (end is not None and end < moment):
                return False
    return True
