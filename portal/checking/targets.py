"""The plan's baseline and reduction targets, read from rules/targets.toml (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from portal.checking.toml_reader import TomlReader, key_path

# The plan prints intensities with two decimals; a baseline that disagrees by more is a typo.
INTENSITY_TOLERANCE_T_PER_T = Decimal("0.01")


@dataclass(frozen=True)
class TargetsSource:
    """Where the targets come from."""

    document: str
    dated: date
    method: str
    document_zh: str = ""  # blank: cited as written
    method_zh: str = ""

    def document_in(self, language: str) -> str:
        """The plan's title in LANGUAGE ("zh" or "en")."""
        return self.document_zh if language == "zh" and self.document_zh else self.document

    def method_in(self, language: str) -> str:
        """The plan's method in LANGUAGE ("zh" or "en")."""
        return self.method_zh if language == "zh" and self.method_zh else self.method


@dataclass(frozen=True)
class LineBaseline:
    """A product line's own emissions in the baseline year."""

    line: str
    year: int
    scope12_tco2e: Decimal
    production_t: Decimal
    intensity_t_per_t: Decimal


@dataclass(frozen=True)
class ProductLine:
    """A product line of the plant with its yearly intensity targets (tCO2e per t product)."""

    code: str
    name_zh: str
    name_en: str
    baseline: LineBaseline
    scope12_t_per_t: Mapping[int, Decimal]
    scope3_cat1_t_per_t: Mapping[int, Decimal]


@dataclass(frozen=True)
class Targets:
    """Baseline, intensity targets per line and year, and the recycled-share goal."""

    source: TargetsSource
    lines: Mapping[str, ProductLine]
    recycled_goal_line: str
    recycled_goal_points_pct: Mapping[int, Decimal]

    @property
    def baseline(self) -> Mapping[str, LineBaseline]:
        """Baseline per line code."""
        return {code: line.baseline for code, line in self.lines.items()}

    def line(self, code: str) -> ProductLine:
        """The product line `code`; ValueError names the known ones."""
        try:
            return self.lines[code]
        except KeyError:
            raise ValueError(
                f"unknown product line '{code}'; known: {', '.join(self.lines)}"
            ) from None

    def scope12_target(self, line: str, year: int) -> Decimal | None:
        """Scope 1+2 intensity target in tCO2e/t for the line and year, if the plan sets one."""
        return self.line(line).scope12_t_per_t.get(year)

    def scope3_target(self, line: str, year: int) -> Decimal | None:
        """Scope 3 category 1 intensity target in tCO2e/t for the line and year, if any."""
        return self.line(line).scope3_cat1_t_per_t.get(year)

    def recycled_goal_pct(self, year: int) -> Decimal | None:
        """Minimum recycled share (percent) of the goal line's raw materials, if any that year."""
        points = sorted(self.recycled_goal_points_pct.items())
        if not points or year < points[0][0] or year > points[-1][0]:
            return None
        for (year_a, pct_a), (year_b, pct_b) in pairwise(points):
            if year_a <= year <= year_b:
                return pct_a + (pct_b - pct_a) * (year - year_a) / (year_b - year_a)
        return points[-1][1]

    # The name used in the design brief; percent, like recycled_goal_pct.
    recycled_goal = recycled_goal_pct


def parse_targets(data: Mapping[str, object], reader: TomlReader) -> Targets | None:
    """Validate the parsed targets.toml; problems go to the reader."""
    before = reader.count()
    reader.keys(data, "", required=("source", "lines", "recycled_share"))
    source = _source(data.get("source"), reader)
    lines = _lines(data.get("lines"), reader)
    goal_line, goal_points = _recycled_share(data.get("recycled_share"), reader, lines)
    if reader.count() != before or source is None or lines is None or goal_line is None:
        return None
    return Targets(source, lines, goal_line, goal_points)


def _source(value: object, reader: TomlReader) -> TargetsSource | None:
    if value is None:
        return None
    table = reader.table(value, "source")
    if table is None:
        return None
    reader.keys(
        table,
        "source",
        required=("document", "dated", "method"),
        optional=("document_zh", "method_zh"),
    )
    document = reader.text(table, "document", "source")
    dated = reader.day(table, "dated", "source")
    method = reader.text(table, "method", "source")
    if document is None or dated is None or method is None:
        return None
    document_zh = reader.text(table, "document_zh", "source") if "document_zh" in table else ""
    method_zh = reader.text(table, "method_zh", "source") if "method_zh" in table else ""
    return TargetsSource(document, dated, method, document_zh or "", method_zh or "")


