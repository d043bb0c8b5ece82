"""Footprint figures (a number with a CO2e-per-mass unit) in English and Chinese notations."""

from __future__ import annotations

import re
from decimal import Decimal

from portal.pdfreading.found import FieldName, FoundField
from portal.pdfreading.text import PageText, context_before, snippet_at
from portal.pdfreading.units import parse_printed_number, t_per_t_factor, unit_label

# Patterns are lower case: they run on PageText.lower.
_NUMBER = r"(?<![\d.,])(?P<number>[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)(?!\d)"
_MASS = r"tonnes?|tons?|t|kilograms?|kg|grams?|g|吨|千克|公斤|克"
_PER_MASS = r"tonnes?|tons?|t|kilograms?|kg|吨|千克|公斤"
_CO2E = r"(?:co ?2 ?-? ?(?:equivalents?|equiv\.?|eq\.?|e)(?![a-z])|二氧化碳当量|co2当量)"
FOOTPRINT = re.compile(
    _NUMBER
    + rf"\s*(?P<numerator>{_MASS})\s*{_CO2E}\s*(?:/|per|每)\s*(?:1\s*)?(?P<denominator>{_PER_MASS})"
    # t·km is a transport unit, not a product's mass.
    + r"(?!\s*[-·.*×]?\s*km)"
)
_FOOTPRINT_LABEL = re.compile(
    r"carbon\s+footprint|\bpcf\b|\bcfp\b|\bgwp\b|global\s+warming\s+potential|climate\s+change"
    r"|cradle-to-gate|cradle\s+to\s+gate|declared\s+value|碳足迹|全球变暖潜[势值能]"
)


def find_footprints(page: PageText) -> list[FoundField]:
    """Every CO2e-per-mass figure; `pcf` when a footprint label precedes it on its line."""
    found = []
    for match in page.finditer(FOOTPRINT):
        number = parse_printed_number(match["number"])
        unit = unit_label(match["numerator"], match["denominator"])
        labelled = _FOOTPRINT_LABEL.search(context_before(page.lower, match.start())) is not None
        found.append(
            FoundField(
                name=FieldName.PCF if labelled else FieldName.CO2E_PER_MASS,
                value=number,
                unit=unit,
                t_per_t=Decimal(number) * t_per_t_factor(unit),
                page=page.number,
                snippet=snippet_at(page.text, match.start(), match.end()),
            )
        )
    return found
