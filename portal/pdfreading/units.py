"""Printed numbers and CO2e-per-mass units, normalised to tCO2e per tonne."""

from __future__ import annotations

import re
from decimal import Decimal

KG_PER_MASS_WORD = {
    "t": Decimal(1000),
    "tonne": Decimal(1000),
    "tonnes": Decimal(1000),
    "ton": Decimal(1000),
    "tons": Decimal(1000),
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
_SYMBOL_FOR_KG = {Decimal(1000): "t", Decimal(1): "kg", Decimal("0.001"): "g"}
_UNIT_LABEL = re.compile(r"(t|kg|g)CO2e/(t|kg)")
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?")


def parse_printed_number(printed: str) -> str:
    """A printed number as a plain decimal string: `4,200` -> `4200`, `0,62` -> `0.62`.

    A comma followed by groups of exactly three digits (and not after a leading 0) separates
    thousands; any other single comma is a decimal comma.
    """
    if _THOUSANDS.fullmatch(printed):
        return printed.replace(",", "")
    return printed.replace(",", ".")


def unit_label(numerator: str, denominator: str) -> str:
    """Canonical label of a CO2e-per-mass unit, e.g. `kgCO2e/t`, from the words printed."""
    top = _SYMBOL_FOR_KG[KG_PER_MASS_WORD[numerator.lower()]]
    bottom = _SYMBOL_FOR_KG[KG_PER_MASS_WORD[denominator.lower()]]
    return f"{top}CO2e/{bottom}"


def t_per_t_factor(label: str) -> Decimal:
    """Multiplier from a canonical unit label to tCO2e/t (= kg/kg): `kgCO2e/t` -> 0.001."""
    match = _UNIT_LABEL.fullmatch(label)
    if match is None:
        raise ValueError(f"not a CO2e-per-mass unit label: {label!r}")
    return KG_PER_MASS_WORD[match[1]] / KG_PER_MASS_WORD[match[2]]


def quantum(number: Decimal) -> Decimal:
    """One unit in the last printed place: 4.2 -> 0.1, 4200 -> 1, 4.20 -> 0.01."""
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"not a finite number: {number}")
    return Decimal(1).scaleb(exponent)
