"""The logistics rules in force (rules/logistics.toml) and each mode's intensity in a year."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from portal.config import get_settings
from portal.energy.rules import energy_rules
from portal.logistics.core import Intensity, intensity
from portal.logistics.factors import LOGISTICS_FILE, LogisticsRules, parse_logistics_file


@lru_cache(maxsize=4)
def _rules_at(directory: Path) -> LogisticsRules:
    return parse_logistics_file((directory / LOGISTICS_FILE).read_bytes(), LOGISTICS_FILE)


def logistics_rules() -> LogisticsRules:
    """The validated logistics rules, loaded once per rules directory."""
    return _rules_at(get_settings().rules_dir)


@lru_cache(maxsize=256)
def _intensity(directory: Path, mode: str, year: int) -> Intensity:
    rules = _rules_at(directory)
    found = rules.modes[mode]
    if not found.electric:
        return intensity(found, None)
    grid, proxy = energy_rules().grid_for(year)
    if grid is None:
        raise ValueError("rules/energy.toml lists no grid factor")
    source = f"{grid.source}{f', standing in for {year}' if proxy else ''}"
    return intensity(found, grid.location_kg_per_kwh, source)


def mode_intensity(mode: str, year: int) -> Intensity:
    """MODE's well-to-wheel kgCO2e/t·km for a shipment in YEAR (electric: that year's grid)."""
    return _intensity(get_settings().rules_dir, mode, year)