def _lines(value: object, reader: TomlReader) -> dict[str, ProductLine] | None:
    if value is None:
        return None
    table = reader.table(value, "lines")
    if table is None:
        return None
    if not table:
        reader.add("lines", "must name at least one product line")
    lines = {}
    for code, raw in table.items():
        line = _line(code, raw, reader)
        if line is not None:
            lines[code] = line
    return lines if len(lines) == len(table) else None


def _line(code: str, value: object, reader: TomlReader) -> ProductLine | None:
    path = key_path("lines", code)
    table = reader.table(value, path)
    if table is None:
        return None
    reader.keys(
        table,
        path,
        required=(
            "name_zh",
            "name_en",
            "baseline",
            "scope12_tco2e_per_t",
            "scope3_cat1_tco2e_per_t",
        ),
    )
    name_zh = reader.text(table, "name_zh", path)
    name_en = reader.text(table, "name_en", path)
    baseline = _baseline(code, table.get("baseline"), reader, key_path(path, "baseline"))
    scope12 = _by_year(
        table.get("scope12_tco2e_per_t"), reader, key_path(path, "scope12_tco2e_per_t")
    )
    scope3 = _by_year(
        table.get("scope3_cat1_tco2e_per_t"), reader, key_path(path, "scope3_cat1_tco2e_per_t")
    )
    if name_zh is None or name_en is None or baseline is None or scope12 is None or scope3 is None:
        return None
    return ProductLine(code, name_zh, name_en, baseline, scope12, scope3)


def _baseline(line: str, value: object, reader: TomlReader, path: str) -> LineBaseline | None:
    if value is None:
        return None
    table = reader.table(value, path)
    if table is None:
        return None
    reader.keys(
        table, path, required=("year", "scope12_tco2e", "production_t", "intensity_tco2e_per_t")
    )
    year = reader.whole(table, "year", path, minimum=1990)
    scope12 = reader.decimal(table, "scope12_tco2e", path, minimum=Decimal(0))
    production = reader.decimal(table, "production_t", path, above=Decimal(0))
    intensity = reader.decimal(table, "intensity_tco2e_per_t", path, minimum=Decimal(0))
    if year is None or scope12 is None or production is None or intensity is None:
        return None
    computed = (scope12 / production).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if abs(computed - intensity) > INTENSITY_TOLERANCE_T_PER_T:
        reader.add(
            key_path(path, "intensity_tco2e_per_t"),
            f"{intensity} does not match scope12_tco2e / production_t = {computed}",
        )
        return None
    return LineBaseline(line, year, scope12, production, intensity)


def _by_year(
    value: object, reader: TomlReader, path: str, *, maximum: Decimal | None = None
) -> dict[int, Decimal] | None:
    if value is None:
        return None
    table = reader.table(value, path)
    if table is None:
        return None
    if not table:
        reader.add(path, "must give at least one year")
    before = reader.count()
    values = {}
    for key, raw in table.items():
        if not (key.isdigit() and len(key) == 4):
            reader.add(key_path(path, key), "keys must be years such as 2025")
            continue
        number = reader.number(raw, key_path(path, key), minimum=Decimal(0), maximum=maximum)
        if number is not None:
            values[int(key)] = number
    return dict(sorted(values.items())) if reader.count() == before else None


def _recycled_share(
    value: object, reader: TomlReader, lines: Mapping[str, ProductLine] | None
) -> tuple[str | None, dict[int, Decimal]]:
    if value is None:
        return None, {}
    table = reader.table(value, "recycled_share")
    if table is None:
        return None, {}
    reader.keys(table, "recycled_share", required=("line", "goals_pct"))
    line = reader.text(table, "line", "recycled_share")
    if line is not None and lines is not None and line not in lines:
        reader.add("recycled_share.line", f"unknown product line '{line}'")
        line = None
    points = _by_year(
        table.get("goals_pct"), reader, "recycled_share.goals_pct", maximum=Decimal(100)
    )
    return line, points or {}
