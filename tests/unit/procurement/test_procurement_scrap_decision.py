"""Scrap is bought without an ISO 14067 declaration, as rules/requirements.toml says."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from procurement_helpers import REAL_RULES, RULES_DIR, candidate

from portal.checking import RuleSet, load_ruleset, parse_ruleset
from portal.checking.loader import read_rule_files
from portal.procurement.decision import CheckVerdict, FactorSource, ProductLine, decide

ON = date(2025, 6, 1)


def check(candidates, ruleset: RuleSet = REAL_RULES, material="al_scrap_post_consumer"):  # type: ignore[no-untyped-def]
    return decide(
        candidates,
        ruleset,
        material_code=material,
        quantity_t=Decimal(20),
        on=ON,
        product_line=ProductLine.ALLOY,
    )


def asking_for_evidence() -> RuleSet:
    """The real rules with the post-consumer requirement asking for the class with evidence."""
    files = read_rule_files(RULES_DIR)
    text = files["requirements.toml"].decode()
    post = text.index('id = "requirement.scrap_post_consumer"')
    changed = text[:post] + text[post:].replace(
        "scrap_class_evidence = false", "scrap_class_evidence = true", 1
    )
    assert changed != text
    return parse_ruleset({**files, "requirements.toml": changed.encode()})


def test_scrap_without_any_declaration_passes_on_its_default_factor_by_rule() -> None:
    answer = check([])
    # 20 t post-consumer scrap × default 0.3 tCO2e/t (materials.toml) = 6 t CO2e;
    # scrap counts 100 % recycled: 20 t.
    assert answer.verdict is CheckVerdict.PASS
    assert answer.factor_source is FactorSource.DEFAULT and answer.pcf_t_per_t == Decimal("0.3")
    assert answer.emissions_t == Decimal("6.000000") and answer.recycled_t == Decimal(20)
    [reason] = answer.reasons
    assert reason.rule_id == "requirement.scrap_post_consumer" and not reason.blocking
    assert reason.outcome == "pass"
    assert "cut-off" in reason.message_en and "0.3 tCO2e/t" in reason.message_en
    assert "切断法" in reason.message_zh and "消费后废铝" in reason.message_zh
    pre = check([], material="al_scrap_pre_consumer")
    # 20 t × 0.1 = 2 t CO2e.
    assert pre.verdict is CheckVerdict.PASS and pre.emissions_t == Decimal("2.000000")
    assert pre.reasons[0].rule_id == "requirement.scrap_pre_consumer"


def test_a_raw_material_without_a_requirement_still_needs_its_declaration() -> None:
    answer = check([], material="al_primary_ingot")
    assert answer.verdict is CheckVerdict.FAIL
    assert answer.reasons[0].rule_id == "procurement.declaration_required"


def test_where_the_policy_asks_the_scrap_class_needs_a_declaration_with_evidence() -> None:
    rules = asking_for_evidence()
    none = check([], rules)
    assert none.verdict is CheckVerdict.FAIL and none.reasons[0].blocking
    assert "post-consumer" in none.reasons[0].message_en and "消费后" in none.reasons[0].message_zh

    # Stated as pre-consumer: the post-consumer class is not shown.
    wrong_class = candidate(
        "al_scrap_post_consumer",
        pcf="0.2",
        recycled_pre_consumer_pct=Decimal(100),
        attachments=frozenset({"declaration", "recycled_evidence"}),
    )
    answer = check([wrong_class], rules)
    assert answer.verdict is CheckVerdict.FAIL
    assert "states no post-consumer content" in answer.reasons[0].message_en

    no_evidence = candidate(
        "al_scrap_post_consumer", pcf="0.2", recycled_post_consumer_pct=Decimal(100)
    )
    answer = check([no_evidence], rules)
    assert (
        answer.verdict is CheckVerdict.FAIL and "no evidence file" in answer.reasons[0].message_en
    )

    proven = candidate("al_scrap_post_consumer", pcf="0.2", recycled="1")  # 100 % + evidence
    answer = check([proven], rules)
    # The class is proven; the factor stays the default 0.3 (cut-off), not the declared 0.2.
    assert answer.verdict is CheckVerdict.PASS
    assert answer.factor_source is FactorSource.DEFAULT and answer.emissions_t == Decimal("6.0")
    assert f"declaration #{proven.id}" in answer.reasons[0].message_en
    assert "post-consumer 100" in answer.reasons[0].message_en


def test_the_real_rules_hold_the_scrap_requirements() -> None:
    rules = load_ruleset(RULES_DIR)
    assert set(rules.requirements) == {"al_scrap_pre_consumer", "al_scrap_post_consumer"}
    assert not any(r.footprint_declaration for r in rules.requirements.values())
