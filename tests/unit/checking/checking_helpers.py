"""Small factories for the rules-engine tests (a uniquely named module, imported by tests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from portal.checking import DeclarationFacts, RuleSet, parse_ruleset

RULES_DIR = Path(__file__).resolve().parents[3] / "rules"
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"

BASE_FACTS = DeclarationFacts(
    material_code="al_primary_ingot",
    declared_unit_of_measurement="kilogram",
    declared_unit_amount=Decimal(1),
    pcf_excluding_biogenic=Decimal("12.0"),
    boundary="cradle-to-gate",
    standards=("ISO 14067",),
    reference_period_start=date(2024, 1, 1),
    reference_period_end=date(2024, 12, 31),
    submitted_on=date(2025, 3, 1),
    site_name="Baotou smelter",
    verifier_name="CQC",
    verification_statement_number="CQC-2025-0042",
)


def facts(**changes: Any) -> DeclarationFacts:
    """A complete, valid primary-aluminium declaration with `changes` (pcf_t_per_t per kg)."""
    if "pcf_t_per_t" in changes:
        changes["pcf_excluding_biogenic"] = Decimal(str(changes.pop("pcf_t_per_t")))
    return replace(BASE_FACTS, **changes)


def ruleset_with(thresholds: str, **other_files: str) -> RuleSet:
    """The real catalog and targets with `thresholds` as the only rule file."""
    files = {
        "materials.toml": (RULES_DIR / "materials.toml").read_bytes(),
        "targets.toml": (RULES_DIR / "targets.toml").read_bytes(),
        "thresholds/test.toml": thresholds.encode("utf-8"),
    }
    files.update({name: text.encode("utf-8") for name, text in other_files.items()})
    return parse_ruleset(files)


def rule_toml(
    kind: str,
    periods: str,
    *,
    rule_id: str = "test.rule",
    materials: str = '["al_primary_ingot"]',
    severity: str = "fail",
    unit: str | None = None,
    message_en: str = "broken: {observed} vs {expected}",
    message_zh: str = "违反：{observed}",
    extra: str = "",
) -> str:
    """One [[rules]] entry as TOML text."""
    unit_line = f'unit = "{unit}"\n' if unit else ""
    return (
        f'[[rules]]\nid = "{rule_id}"\nkind = "{kind}"\nmaterials = {materials}\n'
        f'severity = "{severity}"\n{unit_line}message_zh = "{message_zh}"\n'
        f'message_en = "{message_en}"\nperiods = {periods}\n{extra}\n'
    )
