"""The pure tracking maths: sums per year and line in, intensities, shares and gaps out."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

import portal.tracking.figures as figures_module
from portal.catalog import get_targets
from portal.tracking.figures import Inputs, Missing, Plan, Sums, line_figures, plan_for

PLAN_2026 = Plan(
    scope3_target=Decimal("8.18"),
    scope12_target=Decimal("0.77"),
    tracks_recycled=True,
    recycled_goal=Decimal("0.3"),
)


def sums(
    material: str = "al_primary_ingot",
    tonnes: str = "10",
    emissions: str = "151",
    recycled: str = "0",
    *,
    year: int = 2026,
    line: str = "alloy",
    category: str = "raw_material",
    source: str = "default",
    purchases: int = 1,
) -> Sums:
    return Sums(
        year, line, material, category, source, purchases,
        Decimal(tonnes), Decimal(emissions), Decimal(recycled),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("year", "goal"),
    [
        (2025, None),
        (2026, "0.3000"),
        (2027, "0.3500"),
        (2028, "0.4000"),
        (2030, "0.5000"),
        (2031, None),
    ],
)
def test_recycled_goal_is_a_fraction_on_the_plans_straight_line(
    year: int, goal: str | None
) -> None:
    plan = plan_for(get_targets(), "alloy", year)
    assert plan.recycled_goal == (None if goal is None else Decimal(goal))
    assert plan_for(get_targets(), "extrusion", year).recycled_goal is None


def test_intensity_gap_and_shares() -> None:
    rows = [
        sums("al_recycled_ingot", "30", "60", "24", source="declaration"),
        sums("al_primary_ingot", "20", "302"),
        sums("film_plastic", "1", "2.5", category="packaging"),
    ]
    line = line_figures(2026, "alloy", rows, Inputs(Decimal(100), Decimal(80)), PLAN_2026)
    # (60 + 302 + 2.5) ÷ 100 = 3.645; 3.645 − 8.18 = −4.535
    assert line.scope3_cat1_intensity == Decimal("3.6450")
    assert line.scope3_cat1_gap == Decimal("-4.5350") and line.scope3_on_track
    # 60 of 364.5 from declarations = 0.164609… → 0.1646
    assert line.supplier_specific_share == Decimal("0.1646")
    # 24 recycled of 50 raw tonnes (the film is packaging) = 0.48, goal 0.30
    assert line.recycled_share == Decimal("0.4800") and line.recycled_gap == Decimal("0.1800")
    # 80 ÷ 100 = 0.80 against 0.77
    assert line.scope12_intensity == Decimal("0.8000") and line.scope12_on_track is False


def test_rounding_is_half_up_and_shares_stay_within_0_and_1() -> None:
    rows = [sums(tonnes="3", emissions="2", recycled="2")]
    line = line_figures(2026, "alloy", rows, Inputs(Decimal(3), None), PLAN_2026)
    assert line.scope3_cat1_intensity == Decimal("0.6667")  # 2 ÷ 3
    assert line.recycled_share == Decimal("0.6667")
    assert line.supplier_specific_share == Decimal("0.0000")


def test_other_years_and_lines_are_ignored() -> None:
    rows = [sums(year=2025), sums(line="extrusion", recycled="10"), sums(emissions="1")]
    line = line_figures(2026, "alloy", rows, Inputs(Decimal(1), None), PLAN_2026)
    assert line.scope3_cat1_t == Decimal("1.000") and line.purchases == 1
    assert line.recycled_t == Decimal("0.000")


@pytest.mark.parametrize(
    ("inputs", "reason"),
    [
        (None, Missing.NO_PRODUCTION),
        (Inputs(None, Decimal(5)), Missing.NO_PRODUCTION),
        (Inputs(Decimal(0), Decimal(5)), Missing.ZERO_PRODUCTION),
    ],
)
def test_no_intensity_without_production_but_the_emissions_stay(
    inputs: Inputs | None, reason: Missing
) -> None:
    line = line_figures(2026, "alloy", [sums(emissions="151")], inputs, PLAN_2026)
    assert line.scope3_cat1_t == Decimal("151.000")
    assert line.scope3_cat1_intensity is None and line.scope3_cat1_gap is None
    assert line.no_intensity_reason is reason and line.scope3_on_track is None
    assert line.scope12_intensity is None and line.no_scope12_reason is reason


def test_a_year_without_purchases_has_no_intensity_rather_than_zero() -> None:
    line = line_figures(2026, "alloy", [], Inputs(Decimal(100), Decimal(77)), PLAN_2026)
    assert line.scope3_cat1_intensity is None
    assert line.no_intensity_reason is Missing.NO_PURCHASES
    assert line.supplier_specific_share is None
    assert line.recycled_share is None and line.no_recycled_reason is Missing.NO_RAW_MATERIALS
    assert line.scope12_intensity == Decimal("0.7700") and line.scope12_on_track


def test_packaging_alone_gives_no_recycled_share() -> None:
    rows = [sums("pallet_wood", "5", "1.5", category="packaging")]
    line = line_figures(2026, "alloy", rows, Inputs(Decimal(1), None), PLAN_2026)
    assert line.recycled_share is None and line.no_recycled_reason is Missing.NO_RAW_MATERIALS


def test_the_maths_is_a_pure_core() -> None:
    tree = ast.parse(Path(figures_module.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    forbidden = (
        "fastapi",
        "sqlmodel",
        "sqlalchemy",
        "portal.db",
        "portal.catalog",
        "os",
        "pathlib",
    )
    assert not {name for name in imported if name.startswith(forbidden)}
