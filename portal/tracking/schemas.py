"""The tracking figures as the API, the CLI and the CSV exports show them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from portal.checking.targets import Targets
from portal.logistics.schemas import LogisticsReport
from portal.tracking.figures import LineFigures, MaterialFigures, Missing
from portal.tracking.service import MAX_TONNES, InputRow, YearFigures, reason_text

# Decimals inside, JSON numbers outside: the values are already rounded, so nothing is lost.
Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Tonnes = Annotated[
    Decimal,
    Field(ge=0, le=MAX_TONNES, max_digits=15, decimal_places=3),
    PlainSerializer(float, return_type=float, when_used="json"),
]


class MaterialReport(BaseModel):
    """Purchases of one material for a line and year."""

    material_code: str
    category: str = Field(description="raw_material or packaging")
    purchases: int
    quantity_t: Number
    emissions_t: Number = Field(description="tCO2e")
    supplier_specific_t: Number = Field(description="tCO2e from supplier-specific factors")
    recycled_t: Number = Field(description="recycled aluminium tonnes")


class LineReport(BaseModel):
    """One product line's figures in one year; intensities in tCO2e per tonne produced."""

    product_line: str
    production_t: Number | None = Field(description="tonnes produced; null if not entered")
    production_source: str = Field(description="where production and Scope 1+2 come from")
    purchases: int = Field(description="purchase lines recorded for the line in the year")
    purchased_t: Number
    scope3_cat1_t: Number = Field(description="Scope 3 category 1 emissions, tCO2e")
    scope3_cat1_intensity: Number | None
    scope3_cat1_target: Number | None = Field(description="the plan's target; null if none")
    scope3_cat1_gap: Number | None = Field(description="intensity − target; > 0 is above target")
    no_intensity_reason: Missing | None = Field(description="why there is no intensity")
    no_intensity_message: str
    supplier_specific_t: Number
    supplier_specific_share: Number | None = Field(
        description="fraction 0–1 of the emissions from supplier-specific factors"
    )
    scope12_t: Number | None = Field(description="the line's own Scope 1+2 emissions, tCO2e")
    scope12_intensity: Number | None
    scope12_target: Number | None
    no_scope12_reason: Missing | None
    raw_material_t: Number = Field(description="tonnes of raw materials (packaging excluded)")
    recycled_t: Number = Field(description="recycled aluminium tonnes among the raw materials")
    recycled_share: Number | None = Field(
        description="fraction 0–1; only for the line the plan sets a recycled goal for (alloy)"
    )
    recycled_goal: Number | None = Field(description="fraction 0–1; null when no goal")
    materials: list[MaterialReport]


class TargetsSourceOut(BaseModel):
    """Where the targets come from."""

    document: str
    dated: date
    method: str


class YearReport(BaseModel):
    """The yearly report: every product line's figures against the plan."""

    year: int
    lines: list[LineReport]
    targets_source: TargetsSourceOut
    # Transport and packaging (Scope 3 categories 4 and 9), beside Scope 3.1, not inside it.
    logistics: LogisticsReport | None = None


def line_report(figures: LineFigures) -> LineReport:
    """The API shape of one line's figures."""
    return LineReport(
        product_line=figures.line,
        production_t=figures.production_t,
        production_source=figures.inputs.source,
        purchases=figures.purchases,
        purchased_t=figures.purchased_t,
        scope3_cat1_t=figures.scope3_cat1_t,
        scope3_cat1_intensity=figures.scope3_cat1_intensity,
        scope3_cat1_target=figures.scope3_cat1_target,
        scope3_cat1_gap=figures.scope3_cat1_gap,
        no_intensity_reason=figures.no_intensity_reason,
        no_intensity_message=reason_text(figures.no_intensity_reason),
        supplier_specific_t=figures.supplier_specific_t,
        supplier_specific_share=figures.supplier_specific_share,
        scope12_t=figures.scope12_t,
        scope12_intensity=figures.scope12_intensity,
        scope12_target=figures.scope12_target,
        no_scope12_reason=figures.no_scope12_reason,
        raw_material_t=figures.raw_material_t,
        recycled_t=figures.recycled_t,
        recycled_share=figures.recycled_share,
        recycled_goal=figures.recycled_goal,
        materials=[material_report(material) for material in figures.materials],
    )


def material_report(material: MaterialFigures) -> MaterialReport:
    """The API shape of one material's purchases."""
    return MaterialReport(
        material_code=material.material_code,
        category=material.category,
        purchases=material.purchases,
        quantity_t=material.quantity_t,
        emissions_t=material.emissions_t,
        supplier_specific_t=material.supplier_specific_t,
        recycled_t=material.recycled_t,
    )


def year_report(figures: YearFigures, targets: Targets) -> YearReport:
    """The API shape of a year's figures."""
    return YearReport(
        year=figures.year,
        lines=[line_report(line) for line in figures.lines],
        targets_source=TargetsSourceOut(
            document=targets.source.document,
            dated=targets.source.dated,
            method=targets.source.method,
        ),
    )


# The flat columns of the CSV outputs (CLI and exports), in order.
CSV_COLUMNS = (
    "year",
    "product_line",
    "production_t",
    "scope3_cat1_t",
    "scope3_cat1_intensity",
    "scope3_cat1_target",
    "scope3_cat1_gap",
    "supplier_specific_share",
    "scope12_t",
    "scope12_intensity",
    "scope12_target",
    "raw_material_t",
    "recycled_t",
    "recycled_share",
    "recycled_goal",
    "purchases",
    "purchased_t",
    "supplier_specific_t",
    "no_intensity_reason",
    "production_source",
)


def csv_row(year: int, line: LineReport) -> dict[str, Any]:
    """One CSV row of a line's figures (decimals as written, blanks for missing)."""
    values = line.model_dump(mode="python")
    values["year"] = year
    row = {}
    for column in CSV_COLUMNS:
        value = values.get(column)
        row[column] = "" if value is None else str(value)
    return row


class LineYearIn(BaseModel):
    """Production and Scope 1+2 of a line in a year; null clears a value."""

    model_config = ConfigDict(extra="forbid")

    production_t: Tonnes | None = Field(description="tonnes produced by the line in the year")
    scope12_t: Tonnes | None = Field(description="the line's Scope 1+2 emissions, tCO2e")
    source: str = Field(
        default="", max_length=200, description="where the figures come from (free text)"
    )


class LineYearOut(BaseModel):
    """What is stored for a line and year (or the plan's baseline, until someone enters one)."""

    product_line: str
    year: int
    production_t: Number | None
    scope12_t: Number | None
    source: str
    from_plan_baseline: bool
    updated_at: datetime | None


def line_year_out(row: InputRow) -> LineYearOut:
    """The API shape of a line-year's inputs."""
    return LineYearOut(
        product_line=row.line,
        year=row.year,
        production_t=row.inputs.production_t,
        scope12_t=row.inputs.scope12_t,
        source=row.inputs.source,
        from_plan_baseline=row.inputs.from_plan,
        updated_at=row.stored.updated_at if row.stored is not None else None,
    )
