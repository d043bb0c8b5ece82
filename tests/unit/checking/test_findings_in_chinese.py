"""Findings read in Chinese: what was observed and what the rule expects, not English phrases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from checking_helpers import RULES_DIR, facts

from portal.catalog import wording
from portal.checking import Finding, Verdict, evaluate
from portal.checking.loader import load_ruleset
from portal.i18n import current_locale

RULES = load_ruleset(RULES_DIR)
ON = date(2025, 6, 1)


def finding(verdict: Verdict, kind: str) -> Finding:
    (found,) = [item for item in verdict.findings if item.kind == kind]
    return found


def test_a_primary_ingot_declaration_met_reads_in_chinese() -> None:
    # BASE_FACTS: period 2024-01-01..2024-12-31, submitted 2025-03-01 (2 months 1 day later),
    # no validity end stated: the PACT default makes it 2024-01-01..2027-12-31.
    verdict = evaluate(facts(pcf_t_per_t="12.0"), RULES, on=ON)
    boundary = finding(verdict, "boundary")
    assert boundary.message_zh == "符合要求：从摇篮到大门（要求：从摇篮到大门）"
    assert boundary.message_en == "Met: cradle-to-gate (required: cradle-to-gate)"
    verification = finding(verdict, "verification_required")
    assert verification.observed_zh == "CQC，核查声明编号 CQC-2025-0042"
    assert verification.expected_zh == "核查机构名称和核查声明编号"
    age = finding(verdict, "reference_period_recent")
    assert age.observed_zh == "2 个月 1 天（结束于 2024-12-31，提交于 2025-03-01）"
    assert age.expected_zh == "≤ 24 个月"
    validity = finding(verdict, "validity_covers")
    assert validity.observed_zh == "2024-01-01 至 2027-12-31（PACT 默认值：参考期结束后 3 年）"
    assert validity.expected_zh == "覆盖 2025-06-01"
    standard = finding(verdict, "standard_in")
    assert standard.expected_zh.startswith("以下之一：ISO 14067、")
    electricity = finding(verdict, "electricity_instrument")
    assert electricity.message_zh == "不适用：未声明使用低碳电力"


def test_violations_name_what_is_missing_in_chinese() -> None:
    verdict = evaluate(
        facts(boundary="gate-to-gate", verifier_name=None, site_name=" "), RULES, on=ON
    )
    boundary = finding(verdict, "boundary")
    assert boundary.observed_zh == "从大门到大门"
    assert "{" not in boundary.message_zh and "gate-to-gate" not in boundary.message_zh
    assert finding(verdict, "verification_required").observed_zh == "缺少：核查机构名称"
    assert finding(verdict, "site_named").observed_zh == "未填写"


def test_the_held_limit_does_not_show_internal_rule_ids() -> None:
    # 12,000 t/t: far above the plausible 25, so the limit is held for a person.
    verdict = evaluate(facts(pcf_t_per_t="12000"), RULES, on=ON)
    held = finding(verdict, "max_pcf")
    assert "plausibility." not in held.message_zh and "plausibility." not in held.message_en
    assert held.message_zh.startswith("暂不判定：")


def test_stored_verdicts_without_chinese_fall_back_to_what_they_hold() -> None:
    stored = finding(evaluate(facts(), RULES, on=ON), "boundary").to_dict()
    del stored["observed_zh"], stored["expected_zh"]
    old = Finding.from_dict(stored)
    token = current_locale.set("zh")
    try:
        assert old.observed_text == "cradle-to-gate"
    finally:
        current_locale.reset(token)


def test_the_rules_page_words_parameters_and_placeholders() -> None:
    (rule, period) = next(
        (rule, period)
        for rule, period in RULES.in_force("al_primary_ingot", date(2026, 6, 1))
        if rule.kind.value == "max_pcf"
    )
    token = current_locale.set("zh")
    try:
        # carbon.toml, 2026 period: max_pcf = 15.1, near_zero < 3.0, low_carbon ≤ 4.0
        assert wording.parameters(rule, period) == (
            "上限 = 15.1 tCO2e/t；近零碳铝 < 3.0 tCO2e/t；低碳铝 ≤ 4.0 tCO2e/t"
        )
        assert wording.severity_label("fail") == "不通过"
        parts = wording.message_parts("{material}碳足迹 {observed} 超过")
        assert parts == [("", "物料"), ("碳足迹 ", ""), ("", "申报值"), (" 超过", "")]
        material = RULES.material("al_primary_ingot")
        assert material.factor_source("zh").startswith("国际铝业协会（IAI）")
        assert Decimal(material.default_factor_t_per_t) == Decimal("15.1")
    finally:
        current_locale.reset(token)
