"""Pure cores of the PACT exchange: filters, the plant's footprint, the v2.3 mapping."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pact_schemas import assert_valid, example, problems

from portal.pact import filters, footprint, mapping

PLANT = footprint.Plant(
    domain="plant.example",
    company_name="Shanxi plant",
    geography_subdivision="CN-SX",
    aluminium_extension_schema="https://extensions.example/aluminium/1.0.0/schema.json",
)
FIGURES = footprint.LineYearFigures(
    line="alloy",
    line_name_en="Alloy (casthouse)",
    line_name_zh="铝合金",
    year=2026,
    scope12_intensity=Decimal("0.79"),
    scope3_cat1_intensity=Decimal("3.041"),
    supplier_specific_share=Decimal("0.4604"),
    scrap_share=Decimal("290") / Decimal("650"),
    post_consumer_scrap_share=Decimal("290") / Decimal("650"),
    production_t=Decimal("1000"),
    purchases=6,
)
CREATED = datetime(2027, 2, 1, 8, 30, tzinfo=UTC)


def _built(**extra: object) -> dict[str, object]:
    return footprint.build(
        FIGURES,
        PLANT,
        footprint_id="3f0c1d2e-5b6a-4c7d-8e9f-0a1b2c3d4e5f",
        created=CREATED,
        preceding_ids=[],
        ruleset_revision="abc123def4567890",
        **extra,  # type: ignore[arg-type]
    )


def test_the_plants_footprint_adds_scope12_and_scope31_per_tonne_and_is_valid_pact_v3() -> None:
    body = _built()
    assert_valid(3, "ProductFootprint", body)
    pcf = body["pcf"]
    assert isinstance(pcf, dict)
    # 0.79 + 3.041 = 3.831 tCO2e/t = 3.831 kgCO2e per kg
    assert pcf["pcfExcludingBiogenicUptake"] == "3.831"
    assert pcf["primaryDataShare"] == "46.04"
    assert body["productIds"] == ["urn:pact:plant.example:product-id:alloy"]
    # 290 / 650 = 44.615… % recycled, all of it post-consumer
    [extension] = body["extensions"]  # type: ignore[misc]
    assert extension["data"] == {"scrapBasedShare": "44.62", "postConsumerScrapBasedShare": "44.62"}
    assert "inbound transport" in str(body["comment"]) and "abc123def456" in str(body["comment"])
    assert body["created"] == "2027-02-01T08:30:00Z"


def test_the_mapping_to_v23_is_valid_pact_v2() -> None:
    v3 = {**_built(), "precedingPfIds": ["11111111-2222-4333-8444-555555555555"]}
    v2 = mapping.v2_footprint(v3, version=1)
    assert_valid(2, "ProductFootprint", v2)
    assert v2["specVersion"] == "2.3.0" and v2["version"] == 1
    assert v2["pcf"]["pCfExcludingBiogenic"] == "3.831"
    assert v2["pcf"]["primaryDataShare"] == 46.04
    assert v2["productCategoryCpc"] == "41532"
    assert v2["pcf"]["crossSectoralStandardsUsed"] == [
        "ISO Standard 14067",
        "GHG Protocol Product standard",
    ]


def test_the_specification_examples_map_down_to_valid_v2_or_say_why_not() -> None:
    for name in ("example-1.json", "example-2.json", "example-3.json", "example-4.json"):
        v3 = example(3, name)
        assert problems(3, "ProductFootprint", v3) == [], name
        if v3["pcf"]["declaredUnitOfMeasurement"] not in mapping.V2_UNITS:
            with pytest.raises(mapping.NotMappable, match="declared unit"):
                mapping.v2_footprint(v3, version=0)
            continue
        assert_valid(2, "ProductFootprint", mapping.v2_footprint(v3, version=0))


def test_the_schema_check_can_fail() -> None:
    assert problems(3, "ProductFootprint", example(3, "invalid-response-all-properties.json"))
    broken = _built()
    del broken["pcf"]["fossilGhgEmissions"]  # type: ignore[attr-defined]
    assert any("fossilGhgEmissions" in line for line in problems(3, "ProductFootprint", broken))


def _query(*pairs: tuple[str, str]) -> filters.Filters:
    return filters.from_query(pairs)


def test_repeated_criteria_are_or_and_different_ones_are_and() -> None:
    body = _built()
    alloy = "urn:pact:plant.example:product-id:alloy"
    other = "urn:pact:plant.example:product-id:extrusion"
    assert filters.matches(_query(("productId", other), ("productId", alloy)), body)
    assert not filters.matches(_query(("productId", other)), body)
    assert filters.matches(_query(("productId", alloy), ("status", "Active")), body)
    assert not filters.matches(_query(("productId", alloy), ("status", "Deprecated")), body)
    assert filters.matches(_query(("productid", alloy.upper()), ("STATUS", "active")), body)
    assert not filters.matches(_query(("status", "Bogus")), body)
    assert filters.matches(_query(("x-acme-invoice", "1")), body)  # unknown criteria ignored


def test_geography_matches_subdivision_country_and_region() -> None:
    body = _built()
    for place in ("CN-SX", "CN", "Eastern Asia", "cn"):
        assert filters.matches(_query(("geography", place)), body), place
    for place in ("DE", "CN-BJ", "Western Europe"):
        assert not filters.matches(_query(("geography", place)), body), place


def test_validity_filters_follow_the_specification() -> None:
    body = _built()  # valid from 2027-02-01T08:30Z to 2030-01-01
    assert filters.matches(_query(("validOn", "2028-06-01T00:00:00Z")), body)
    assert not filters.matches(_query(("validOn", "2027-01-01T00:00:00Z")), body)
    assert filters.matches(_query(("validAfter", "2027-01-31T00:00:00Z")), body)
    assert not filters.matches(_query(("validAfter", "2027-02-01T08:30:00Z")), body)  # not >
    assert filters.matches(_query(("validBefore", "2030-01-02T00:00:00Z")), body)
    assert not filters.matches(_query(("validBefore", "2030-01-01T00:00:00Z")), body)  # not <
    assert not filters.matches(_query(("validOn", "not-a-date")), body)
