"""What the rules page shows: per material, the rules and parameters in force on a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.checking import Material, Period, Rule, RuleSet


@dataclass(frozen=True)
class RuleInForce:
    """A rule with the period of its parameters that applies on the day asked for."""

    rule: Rule
    period: Period
    parameters: str


@dataclass(frozen=True)
class MaterialRules:
    """One material of the catalog and its rules in force."""

    material: Material
    rules: list[RuleInForce]


def rules_in_force(ruleset: RuleSet, *, on: date, material_code: str | None) -> list[MaterialRules]:
    """The catalog (or one material) with the rules in force on ON."""
    codes = [material_code] if material_code else list(ruleset.materials)
    return [
        MaterialRules(
            material=ruleset.material(code),
            rules=[
                RuleInForce(rule=rule, period=period, parameters=rule.describe_params(period))
                for rule, period in ruleset.in_force(code, on)
            ],
        )
        for code in codes
    ]
