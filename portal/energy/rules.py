"""The energy rules in force: rules/energy.toml of the configured rules directory."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from portal.config import get_settings
from portal.energy.factors import ENERGY_FILE, EnergyRules, parse_energy_file


@lru_cache(maxsize=4)
def _rules_at(directory: Path) -> EnergyRules:
    return parse_energy_file((directory / ENERGY_FILE).read_bytes(), ENERGY_FILE)


def energy_rules() -> EnergyRules:
    """The validated energy rules, loaded once per rules directory (as the rule set is)."""
    return _rules_at(get_settings().rules_dir)
