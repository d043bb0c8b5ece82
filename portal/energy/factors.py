"""Emission factors and energy alerts from rules/energy.toml, validated (pure)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from portal.checking.problems import Problem, RulesError
from portal.checking.toml_reader import TomlReader, item_path, key_path
from portal.energy.core import FLAGS

ENERGY_FILE = "energy.toml"
CO2_PER_C = Decimal(44) / Decimal(12)
FACTOR_TOLERANCE = Decimal("0.001")  # stated factor vs NCV × carbon × oxidation × 44/12
SCOPE2_METHODS = ("location", "market")
ALERT_KINDS = ("silent", "flagged", "intensity", "specific_energy")


@dataclass(frozen=True)
class GridFactor:
    """One published year of the grid's average factor, and its residual-mix proxy."""

    year: int
    location_kg_per_kwh: Decimal
    residual_kg_per_kwh: Decimal
    source: str
    source_zh: str = ""  # blank: the source is cited as written


@dataclass(frozen=True)
class Medium:
    """An energy medium: its unit, scope, accepted other units and (fuels) its CO2 factor."""

    code: str
    unit: str
    scope: int
    accepts: dict[str, Decimal]
    kg_per_unit: Decimal | None = None
    derivation: str = ""
    source: str = ""
    source_zh: str = ""

    def factor_to_unit(self, unit: str) -> Decimal | None:
        """How many of the medium's unit one UNIT is, or None if UNIT is not accepted."""
        if unit == self.unit:
            return Decimal(1)
        return self.accepts.get(unit)


@dataclass(frozen=True)
class AlertRule:
    """An alert as data."""

    code: str
    kind: str
    intervals: int = 4
    flags: tuple[str, ...] = ()
    above_pct: Decimal = Decimal(10)  # specific_energy: this much above the baseline


@dataclass(frozen=True)
class GreenTarget:
    """A point of the green electricity share's target path: SHARE_PCT % in YEAR."""

    year: int
    share_pct: Decimal
    source: str = ""
    source_zh: str = ""


@dataclass(frozen=True)
class EnergyRules:
    """Everything rules/energy.toml says."""

    scope2_counts: str
    grid: tuple[GridFactor, ...]
    media: dict[str, Medium]
    alerts: tuple[AlertRule, ...]
    green_targets: tuple[GreenTarget, ...] = ()

    def green_target_for(self, year: int) -> Decimal | None:
        """The green share target (%) of YEAR: a listed year's, straight between two listed
        years, the last one's after it; None before the first."""
        points = sorted(self.green_targets, key=lambda target: target.year)
        if not points or year < points[0].year:
            return None
        for low, high in pairwise(points):
            if low.year <= year <= high.year:
                step = (high.share_pct - low.share_pct) / (high.year - low.year)
                return (low.share_pct + step * (year - low.year)).quantize(Decimal("0.1"))
        return points[-1].share_pct

    def grid_for(self, year: int) -> tuple[GridFactor | None, bool]:
        """The grid factor in force for YEAR, and whether it is a proxy (an earlier year's)."""
        earlier = [factor for factor in self.grid if factor.year <= year]
        if not earlier:
            return (min(self.grid, key=lambda f: f.year) if self.grid else None), True
        chosen = max(earlier, key=lambda factor: factor.year)
        return chosen, chosen.year != year


def parse_energy(data: dict[str, object], reader: TomlReader) -> EnergyRules | None:
    """The energy rules from parsed TOML; problems go to READER."""
    before = reader.count()
    reader.keys(
        data, "", required=("scope2", "grid", "media"), optional=("alerts", "green_share_targets")
    )
    scope2 = reader.table(data.get("scope2", {}), "scope2") or {}
    reader.keys(scope2, "scope2", required=("counts_against_targets",))
    counts = reader.choice(scope2, "counts_against_targets", "scope2", SCOPE2_METHODS)
    grid: list[GridFactor] = []
    for index, table in enumerate(reader.tables(data.get("grid", []), "grid") or []):
        here = item_path("grid", index)
        reader.keys(
            table,
            here,
            required=("year", "location_kgco2_per_kwh", "residual_kgco2_per_kwh", "source"),
            optional=("source_zh",),
        )
        year = reader.whole(table, "year", here, minimum=2000)
        location = reader.decimal(
            table, "location_kgco2_per_kwh", here, minimum=Decimal(0), maximum=Decimal(2)
        )
        residual = reader.decimal(
            table, "residual_kgco2_per_kwh", here, minimum=Decimal(0), maximum=Decimal(2)
        )
        source = reader.text(table, "source", here)
        if year is not None and any(factor.year == year for factor in grid):
            reader.add(key_path(here, "year"), f"{year} is listed twice")
        elif None not in (year, location, residual, source):
            assert year is not None and location is not None and residual is not None
            source_zh = reader.text(table, "source_zh", here) if "source_zh" in table else ""
            grid.append(GridFactor(year, location, residual, source or "", source_zh or ""))
    media: dict[str, Medium] = {}
    media_table = reader.table(data.get("media", {}), "media") or {}
    if "electricity" not in media_table:
        reader.add("media.electricity", "missing")
    for code, value in media_table.items():
        medium = _medium(code, value, reader)
        if medium is not None:
            media[code] = medium
    alerts: list[AlertRule] = []
    for index, table in enumerate(reader.tables(data.get("alerts", []), "alerts") or []):
        here = item_path("alerts", index)
        reader.keys(
            table, here, required=("code", "kind"), optional=("intervals", "flags", "above_pct")
        )
        above = reader.decimal(table, "above_pct", here, minimum=Decimal(0))
        alert_code = reader.code(table, "code", here)
        kind = reader.choice(table, "kind", here, ALERT_KINDS)
        intervals = reader.whole(table, "intervals", here, minimum=1)
        flags = reader.choices(table, "flags", here, FLAGS) if "flags" in table else ()
        if alert_code is not None and any(alert.code == alert_code for alert in alerts):
            reader.add(key_path(here, "code"), f"'{alert_code}' is listed twice")
        elif alert_code is not None and kind is not None and flags is not None:
            alerts.append(
                AlertRule(
                    alert_code,
                    kind,
                    intervals or 4,
                    tuple(flags),
                    above if above is not None else Decimal(10),
                )
            )
    green = _green_targets(data.get("green_share_targets", []), reader)
    if reader.count() != before or counts is None:
        return None
    return EnergyRules(counts, tuple(grid), media, tuple(alerts), green)


