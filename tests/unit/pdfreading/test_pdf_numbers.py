"""Printed numbers in every notation a declaration uses, and CO2e units in every spelling."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.pdfreading.co2e import find_declared_unit, find_unit
from portal.pdfreading.numbers import decimal_comma_document, find_numbers, parse_number
from portal.pdfreading.text import lowered, normalise


@pytest.mark.parametrize(
    ("printed", "decimal_comma", "value"),
    [
        ("4.12E+00", False, "4.12"),  # E-notation with a decimal point
        ("1,28E+03", False, "1280"),  # E-notation with a decimal comma: 1.28 × 1000
        ("8.60e-01", False, "0.86"),
        ("3.1 × 10^3", False, "3100"),
        ("4,200", False, "4200"),  # comma thousands in a decimal-point document
        ("4,200", True, "4.2"),  # the same digits in a decimal-comma document
        ("4.200", True, "4200"),  # point thousands in a decimal-comma document
        ("4.200", False, "4.2"),
        ("4 200", False, "4200"),  # space thousands
        ("4\u202f200", False, "4200"),  # narrow no-break space (U+202F)
        ("4\u00a0200", False, "4200"),  # no-break space
        ("4'200", False, "4200"),  # Swiss apostrophe
        ("4\u2019200", False, "4200"),  # typographic apostrophe
        ("4,200.5", False, "4200.5"),
        ("4.200,5", True, "4200.5"),
        ("0,62", False, "0.62"),  # a comma not before three digits is a decimal comma
        ("\uff18\uff0e\uff16", False, "8.6"),  # full-width digits and point
        ("\u22125.2", False, "-5.2"),  # U+2212 minus
        ("-1.2E+03", False, "-1200"),
    ],
)
def test_each_notation(printed: str, decimal_comma: bool, value: str) -> None:
    assert parse_number(normalise(printed), decimal_comma=decimal_comma) == Decimal(value)


def test_e_notation_keeps_its_printed_precision() -> None:
    # 8.60E+03 has three significant digits: one unit in the last place is 10.
    assert parse_number("8.60E+03").as_tuple().exponent == 1


def test_labels_and_dates_are_not_read_as_figures() -> None:
    numbers = find_numbers(normalise("GWP-GHG A1-A3 CO2 8.6 2024-12-31"))
    assert [number.printed for number in numbers] == ["8.6", "2024", "12", "31"]


def test_a_document_that_writes_decimal_commas() -> None:
    assert decimal_comma_document("Anteil 0,21 und 1,28E+03 sowie 4.200")
    assert not decimal_comma_document("share 0.62, total 4,200 and 1.5")


@pytest.mark.parametrize(
    ("text", "numerator_kg", "per_kg", "per_other"),
    [
        ("kg CO2e/t", "1", "1000", None),
        ("kg CO2 eq.", "1", None, None),
        ("kg CO₂-Äq./kg", "1", "1", None),
        ("t CO2-eq per tonne", "1000", "1000", None),
        ("kgCO2-Eq", "1", None, None),
        ("g CO2e/kg", "0.001", "1", None),
        ("千克二氧化碳当量/吨", "1", "1000", None),
        ("吨二氧化碳当量/吨", "1000", "1000", None),
        ("kg CO2e/kWh", "1", None, "kwh"),
        ("kg CO2e/tkm", "1", None, "tkm"),
        ("kg CO2e/t·km", "1", None, "t·km"),
        ("kg CO2e/Nm³", "1", None, "nm3"),
    ],
)
def test_co2e_spellings(
    text: str, numerator_kg: str, per_kg: str | None, per_other: str | None
) -> None:
    unit = find_unit(lowered(normalise(text)))
    assert unit is not None
    assert unit.numerator_kg == Decimal(numerator_kg)
    assert unit.per_kg == (None if per_kg is None else Decimal(per_kg))
    assert unit.per_other == per_other


def test_other_indicators_have_no_co2e_unit() -> None:
    assert find_unit("kg cfc11 eq.") is None
    assert find_unit("mol h+ eq.") is None


@pytest.mark.parametrize(
    ("statement", "kg"),
    [
        ("Declared unit: 1 t (1000 kg) of aluminium ingot", "1000"),
        ("Declared unit: one metric tonne of primary aluminium", "1000"),
        ("The declared unit is 1 kg of alloy", "1"),
        ("Functional unit: 1,000 kg", "1000"),
        ("功能单位：1吨铝合金锭", "1000"),
        ("声明单位：1 千克铝锭", "1"),
        ("Deklarierte Einheit: 1 t Aluminium", "1000"),
    ],
)
def test_declared_units(statement: str, kg: str) -> None:
    text = normalise(statement)
    found = find_declared_unit(lowered(text), 2, text)
    assert found is not None and (found.kg, found.page) == (Decimal(kg), 2)
