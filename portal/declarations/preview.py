"""The early view while the supplier types: the threshold in force and how the footprint fares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from portal.catalog import get_ruleset
from portal.checking import DeclarationFacts, Outcome, evaluate
from portal.checking.facts import KG_PER_UNIT
from portal.clock import plant_today


@dataclass(frozen=True)
class Preview:
    """What the form shows as the supplier types: the limit in force and the value so far."""

    material_code: str
    on: date
    limit: Any  # portal.checking.PcfLimit | None
    pcf_t_per_t: Decimal | None
    outcome: str | None  # pass/fail/review of the footprint rules alone
    findings: list[Any]
    labels: list[Any]
    read_as: tuple[str, str, str] | None = None  # footprint, amount, unit as understood


def preview(values: Mapping[str, Any], *, on: date | None = None) -> Preview | None:
    """The threshold for the chosen material on ON and, once typed, how the footprint fares."""
    on = on or plant_today()
    code = values.get("material_code")
    ruleset = get_ruleset()
    if not code or code not in ruleset.materials:
        return None
    limit = ruleset.max_pcf_for(code, on)
    unit = values.get("declared_unit_of_measurement")
    amount = values.get("declared_unit_amount")
    pcf = values.get("pcf_excluding_biogenic")
    if unit not in KG_PER_UNIT or amount is None or pcf is None:
        return Preview(code, on, limit, None, None, [], [])
    facts = DeclarationFacts(
        material_code=code,
        declared_unit_of_measurement=unit,
        declared_unit_amount=amount,
        pcf_excluding_biogenic=pcf,
        boundary="cradle-to-gate",
        standards=(),
        reference_period_start=on,
        reference_period_end=on,
        submitted_on=on,
    )
    verdict = evaluate(facts, ruleset, on=on)
    footprint_rules = [
        finding for finding in verdict.findings if finding.kind in ("max_pcf", "plausibility")
    ]
    outcome = "pass"
    if any(finding.outcome is Outcome.FAIL for finding in footprint_rules):
        outcome = "fail"
    elif any(finding.outcome is Outcome.REVIEW for finding in footprint_rules):
        outcome = "review"
    read_as = (format(pcf, ",f"), format(amount, ",f"), unit)
    return Preview(
        code, on, limit, facts.pcf_t_per_t, outcome, footprint_rules, list(verdict.labels), read_as
    )
