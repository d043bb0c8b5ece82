"""facts_from_mapping: plain data in, DeclarationFacts out, every bad field named."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from portal.checking import DeclarationFacts, FactsError, facts_from_mapping
from portal.checking.facts_mapping import PARSERS

MINIMAL: dict[str, Any] = {
    "material_code": "al_primary_ingot",
    "declared_unit_of_measurement": "kilogram",
    "declared_unit_amount": "1",
    "pcf_excluding_biogenic": "3.81",
    "boundary": "cradle-to-gate",
    "standards": ["ISO 14067"],
    "reference_period_start": "2024-01-01",
    "reference_period_end": "2024-12-31",
    "submitted_on": "2025-03-01",
}


def errors_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(FactsError) as caught:
        facts_from_mapping(data)
    assert isinstance(caught.value, ValueError)
    return dict(caught.value.errors)


def test_every_facts_field_has_a_parser() -> None:
    assert set(PARSERS) == {f.name for f in fields(DeclarationFacts)}


def test_minimal_declaration() -> None:
    result = facts_from_mapping(MINIMAL)
    assert result.pcf_excluding_biogenic == Decimal("3.81")
    assert result.pcf_t_per_t == Decimal("3.81")
    assert result.reference_period_end == date(2024, 12, 31)
    assert result.standards == ("ISO 14067",)
    assert result.attachments == frozenset()
    assert result.site_name == "" and result.verifier_name is None


def test_numbers_keep_their_digits() -> None:
    result = facts_from_mapping(
        {**MINIMAL, "pcf_excluding_biogenic": 0.1, "declared_unit_amount": 3}
    )
    assert result.pcf_excluding_biogenic == Decimal("0.1")  # not 0.1000000000000000055…
    assert result.declared_unit_amount == Decimal(3)


def test_full_declaration() -> None:
    result = facts_from_mapping(
        {
            **MINIMAL,
            "validity_period_end": "2026-12-31",
            "site_name": "  Baotou  ",
            "recycled_pre_consumer_pct": "10",
            "recycled_post_consumer_pct": Decimal("65.5"),
            "recycled_method": "mass_balance",
            "low_carbon_electricity_claimed": True,
            "electricity_source": "hydro",
            "electricity_instrument": "I-REC",
            "verifier_name": "CQC",
            "verification_statement_number": "N-1",
            "verification_date": date(2025, 2, 1),
            "attachments": ["recycled_evidence", "declaration", "recycled_evidence"],
        }
    )
    assert result.site_name == "Baotou"
    assert result.recycled_content_pct == Decimal("75.5")
    assert result.attachments == frozenset({"recycled_evidence", "declaration"})
    assert result.verification_date == date(2025, 2, 1)


@pytest.mark.parametrize("name", ["material_code", "pcf_excluding_biogenic", "submitted_on"])
def test_missing_required_field_is_named(name: str) -> None:
    data = {key: value for key, value in MINIMAL.items() if key != name}
    assert errors_of(data) == {name: "missing"}


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("declared_unit_of_measurement", "pound", "'pound' is not one of: kilogram, tonne"),
        ("declared_unit_amount", "0", "greater than 0"),
        ("pcf_excluding_biogenic", "-1", "must not be negative"),
        ("pcf_excluding_biogenic", "15,1", "use . for decimals"),
        ("pcf_excluding_biogenic", "NaN", "finite"),
        ("pcf_excluding_biogenic", True, "not true/false"),
        ("boundary", "cradle to gate", "is not one of"),
        ("standards", "ISO 14067", "must be a list"),
        ("standards", ["ISO 14044"], "'ISO 14044' is not one of"),
        ("reference_period_start", "01/01/2024", "is not a date"),
        ("recycled_post_consumer_pct", "101", "from 0 to 100"),
        ("recycled_method", "magic", "is not one of"),
        ("low_carbon_electricity_claimed", "yes", "true or false"),
        ("attachments", ["photo"], "'photo' is not one of"),
        ("colour", "red", "unknown field"),
    ],
)
def test_bad_values_are_named(name: str, value: object, text: str) -> None:
    errors = errors_of({**MINIMAL, name: value})
    assert list(errors) == [name]
    assert text in errors[name]


def test_inconsistent_fields() -> None:
    errors = errors_of(
        {
            **MINIMAL,
            "reference_period_end": "2023-12-31",
            "recycled_pre_consumer_pct": "60",
            "recycled_post_consumer_pct": "50",
        }
    )
    assert "before reference_period_start" in errors["reference_period_end"]
    assert "110 %" in errors["recycled_post_consumer_pct"]


def test_all_errors_are_reported_and_first_is_field() -> None:
    with pytest.raises(FactsError) as caught:
        facts_from_mapping({"material_code": "", "boundary": "x"})
    error = caught.value
    names = [name for name, _ in error.errors]
    assert error.field == "material_code"
    assert {"material_code", "boundary", "submitted_on", "standards"} <= set(names)
    assert "material_code: must not be empty" in str(error)