def _green_targets(value: object, reader: TomlReader) -> tuple[GreenTarget, ...]:
    """The green share's target path: [[green_share_targets]] with year, share_pct, source."""
    found: list[GreenTarget] = []
    for index, table in enumerate(reader.tables(value, "green_share_targets") or []):
        here = item_path("green_share_targets", index)
        reader.keys(table, here, required=("year", "share_pct"), optional=("source", "source_zh"))
        year = reader.whole(table, "year", here, minimum=2000)
        share = reader.decimal(table, "share_pct", here, minimum=Decimal(0), maximum=Decimal(100))
        source = reader.text(table, "source", here) if "source" in table else ""
        if year is not None and any(target.year == year for target in found):
            reader.add(key_path(here, "year"), f"{year} is listed twice")
        elif year is not None and share is not None:
            source_zh = reader.text(table, "source_zh", here) if "source_zh" in table else ""
            found.append(GreenTarget(year, share, source or "", source_zh or ""))
    return tuple(sorted(found, key=lambda target: target.year))


def _medium(code: str, value: object, reader: TomlReader) -> Medium | None:
    here = key_path("media", code)
    table = reader.table(value, here)
    if table is None:
        return None
    fuel_keys = ("ncv_gj_per_unit", "carbon_tc_per_tj", "oxidation", "kgco2_per_unit", "source")
    reader.keys(
        table, here, required=("unit", "scope"), optional=(*fuel_keys, "accepts", "source_zh")
    )
    unit = reader.text(table, "unit", here)
    scope = reader.whole(table, "scope", here, minimum=1)
    if scope is not None and scope not in (1, 2):
        reader.add(key_path(here, "scope"), f"{scope} is not 1 or 2")
    accepts: dict[str, Decimal] = {}
    for other, ratio in (
        reader.table(table.get("accepts", {}), key_path(here, "accepts")) or {}
    ).items():
        number = reader.number(ratio, key_path(key_path(here, "accepts"), other), above=Decimal(0))
        if number is not None:
            accepts[other] = number
    if unit is None or scope is None:
        return None
    if scope == 2:
        return Medium(code, unit, scope, accepts)
    ncv = reader.decimal(table, "ncv_gj_per_unit", here, above=Decimal(0))
    carbon = reader.decimal(table, "carbon_tc_per_tj", here, above=Decimal(0))
    oxidation = reader.decimal(table, "oxidation", here, above=Decimal(0), maximum=Decimal(1))
    stated = reader.decimal(table, "kgco2_per_unit", here, above=Decimal(0))
    source = reader.text(table, "source", here)
    missing = [key for key in fuel_keys if key not in table]
    for key in missing:
        reader.add(key_path(here, key), "missing (a Scope 1 fuel states how its factor is made)")
    if None in (ncv, carbon, oxidation, stated, source):
        return None
    assert ncv is not None and carbon is not None and oxidation is not None
    assert stated is not None
    # GJ × tC/TJ = kgC; × oxidation × 44/12 = kgCO2
    product = ncv * carbon * oxidation * CO2_PER_C
    if abs(product - stated) > FACTOR_TOLERANCE * stated:
        reader.add(
            key_path(here, "kgco2_per_unit"),
            f"{stated} disagrees with ncv × carbon × oxidation × 44/12 = {product:.4f}",
        )
        return None
    derivation = (
        f"{ncv} GJ/{unit} × {carbon} tC/TJ × {oxidation} × 44/12 = {product:.4f} kgCO2/{unit}"
    )
    source_zh = reader.text(table, "source_zh", here) if "source_zh" in table else ""
    return Medium(code, unit, scope, accepts, stated, derivation, source or "", source_zh or "")


def parse_energy_file(content: bytes, name: str = ENERGY_FILE) -> EnergyRules:
    """Validate the energy rules file's bytes; RulesError lists every problem."""
    problems: list[Problem] = []
    reader = TomlReader(name, problems)
    try:
        data = tomllib.loads(content.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise RulesError([Problem(name, "", f"not valid TOML: {error}")]) from None
    rules = parse_energy(data, reader)
    if problems or rules is None:
        raise RulesError(problems)
    return rules


def check_energy_file(files: dict[str, bytes], problems: list[Problem]) -> None:
    """Add the energy rules file's problems, when the rules directory has one."""
    if ENERGY_FILE not in files:
        return
    try:
        parse_energy_file(files[ENERGY_FILE])
    except RulesError as error:
        problems.extend(error.problems)
