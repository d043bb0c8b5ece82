"""The tracking maths (pure): from aggregated purchase sums to intensities, shares and gaps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from portal.checking.targets import Targets

TONNES = Decimal("0.001")
INTENSITY = Decimal("0.0001")  # tCO2e per t; the plan prints two decimals
SHARE = Decimal("0.0001")  # fractions 0–1, so 0.01 percentage points
ZERO = Decimal(0)
RAW_MATERIAL = "raw_material"
SUPPLIER_SPECIFIC = "declaration"


class Missing(StrEnum):
    """Why a figure cannot be given (instead of dividing by zero)."""

    NO_PRODUCTION = "no_production_entered"
    ZERO_PRODUCTION = "production_is_zero"
    NO_PURCHASES = "no_purchases_recorded"
    NO_SCOPE12 = "no_scope12_entered"
    NO_RAW_MATERIALS = "no_raw_materials_purchased"
    NO_EMISSIONS = "no_emissions"


@dataclass(frozen=True)
class Sums:
    """SUMs over the purchases of one year, line, material, category and factor source."""

    year: int
    line: str
    material_code: str
    category: str
    factor_source: str
    purchases: int
    quantity_t: Decimal
    emissions_t: Decimal
    recycled_t: Decimal


@dataclass(frozen=True)
class Inputs:
    """What the ESG team entered for one line and year (or the plan's baseline)."""

    production_t: Decimal | None
    scope12_t: Decimal | None
    source: str = ""
    from_plan: bool = False


@dataclass(frozen=True)
class Plan:
    """The plan's targets for one line and year."""

    scope3_target: Decimal | None
    scope12_target: Decimal | None
    tracks_recycled: bool
    recycled_goal: Decimal | None  # fraction 0–1


@dataclass(frozen=True)
class MaterialFigures:
    """Purchased tonnes and emissions of one material for a line and year."""

    material_code: str
    category: str
    purchases: int
    quantity_t: Decimal
    emissions_t: Decimal
    supplier_specific_t: Decimal
    recycled_t: Decimal


@dataclass(frozen=True)
class LineFigures:
    """Every figure of one product line in one year."""

    year: int
    line: str
    inputs: Inputs
    purchases: int
    purchased_t: Decimal
    scope3_cat1_t: Decimal
    supplier_specific_t: Decimal
    supplier_specific_share: Decimal | None
    scope3_cat1_intensity: Decimal | None
    scope3_cat1_target: Decimal | None
    scope3_cat1_gap: Decimal | None  # intensity − target: above zero is above the target
    no_intensity_reason: Missing | None
    scope12_intensity: Decimal | None
    scope12_target: Decimal | None
    scope12_gap: Decimal | None
    no_scope12_reason: Missing | None
    tracks_recycled: bool
    raw_material_t: Decimal
    recycled_t: Decimal
    recycled_share: Decimal | None
    recycled_goal: Decimal | None
    recycled_gap: Decimal | None  # share − goal: below zero is short of the goal
    no_recycled_reason: Missing | None
    materials: tuple[MaterialFigures, ...]

    @property
    def production_t(self) -> Decimal | None:
        """Tonnes produced by the line in the year, if entered."""
        return self.inputs.production_t

    @property
    def scope12_t(self) -> Decimal | None:
        """The line's Scope 1+2 emissions in the year, if entered."""
        return self.inputs.scope12_t

    @property
    def scope3_on_track(self) -> bool | None:
        """Whether the Scope 3.1 intensity is at or below the target (None: no comparison)."""
        return None if self.scope3_cat1_gap is None else self.scope3_cat1_gap <= 0

    @property
    def scope12_on_track(self) -> bool | None:
        """Whether the Scope 1+2 intensity is at or below the target."""
        return None if self.scope12_gap is None else self.scope12_gap <= 0

    @property
    def recycled_on_track(self) -> bool | None:
        """Whether the recycled share reaches the goal."""
        return None if self.recycled_gap is None else self.recycled_gap >= 0


def plan_for(targets: Targets, line: str, year: int) -> Plan:
    """The plan's targets for LINE in YEAR; the recycled goal as a fraction 0–1."""
    tracks_recycled = line == targets.recycled_goal_line
    goal_pct = targets.recycled_goal_pct(year) if tracks_recycled else None
    return Plan(
        scope3_target=targets.scope3_target(line, year),
        scope12_target=targets.scope12_target(line, year),
        tracks_recycled=tracks_recycled,
        recycled_goal=None if goal_pct is None else _round(goal_pct / 100, SHARE),
    )


def _round(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def _ratio(numerator: Decimal, denominator: Decimal, places: Decimal) -> Decimal:
    return _round(numerator / denominator, places)


def _intensity(
    emissions_t: Decimal | None, production_t: Decimal | None, *, missing_emissions: Missing
) -> tuple[Decimal | None, Missing | None]:
    if production_t is None:
        return None, Missing.NO_PRODUCTION
    if production_t <= 0:
        return None, Missing.ZERO_PRODUCTION
    if emissions_t is None:
        return None, missing_emissions
    return _ratio(emissions_t, production_t, INTENSITY), None


def _gap(value: Decimal | None, reference: Decimal | None) -> Decimal | None:
    return None if value is None or reference is None else value - reference


def material_figures(sums: Iterable[Sums]) -> tuple[MaterialFigures, ...]:
    """Per material: purchases, tonnes, emissions (and their supplier-specific part), recycled."""
    totals: dict[tuple[str, str], list[Decimal]] = {}
    counts: dict[tuple[str, str], int] = {}
    for row in sums:
        key = (row.material_code, row.category)
        total = totals.setdefault(key, [ZERO, ZERO, ZERO, ZERO])
        total[0] += row.quantity_t
        total[1] += row.emissions_t
        total[2] += row.emissions_t if row.factor_source == SUPPLIER_SPECIFIC else ZERO
        total[3] += row.recycled_t
        counts[key] = counts.get(key, 0) + row.purchases
    return tuple(
        MaterialFigures(
            material_code=code,
            category=category,
            purchases=counts[(code, category)],
            quantity_t=_round(quantity, TONNES),
            emissions_t=_round(emissions, TONNES),
            supplier_specific_t=_round(specific, TONNES),
            recycled_t=_round(recycled, TONNES),
        )
        for (code, category), (quantity, emissions, specific, recycled) in sorted(
            totals.items(), key=lambda item: (item[0][1] != RAW_MATERIAL, -item[1][1], item[0][0])
        )
    )


def line_figures(
    year: int, line: str, sums: Iterable[Sums], inputs: Inputs | None, plan: Plan
) -> LineFigures:
    """The figures of LINE in YEAR from the purchase sums of that line and year."""
    rows = [row for row in sums if row.year == year and row.line == line]
    inputs = inputs or Inputs(production_t=None, scope12_t=None)
    purchases = sum(row.purchases for row in rows)
    emissions = sum((row.emissions_t for row in rows), ZERO)
    specific = sum(
        (row.emissions_t for row in rows if row.factor_source == SUPPLIER_SPECIFIC), ZERO
    )
    raw = [row for row in rows if row.category == RAW_MATERIAL]
    raw_t = sum((row.quantity_t for row in raw), ZERO)
    recycled_t = sum((row.recycled_t for row in raw), ZERO)

    intensity, no_intensity = _intensity(
        emissions if purchases else None,
        inputs.production_t,
        missing_emissions=Missing.NO_PURCHASES,
    )
    scope12_intensity, no_scope12 = _intensity(
        inputs.scope12_t, inputs.production_t, missing_emissions=Missing.NO_SCOPE12
    )
    share: Decimal | None = None
    no_share: Missing | None = None
    if plan.tracks_recycled:
        if raw_t > 0:
            share = _ratio(recycled_t, raw_t, SHARE)
        else:
            no_share = Missing.NO_RAW_MATERIALS
    return LineFigures(
        year=year,
        line=line,
        inputs=inputs,
        purchases=purchases,
        purchased_t=_round(sum((row.quantity_t for row in rows), ZERO), TONNES),
        scope3_cat1_t=_round(emissions, TONNES),
        supplier_specific_t=_round(specific, TONNES),
        supplier_specific_share=_ratio(specific, emissions, SHARE) if emissions > 0 else None,
        scope3_cat1_intensity=intensity,
        scope3_cat1_target=plan.scope3_target,
        scope3_cat1_gap=_gap(intensity, plan.scope3_target),
        no_intensity_reason=no_intensity,
        scope12_intensity=scope12_intensity,
        scope12_target=plan.scope12_target,
        scope12_gap=_gap(scope12_intensity, plan.scope12_target),
        no_scope12_reason=no_scope12,
        tracks_recycled=plan.tracks_recycled,
        raw_material_t=_round(raw_t, TONNES),
        recycled_t=_round(recycled_t, TONNES),
        recycled_share=share,
        recycled_goal=plan.recycled_goal if plan.tracks_recycled else None,
        recycled_gap=_gap(share, plan.recycled_goal),
        no_recycled_reason=no_share,
        materials=material_figures(rows),
    )
