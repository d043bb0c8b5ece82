"""evaluate(): judge one declaration against the rule set on a date (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from portal.checking.checks import Check, Status
from portal.checking.facts import DeclarationFacts
from portal.checking.kinds import KINDS
from portal.checking.messages import held_message, met_message, not_applicable_message, render
from portal.checking.ruleset import Kind, Material, Period, Rule, RuleSet, Severity, Tier
from portal.checking.verdict import Finding, Label, Outcome, Verdict

# A plausibility rule with one of these severities holds back the max_pcf judgement.
HOLDING_SEVERITIES = (Severity.FAIL, Severity.REVIEW)


@dataclass
class Memo:
    """What evaluating one declaration found, kept for its other dates: the checks and the
    findings that do not depend on the date (see `evaluate`), by rule and period."""

    checks: dict[tuple[str, int], Check] = field(default_factory=dict)
    findings: dict[tuple[str, int, tuple[str, ...]], Finding] = field(default_factory=dict)
    date_free: dict[str, bool] = field(default_factory=dict)  # by rule id (one rule set)

    def keeps(self, rule: Rule) -> bool:
        """Whether the rule's check and finding are kept (the same on every date)."""
        found = self.date_free.get(rule.id)
        if found is None:
            found = self.date_free[rule.id] = _date_free(rule)
        return found


def evaluate(
    declaration: DeclarationFacts, ruleset: RuleSet, *, on: date, memo: Memo | None = None
) -> Verdict:
    """Apply every rule of the declaration's material in force `on`; fail > review > pass.

    MEMO (one per declaration and rule set, e.g. for the lines of an import, each with its
    own date) keeps each check and finding that the date does not change: every kind of check
    but validity_covers reads only the declaration and the rule's period, and a finding's text
    names the date only for that kind, or through a message's {on} or {year}.
    """
    material = ruleset.material(declaration.material_code)
    checked = []
    for rule, period in ruleset.periods_on(material.code, on):
        if memo is None or period is None or not memo.keeps(rule):
            check = _check(declaration, rule, period, on)
        else:
            known = memo.checks.get((rule.id, id(period)))
            if known is None:
                known = memo.checks[(rule.id, id(period))] = _check(declaration, rule, period, on)
            check = known
        checked.append((rule, period, check))
    # A value that looks like a unit slip is not judged against the limit: a person looks first.
    implausible = [
        rule.id
        for rule, _period, check in checked
        if rule.kind is Kind.PLAUSIBILITY
        and check.status is Status.VIOLATED
        and rule.severity in HOLDING_SEVERITIES
    ]
    findings: list[Finding] = []
    labels: list[Label] = []
    for rule, period, check in checked:
        held = (
            bool(implausible)
            and rule.kind is Kind.MAX_PCF
            and check.status is not Status.NOT_APPLICABLE
        )
        held_by = tuple(implausible) if held else ()
        if memo is None or period is None or not memo.keeps(rule):
            finding = _finding(rule, period, check, material, on, held_by)
        else:
            key = (rule.id, id(period), held_by)
            seen = memo.findings.get(key)
            if seen is None:
                seen = memo.findings[key] = _finding(rule, period, check, material, on, held_by)
            finding = seen
        findings.append(finding)
        if not held and check.status is Status.MET and check.tiers:
            labels.extend(
                _label(rule, limit.tier, limit.threshold_t_per_t, check) for limit in check.tiers
            )
    return Verdict(
        outcome=_overall(findings),
        material_code=material.code,
        findings=tuple(findings),
        labels=tuple(labels),
        ruleset_revision=ruleset.revision,
        evaluated_on=on,
    )


def _date_free(rule: Rule) -> bool:
    """Whether the rule's check and finding are the same on every date its period covers."""
    if rule.kind is Kind.VALIDITY_COVERS:
        return False
    return not any(
        name in text for text in (rule.message_zh, rule.message_en) for name in ("{on", "{year")
    )


def _check(declaration: DeclarationFacts, rule: Rule, period: Period | None, on: date) -> Check:
    if period is None:
        return Check(
            Status.NOT_APPLICABLE,
            f"rule not in force on {on}",
            "",
            f"该规则在 {on} 未生效",
            f"the rule is not in force on {on}",
            observed_zh=f"该规则在 {on} 未生效",
        )
    return KINDS[rule.kind].check(declaration, rule, period, on)


def _finding(
    rule: Rule,
    period: Period | None,
    check: Check,
    material: Material,
    on: date,
    held_by: Sequence[str],
) -> Finding:
    if held_by:
        outcome = Outcome.REVIEW
        message_zh, message_en = held_message(held_by)
    elif check.status is Status.MET:
        outcome = Outcome.PASS
        message_zh = met_message(check.observed_in_zh, check.expected_in_zh)[0]
        message_en = met_message(check.observed, check.expected)[1]
    elif check.status is Status.NOT_APPLICABLE:
        outcome = Outcome.NOT_APPLICABLE
        message_zh, message_en = not_applicable_message(check.note_zh, check.note_en)
    else:
        outcome = Outcome(rule.severity.value)
        message_zh = render(rule.message_zh, _values(rule, period, check, material, on, "zh"))
        message_en = render(rule.message_en, _values(rule, period, check, material, on, "en"))
    return Finding(
        rule_id=rule.id,
        kind=rule.kind.value,
        severity=rule.severity.value,
        outcome=outcome,
        observed=check.observed,
        expected=check.expected,
        message_zh=message_zh,
        message_en=message_en,
        period_from=period.effective_from if period else None,
        period_to=period.effective_to if period else None,
        observed_zh=check.observed_in_zh,
        expected_zh=check.expected_in_zh,
    )


def _values(
    rule: Rule, period: Period | None, check: Check, material: Material, on: date, language: str
) -> dict[str, str]:
    return {
        "observed": check.observed_in_zh if language == "zh" else check.observed,
        "expected": check.expected_in_zh if language == "zh" else check.expected,
        "material": material.name(language),
        "rule_id": rule.id,
        "on": on.isoformat(),
        "year": str(on.year),
        "effective_from": period.effective_from.isoformat() if period else "",
        "hint": check.note_zh if language == "zh" else check.note_en,
    }


def _label(rule: Rule, tier: Tier, threshold_t_per_t: Decimal, check: Check) -> Label:
    return Label(
        code=tier.code,
        name_zh=tier.name_zh,
        name_en=tier.name_en,
        rule_id=rule.id,
        observed=check.observed,
        threshold=tier.describe(threshold_t_per_t, rule.unit or ""),
        source=tier.source,
        source_zh=tier.source_zh,
    )


def _overall(findings: Sequence[Finding]) -> Outcome:
    outcomes = [finding.outcome for finding in findings]
    if Outcome.FAIL in outcomes:
        return Outcome.FAIL
    if Outcome.REVIEW in outcomes:
        return Outcome.REVIEW
    return Outcome.PASS
