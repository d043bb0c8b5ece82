"""The verdict as a whole: outcome precedence, order, JSON round trip, calling conventions."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from checking_helpers import facts, rule_toml, ruleset_with

from portal.checking import Outcome, RuleSet, UnknownMaterialError, Verdict, evaluate
from portal.checking.engine import Memo

ON = date(2025, 6, 1)
SITE_REVIEW = rule_toml(
    "site_named", "[{ effective_from = 2025-01-01 }]", rule_id="b.site", severity="review"
)
VERIFIED_FAIL = rule_toml(
    "verification_required",
    "[{ effective_from = 2025-01-01 }]",
    rule_id="a.verified",
    severity="fail",
)
SITE_WARN_ALL = rule_toml(
    "site_named",
    "[{ effective_from = 2025-01-01 }]",
    rule_id="c.site_warn",
    severity="warn",
    materials='["*"]',
)
MAGNESIUM_ONLY = rule_toml(
    "site_named", "[{ effective_from = 2025-01-01 }]", rule_id="d.mg", materials='["magnesium"]'
)


@pytest.fixture(scope="module")
def mixed() -> RuleSet:
    return ruleset_with(VERIFIED_FAIL + SITE_REVIEW + SITE_WARN_ALL + MAGNESIUM_ONLY)


def test_all_met_passes(mixed: RuleSet) -> None:
    assert evaluate(facts(), mixed, on=ON).outcome is Outcome.PASS


def test_review_beats_pass_and_warn(mixed: RuleSet) -> None:
    verdict = evaluate(facts(site_name=""), mixed, on=ON)
    assert [f.outcome for f in verdict.findings] == [Outcome.PASS, Outcome.REVIEW, Outcome.WARN]
    assert verdict.outcome is Outcome.REVIEW


def test_fail_beats_review(mixed: RuleSet) -> None:
    verdict = evaluate(facts(site_name="", verifier_name=None), mixed, on=ON)
    assert verdict.outcome is Outcome.FAIL
    assert [f.rule_id for f in verdict.findings_with(Outcome.FAIL)] == ["a.verified"]


def test_findings_follow_rule_order_and_skip_other_materials(mixed: RuleSet) -> None:
    verdict = evaluate(facts(), mixed, on=ON)
    assert [f.rule_id for f in verdict.findings] == ["a.verified", "b.site", "c.site_warn"]
    magnesium = evaluate(facts(material_code="magnesium"), mixed, on=ON)
    assert [f.rule_id for f in magnesium.findings] == ["c.site_warn", "d.mg"]


def test_verdict_records_revision_date_and_material(mixed: RuleSet) -> None:
    verdict = evaluate(facts(), mixed, on=ON)
    assert verdict.ruleset_revision == mixed.revision
    assert verdict.evaluated_on == ON
    assert verdict.material_code == "al_primary_ingot"


def test_on_is_keyword_only(mixed: RuleSet) -> None:
    with pytest.raises(TypeError):
        evaluate(facts(), mixed, ON)  # type: ignore[call-arg]


def test_unknown_material_is_refused(mixed: RuleSet) -> None:
    with pytest.raises(UnknownMaterialError, match="unobtainium"):
        evaluate(facts(material_code="unobtainium"), mixed, on=ON)


def test_verdict_round_trips_through_json(real_rules: RuleSet) -> None:
    verdict = evaluate(facts(pcf_t_per_t="3.5", site_name=""), real_rules, on=ON)
    assert verdict.labels and verdict.findings
    stored = json.dumps(verdict.to_dict())
    again = Verdict.from_dict(json.loads(stored))
    assert again == verdict
    assert json.loads(stored)["findings"][0]["period_to"] == "2025-12-31"
    assert json.loads(stored)["outcome"] == "review"


def test_same_input_same_verdict(real_rules: RuleSet) -> None:
    first = evaluate(facts(), real_rules, on=ON)
    assert evaluate(facts(), real_rules, on=ON) == first


@pytest.mark.parametrize(
    "changes",
    [
        {},  # passes where its rules are in force
        {"pcf_t_per_t": "17.5"},  # above every max_pcf: failed, with the limit in the text
        {"pcf_t_per_t": "0.004"},  # implausible: held for a person, max_pcf held back
        {"material_code": "al_recycled_ingot", "pcf_t_per_t": "0.6"},  # recycled evidence
        {"verifier_name": None},  # not verified
    ],
)
def test_a_memo_kept_across_dates_changes_no_verdict(
    real_rules: RuleSet, changes: dict[str, object]
) -> None:
    # An import judges one declaration on each line's own date; what the date cannot change
    # is kept. Every date from 2024 to 2031 (each period's first day and weekly between) must
    # give the verdict a fresh evaluation gives, texts and all.
    declaration = facts(**changes)
    memo = Memo()
    days = {date(2024, 1, 1) + timedelta(days=7 * n) for n in range(8 * 53)}
    days |= {
        period.effective_from for rule in real_rules.rules for period in rule.periods
    }  # a period's first day and the day before it
    days |= {day - timedelta(days=1) for day in set(days)}
    for day in sorted(days):
        assert evaluate(declaration, real_rules, on=day, memo=memo) == evaluate(
            declaration, real_rules, on=day
        ), day
    assert memo.checks and memo.findings  # the memo was used
