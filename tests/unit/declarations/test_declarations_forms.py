"""Reading declaration fields from a form or JSON: numbers, dates, choices, messages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from portal import i18n
from portal.checking import RuleSet, load_ruleset
from portal.config import PROJECT_DIR
from portal.declarations.forms import FieldInvalid, facts_from, parse_decimal, parse_fields


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_ruleset(PROJECT_DIR / "rules")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    token = i18n.current_locale.set("en")
    yield
    i18n.current_locale.reset(token)


def valid_form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "material_code": "al_primary_ingot",
        "product_name": "A00 ingot",
        "site_name": "Wenshan smelter",
        "geography_country": "cn",
        "declared_unit_of_measurement": "tonne",
        "declared_unit_amount": "1",
        "pcf_excluding_biogenic": "4,200",
        "boundary": "cradle-to-gate",
        "standards": ["ISO 14067", "GB/T 24067"],
        "reference_period_start": "2025-01-01",
        "reference_period_end": "2025-12-31",
        "verifier_name": "SGS",
        "verification_statement_number": "SGS-1",
    }
    form.update(overrides)
    return form


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("4.2", Decimal("4.2")),
        ("4,200", Decimal("4200")),
        ("1,234,567.25", Decimal("1234567.25")),
        (" 0.62 ", Decimal("0.62")),
        (".5", Decimal("0.5")),
        ("４．２", Decimal("4.2")),  # full-width, as Chinese input methods type it
        ("４，２００", Decimal("4200")),
        ("4.20", Decimal("4.20")),
        (7, Decimal(7)),
        (4.2, Decimal("4.2")),  # a JSON number keeps the digits that were written
    ],
)
def test_numbers_are_read_with_a_point_for_decimals_and_commas_for_thousands(
    typed: object, value: Decimal
) -> None:
    parsed = parse_decimal(typed)
    assert parsed == value
    assert str(parsed) == str(value)  # no rounding, the typed precision is kept


@pytest.mark.parametrize(
    ("typed", "complaint"),
    [
        ("4,2", "Use a point for decimals"),
        ("15,10", "Use a point for decimals"),
        ("4.200,5", "Enter a number such as"),
        ("4,20,000", "Enter a number such as"),
        ("1e3", "Enter a number such as"),
        ("4 200", "Enter a number such as"),
        ("NaN", "Enter a number such as"),
        ("", "Enter a number such as"),
        (True, "Enter a number such as"),
        ("0.1234567", "At most 6 decimal places"),
        ("1000000000000", "too large"),
    ],
)
def test_ambiguous_or_malformed_numbers_are_refused_not_guessed(
    typed: object, complaint: str
) -> None:
    with pytest.raises(FieldInvalid, match=complaint):
        parse_decimal(typed)


def test_a_valid_form_becomes_engine_facts(rules: RuleSet) -> None:
    parsed = parse_fields(valid_form(), rules)
    assert parsed.errors == {}
    facts = facts_from(
        parsed.values, submitted_on=date(2026, 5, 1), attachments=frozenset({"declaration"})
    )
    assert facts.pcf_t_per_t == Decimal("4.2")
    assert facts.geography_country == "CN"
    assert facts.standards == ("ISO 14067", "GB/T 24067")
    assert facts.low_carbon_electricity_claimed is False


def test_every_bad_field_is_named(rules: RuleSet) -> None:
    parsed = parse_fields(
        valid_form(
            material_code="unobtainium",
            product_name="",
            declared_unit_of_measurement="pound",
            declared_unit_amount="0",
            pcf_excluding_biogenic="-1",
            boundary="cradle-to-moon",
            standards=["ISO 9001"],
            reference_period_start="2025-13-01",
            geography_country="China",
            recycled_pre_consumer_pct="101",
            verification_date="1899-01-01",
            electricity_source="nuclear",
        ),
        rules,
    )
    assert set(parsed.errors) == {
        "material_code",
        "product_name",
        "declared_unit_of_measurement",
        "declared_unit_amount",
        "pcf_excluding_biogenic",
        "boundary",
        "standards",
        "reference_period_start",
        "geography_country",
        "recycled_pre_consumer_pct",
        "verification_date",
        "electricity_source",
    }
    assert parsed.errors["product_name"] == "This field is required."
    assert parsed.errors["verification_date"] == "Enter a date between 2000 and 2100."


def test_fields_are_checked_together(rules: RuleSet) -> None:
    parsed = parse_fields(
        valid_form(
            reference_period_start="2025-06-01",
            reference_period_end="2025-01-31",
            validity_period_end="2024-12-31",
            recycled_pre_consumer_pct="60",
            recycled_post_consumer_pct="50",
        ),
        rules,
    )
    assert parsed.errors["reference_period_end"] == (
        "The reference period must end on or after its start."
    )
    assert "recycled_post_consumer_pct" in parsed.errors
    assert "110" in parsed.errors["recycled_post_consumer_pct"]


def test_a_footprint_too_large_for_any_product_is_refused(rules: RuleSet) -> None:
    parsed = parse_fields(
        valid_form(
            declared_unit_of_measurement="kilogram",
            declared_unit_amount="0.000001",
            pcf_excluding_biogenic="999999999",
        ),
        rules,
    )
    assert "too large to be real" in parsed.errors["pcf_excluding_biogenic"]


def test_while_typing_empty_required_fields_are_not_complained_about(rules: RuleSet) -> None:
    parsed = parse_fields(
        {"material_code": "magnesium", "pcf_excluding_biogenic": "4,2"}, rules, partial=True
    )
    assert list(parsed.errors) == ["pcf_excluding_biogenic"]
    assert parsed.values == {"material_code": "magnesium"}


def test_json_is_strict_about_types_and_names(rules: RuleSet) -> None:
    parsed = parse_fields(
        valid_form(
            low_carbon_electricity_claimed="yes",
            standards="ISO 14067",
            submitted_on="2020-01-01",
            colour="blue",
            declared_unit_amount=1,
            pcf_excluding_biogenic=Decimal("4200.5"),
        ),
        rules,
        strict=True,
    )
    assert parsed.errors["low_carbon_electricity_claimed"] == "Choose true or false."
    assert parsed.errors["submitted_on"] == "Set by the portal; leave this field out."
    assert parsed.errors["colour"] == "This field is not allowed."
    assert "standards" not in parsed.errors  # a single name is read as a list of one
    assert parsed.values["pcf_excluding_biogenic"] == Decimal("4200.5")


def test_a_form_checkbox_is_read_from_its_value(rules: RuleSet) -> None:
    parsed = parse_fields(valid_form(low_carbon_electricity_claimed="true"), rules)
    assert parsed.values["low_carbon_electricity_claimed"] is True


def test_messages_are_in_the_users_language(rules: RuleSet) -> None:
    token = i18n.current_locale.set("zh")
    try:
        parsed = parse_fields(valid_form(product_name="", reference_period_end="31/12/2025"), rules)
    finally:
        i18n.current_locale.reset(token)
    assert parsed.errors["product_name"] == "此项为必填。"
    assert parsed.errors["reference_period_end"] == "请按 YYYY-MM-DD 格式输入日期。"
