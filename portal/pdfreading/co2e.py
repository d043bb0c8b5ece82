"""CO2e units in every spelling, and the declared or functional unit a document states.

Patterns are lower case and run on normalised text (NFKC: "CO₂" is "co2", "Äq" is "äq").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from portal.pdfreading.numbers import NUMBER, parse_number

_MASS_KG = {
    "t": Decimal(1000),
    "tonne": Decimal(1000),
    "tonnes": Decimal(1000),
    "ton": Decimal(1000),
    "tons": Decimal(1000),
    "metric ton": Decimal(1000),
    "metric tonne": Decimal(1000),
    "吨": Decimal(1000),
    "kg": Decimal(1),
    "kilogram": Decimal(1),
    "kilograms": Decimal(1),
    "千克": Decimal(1),
    "公斤": Decimal(1),
    "g": Decimal("0.001"),
    "gram": Decimal("0.001"),
    "grams": Decimal("0.001"),
    "克": Decimal("0.001"),
}
_NUMERATOR = r"(?P<num>tonnes?|tons?|t|kilograms?|kg|grams?|g|吨|千克|公斤|克)"
_CO2E = (
    r"(?:co\s?2\s?[-_]?\s?(?:equivalents?|equiv\.?|eq\.?|e|äq\.?|aeq\.?|aq\.?|当量)(?![a-z])"
    r"|二氧化碳当量|二氧化碳)"
)
_MASS_DENOMINATOR = r"tonnes?|tons?|t|kilograms?|kg|吨|千克|公斤"
_DECLARED = r"du|d\.u\.|declared\s+unit|functional\s+unit|fu|f\.u\.|声明单位|功能单位|单位产品"
_OTHER = (
    r"kwh|mwh|gwh|gj|mj|t\s?[-·.*×]?\s?km|tkm|km|nm3|m3|m2|m²|m³|pieces?|pcs|unit|l|litres?"
    r"|liters?|度电?|千瓦时|吨公里|立方米"
)
UNIT = re.compile(
    rf"(?<![a-z]){_NUMERATOR}\s?(?:of\s+)?{_CO2E}(?:\s?(?:e|eq\.?))?"
    rf"(?:\s?(?:/|per|pro|每)\s?(?:1\s?)?(?:(?P<mass>{_MASS_DENOMINATOR})(?![a-z]|\s?[-·.*×⋅]\s?km)"
    rf"|(?P<declared>{_DECLARED})(?![a-z])|(?P<other>{_OTHER})(?![a-z]))"
    rf"|(?P<bare>))"
)
# "每吨产品碳排放为 845 千克…", "per tonne of aluminium: 8.6 t CO2e", "/t" before the number.
PER_MASS_BEFORE = re.compile(
    r"(?:每|per\s+|/\s?)(?:1\s?)?(?:metric\s+)?(?P<mass>吨|千克|公斤|tonnes?|tons?|kg|kilograms?|t)"
    r"(?![a-z])"
)
_OTHER_INDICATOR_UNIT = re.compile(
    r"cfc\s?-?11|mol\s?h\+|mol\s?n|sb\s?eq|po4|nmvoc|c2h4|so2\s?eq|\bmj\b|\bm3\b|disease|ctu"
)


@dataclass(frozen=True)
class Co2eUnit:
    """A CO2e unit: kg per numerator unit, and what it is per (mass, declared unit, other)."""

    numerator_kg: Decimal
    per_kg: Decimal | None  # a mass denominator, in kg
    per_declared: bool  # "per declared unit" / "per DU": the document's declared unit
    per_other: str | None  # kWh, tkm, Nm³: not a product's mass
    start: int
    end: int


# PACT (Pathfinder) fields that hold kg CO2e per declared unit, printed without a unit.
PACT_FIELD = re.compile(r"\bp?cf\s?(?:excluding|including)\s?biogenic\b|fossilghgemissions")
PER_DECLARED_KG = Co2eUnit(Decimal(1), None, True, None, 0, 0)


def find_unit(text: str, start: int = 0, end: int | None = None) -> Co2eUnit | None:
    """The first CO2e unit in TEXT[start:end] (lower case, normalised)."""
    match = UNIT.search(text, start, len(text) if end is None else end)
    if match is None:
        return None
    mass = match["mass"]
    return Co2eUnit(
        numerator_kg=_MASS_KG[match["num"]],
        per_kg=None if mass is None else _MASS_KG[mass],
        per_declared=match["declared"] is not None,
        per_other=match["other"],
        start=match.start(),
        end=match.end(),
    )


def mass_before(text: str) -> Decimal | None:
    """A "per tonne" (每吨, /t) in TEXT, the last one, in kg."""
    last = None
    for match in PER_MASS_BEFORE.finditer(text):
        last = match
    return None if last is None else _MASS_KG[last["mass"]]


def other_indicator_unit(text: str) -> bool:
    """Whether TEXT names the unit of another impact indicator (ODP, AP, EP, …)."""
    return _OTHER_INDICATOR_UNIT.search(text) is not None


_DECLARED_LABEL = re.compile(
    r"declared\s?unit|functional\s+unit|reference\s+unit|unit\s+of\s+analysis|unité\s+déclarée"
    r"|deklarierte\s+einheit|声明单位|功能单位|核算单位|评价单位"
)
_AMOUNT = re.compile(
    r"[:：\s(（\"']*(?:is\s+|为|是|of\s+)?(?:(?P<word>one|a|一)\s?|(?P<number>"
    + NUMBER.pattern
    + r")\s?)?(?:metric\s+)?(?P<mass>tonnes?|tons?|t|kilograms?|kg|吨|千克|公斤)(?![a-z])"
)


@dataclass(frozen=True)
class DeclaredUnit:
    """The document's declared or functional unit, in kg, and where it is stated."""

    kg: Decimal
    page: int
    snippet: str


def find_declared_unit(lower: str, page: int, original: str) -> DeclaredUnit | None:
    """The declared/functional unit stated on a page ("Declared unit: 1 t (1000 kg)")."""
    for label in _DECLARED_LABEL.finditer(lower):
        window_end = min(len(lower), label.end() + 40)
        amount = _AMOUNT.match(lower, label.end(), window_end)
        if amount is None:
            continue
        count = Decimal(1)
        if amount["number"] is not None:
            count = parse_number(amount["number"])
        kg = count * _MASS_KG[amount["mass"]]
        if kg <= 0:
            continue
        snippet = " ".join(original[label.start() : amount.end()].split())[:120]
        return DeclaredUnit(kg, page, snippet)
    return None


def mass_label(kg: Decimal) -> str:
    """ "t", "kg", "g" for those masses, else "(N kg)"."""
    for label, amount in (("t", Decimal(1000)), ("kg", Decimal(1)), ("g", Decimal("0.001"))):
        if kg == amount:
            return label
    return f"({format(kg.normalize(), 'f')} kg)"
