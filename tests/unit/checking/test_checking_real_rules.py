"""The policy shipped in rules/: it loads, and its figures are the plan's and the sources'."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
from checking_helpers import RULES_DIR

from portal.checking import Kind, RuleSet, Severity, load_targets
from portal.checking.ruleset import Category

PLAN_YEARS = range(2025, 2031)
ESTIMATED = ("silicon_metal", "copper", "zinc", "manganese")
MATERIAL_CODES = sorted(
    tomllib.loads((RULES_DIR / "materials.toml").read_text(encoding="utf-8"))["materials"]
)


def test_every_file_is_loaded(real_rules: RuleSet) -> None:
    assert set(real_rules.files) >= {
        "materials.toml",
        "targets.toml",
        "README.md",
        "thresholds/carbon.toml",
        "thresholds/evidence.toml",
        "thresholds/plausibility.toml",
        "thresholds/recycled.toml",
    }
    assert {rule.file for rule in real_rules.rules} == {
        path for path in real_rules.files if path.startswith("thresholds/")
    }


def test_catalog_codes(real_rules: RuleSet) -> None:
    assert set(real_rules.materials) == {
        "al_primary_ingot", "al_recycled_ingot", "al_scrap_pre_consumer",
        "al_scrap_post_consumer", "al_billet", "silicon_metal", "magnesium", "copper",
        "manganese", "zinc", "al_master_alloy", "pallet_wood", "strapping_steel", "film_plastic",
    }  # fmt: skip


def test_sourced_default_factors(real_rules: RuleSet) -> None:
    primary = real_rules.materials["al_primary_ingot"]
    assert (primary.default_factor_t_per_t, primary.default_factor_year) == (Decimal("15.1"), 2022)
    assert not primary.default_factor_estimate and "IAI" in primary.default_factor_source
    magnesium = real_rules.materials["magnesium"]
    assert magnesium.default_factor_t_per_t == Decimal("39.3")
    assert not magnesium.default_factor_estimate
    recycled = real_rules.materials["al_recycled_ingot"]
    assert recycled.default_factor_t_per_t == Decimal("1.9")
    assert "CIRCAL 75R" in recycled.default_factor_source


@pytest.mark.parametrize("code", ESTIMATED)
def test_unsourced_factors_are_marked_estimates(real_rules: RuleSet, code: str) -> None:
    material = real_rules.materials[code]
    assert material.default_factor_estimate
    assert "estimate, no authoritative figure collected" in material.default_factor_source


def test_material_attributes(real_rules: RuleSet) -> None:
    materials = real_rules.materials.values()
    assert {m.code for m in materials if m.recycled_by_nature} == {
        "al_scrap_pre_consumer",
        "al_scrap_post_consumer",
    }
    assert {m.code for m in materials if m.category is Category.PACKAGING} == {
        "pallet_wood",
        "strapping_steel",
        "film_plastic",
    }
    assert not real_rules.materials["magnesium"].aluminium_bearing
    assert real_rules.materials["al_master_alloy"].aluminium_bearing


@pytest.mark.parametrize("code", MATERIAL_CODES)
def test_every_material_has_a_limit_that_tightens_each_plan_year(
    real_rules: RuleSet, code: str
) -> None:
    limits = []
    for year in PLAN_YEARS:
        limit = real_rules.max_pcf_for(code, date(year, 1, 1))
        assert limit is not None, f"{code} has no max_pcf on {year}-01-01"
        assert limit == real_rules.max_pcf_for(code, date(year, 12, 31))
        limits.append(limit.max_pcf_t_per_t)
    assert all(later < earlier for earlier, later in pairwise(limits)), limits
    kinds = [rule.kind for rule in real_rules.rules_for(code)]
    assert kinds.count(Kind.MAX_PCF) == 1 and kinds.count(Kind.PLAUSIBILITY) == 1


def test_primary_aluminium_limits_and_tiers(real_rules: RuleSet) -> None:
    limits = [real_rules.max_pcf_for("al_primary_ingot", date(year, 6, 1)) for year in PLAN_YEARS]
    values = [limit.max_pcf_t_per_t for limit in limits if limit is not None]
    assert values == [Decimal(v) for v in ("16.0", "15.1", "15.0", "14.3", "13.5", "12.6")]
    limit = real_rules.max_pcf_for("al_primary_ingot", date(2025, 6, 1))
    assert limit is not None
    tiers = {t.tier.code: (t.tier.comparison, t.threshold_t_per_t) for t in limit.tiers}
    assert tiers == {
        "low_carbon": ("at_most", Decimal("4.0")),
        "near_zero": ("below", Decimal("3.0")),
    }


def test_primary_plausibility_bounds(real_rules: RuleSet) -> None:
    ((rule, period),) = [
        (rule, period)
        for rule, period in real_rules.in_force("al_primary_ingot", date(2025, 6, 1))
        if rule.kind is Kind.PLAUSIBILITY
    ]
    assert (period.decimal("min"), period.decimal("max")) == (Decimal(2), Decimal(25))
    assert rule.severity is Severity.REVIEW


def test_evidence_rules_in_force_for_every_material_in_plan_years(real_rules: RuleSet) -> None:
    required = {
        Kind.BOUNDARY, Kind.STANDARD_IN, Kind.VERIFICATION_REQUIRED,
        Kind.REFERENCE_PERIOD_RECENT, Kind.VALIDITY_COVERS, Kind.SITE_NAMED,
        Kind.ELECTRICITY_INSTRUMENT,
    }  # fmt: skip
    for code in real_rules.materials:
        for year in (2023, *PLAN_YEARS):
            kinds = {rule.kind for rule, _ in real_rules.in_force(code, date(year, 1, 1))}
            assert required <= kinds, (code, year, required - kinds)


def test_recycled_rules(real_rules: RuleSet) -> None:
    ingot = {
        rule.kind: (rule, period)
        for rule, period in real_rules.in_force("al_recycled_ingot", date(2026, 1, 1))
    }
    assert ingot[Kind.MIN_RECYCLED_CONTENT][1].decimal("min_recycled_content") == Decimal(75)
    assert Kind.RECYCLED_EVIDENCE in ingot
    scrap = {rule.kind for rule in real_rules.rules_for("al_scrap_post_consumer")}
    assert Kind.RECYCLED_EVIDENCE not in scrap


def test_reference_period_policy_is_24_months(real_rules: RuleSet) -> None:
    (period,) = [
        period
        for rule, period in real_rules.in_force("copper", date(2026, 1, 1))
        if rule.kind is Kind.REFERENCE_PERIOD_RECENT
    ]
    assert period.whole("max_age") == 24


PLAN_TABLE = {
    2025: ("0.79", "8.67", "1.21", "15.95"),
    2026: ("0.77", "8.18", "1.17", "15.06"),
    2027: ("0.75", "8.13", "1.13", "14.95"),
    2028: ("0.74", "7.73", "1.09", "14.23"),
    2029: ("0.72", "7.31", "1.04", "13.48"),
    2030: ("0.71", "6.82", "1.00", "12.59"),
}


@pytest.mark.parametrize(("year", "row"), PLAN_TABLE.items())
def test_targets_are_the_plans(real_rules: RuleSet, year: int, row: tuple[str, ...]) -> None:
    targets = real_rules.targets
    found = (
        targets.scope12_target("alloy", year),
        targets.scope3_target("alloy", year),
        targets.scope12_target("extrusion", year),
        targets.scope3_target("extrusion", year),
    )
    assert found == tuple(Decimal(value) for value in row)


def test_baseline_and_source(real_rules: RuleSet) -> None:
    baseline = real_rules.targets.baseline
    assert (baseline["alloy"].scope12_tco2e, baseline["alloy"].production_t) == (
        Decimal("6456.81"),
        Decimal(7880),
    )
    assert baseline["alloy"].intensity_t_per_t == Decimal("0.82")
    assert (baseline["extrusion"].scope12_tco2e, baseline["extrusion"].production_t) == (
        Decimal("568.34"),
        Decimal(397),
    )
    assert baseline["extrusion"].intensity_t_per_t == Decimal("1.43")
    assert {line.year for line in baseline.values()} == {2023}
    source = real_rules.targets.source
    assert source.dated == date(2025, 9, 15)
    assert "1.5 °C" in source.method and "GHG Pathways" in source.method


@pytest.mark.parametrize(
    ("year", "goal"),
    [(2024, None), (2025, None), (2026, "30"), (2027, "35"), (2028, "40"), (2029, "45"),
     (2030, "50"), (2031, None)],
)  # fmt: skip
def test_recycled_goal_is_a_straight_line(real_rules: RuleSet, year: int, goal: str | None) -> None:
    expected = Decimal(goal) if goal else None
    assert real_rules.targets.recycled_goal_pct(year) == expected
    assert real_rules.targets.recycled_goal(year) == expected
    assert real_rules.targets.recycled_goal_line == "alloy"


def test_no_target_outside_the_plan_and_unknown_lines(real_rules: RuleSet) -> None:
    assert real_rules.targets.scope3_target("alloy", 2031) is None
    assert real_rules.targets.scope12_target("extrusion", 2024) is None
    with pytest.raises(ValueError, match="unknown product line 'anodising'"):
        real_rules.targets.scope3_target("anodising", 2026)


def test_load_targets_alone_matches(real_rules: RuleSet) -> None:
    assert load_targets(RULES_DIR) == real_rules.targets
