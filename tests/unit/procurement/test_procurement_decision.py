"""The buyer check's decision on the real rules: which declaration applies, verdict, figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from procurement_helpers import REAL_RULES, candidate

from portal.procurement.decision import (
    CheckVerdict,
    FactorSource,
    NoDeclaration,
    ProductLine,
    decide,
)


def check(candidates, material="al_primary_ingot", on=date(2025, 6, 1), quantity="100"):  # type: ignore[no-untyped-def]
    return decide(
        candidates,
        REAL_RULES,
        material_code=material,
        quantity_t=Decimal(quantity),
        on=on,
        product_line=ProductLine.ALLOY,
    )


def test_a_valid_accepted_declaration_passes_with_its_own_factor_and_label() -> None:
    hydro = candidate(pcf="3.5")
    answer = check([hydro])
    assert answer.verdict is CheckVerdict.PASS
    assert answer.declaration == hydro
    assert answer.factor_source is FactorSource.DECLARATION
    assert answer.pcf_t_per_t == Decimal("3.5")
    assert answer.emissions_t == Decimal("350.000000")
    assert answer.label is not None and answer.label.code == "low_carbon"
    assert answer.ruleset_revision == REAL_RULES.revision
    assert answer.reasons == ()


def test_a_declaration_valid_until_the_day_before_the_purchase_does_not_apply() -> None:
    expiring = candidate(pcf="8.0", valid_until=date(2026, 3, 31))
    assert check([expiring], on=date(2026, 3, 31)).verdict is CheckVerdict.PASS

    answer = check([expiring], on=date(2026, 4, 1))
    assert answer.verdict is CheckVerdict.FAIL
    assert answer.declaration is None
    assert answer.no_declaration is NoDeclaration.EXPIRED
    assert "valid until 2026-03-31" in answer.reasons[0].message_en
    assert "2026-04-01" in answer.reasons[0].message_en
    assert answer.reasons[0].blocking
    # Without an applicable declaration the emissions use the catalog's default (IAI 15.1).
    assert answer.factor_source is FactorSource.DEFAULT
    assert answer.emissions_t == Decimal("1510.000000")


def test_accepted_but_over_a_threshold_that_came_into_force_later_fails_then() -> None:
    coal = candidate(pcf="15.5", submitted_on=date(2025, 3, 1))
    assert check([coal], on=date(2025, 12, 31)).verdict is CheckVerdict.PASS

    answer = check([coal], on=date(2026, 1, 1))
    assert answer.verdict is CheckVerdict.FAIL
    assert [r.rule_id for r in answer.reasons if r.blocking] == ["max_pcf.al_primary_ingot"]
    assert "15.1" in answer.reasons[0].message_en and "2026-01-01" in answer.reasons[0].message_en
    assert answer.reasons[0].message_zh  # both languages
    # The supplier's own figure still counts for the emissions of an exception purchase.
    assert answer.factor_source is FactorSource.DECLARATION
    assert answer.emissions_t == Decimal("1550.000000")
    assert answer.label is None


def test_of_several_valid_declarations_the_newest_accepted_one_is_used() -> None:
    older = candidate(pcf="9.0", submitted_on=date(2024, 6, 1), version=3)
    newer = candidate(pcf="7.0", submitted_on=date(2025, 2, 1))
    newest_rejected = candidate(pcf="2.0", submitted_on=date(2025, 5, 1), status="rejected")
    newest_pending = candidate(pcf="2.5", submitted_on=date(2025, 5, 2), status="in_review")
    answer = check([older, newest_rejected, newer, newest_pending])
    assert answer.declaration == newer
    assert answer.pcf_t_per_t == Decimal("7.0")

    same_day_v2 = candidate(pcf="6.0", submitted_on=date(2025, 2, 1), version=2)
    assert check([newer, same_day_v2]).declaration == same_day_v2


def test_why_no_declaration_applies() -> None:
    assert check([]).no_declaration is NoDeclaration.NONE_SUBMITTED
    pending = [candidate(status="in_review"), candidate(status="rejected")]
    answer = check(pending)
    assert answer.no_declaration is NoDeclaration.NOT_ACCEPTED
    assert "1 rejected, 1 in review" in answer.reasons[0].message_en
    future = candidate(start=date(2026, 1, 1), end=date(2026, 6, 30))
    assert check([future], on=date(2025, 12, 31)).no_declaration is NoDeclaration.NOT_YET_VALID
    assert all(check(c).verdict is CheckVerdict.FAIL for c in ([], pending))


def test_packaging_without_declaration_passes_on_the_default_factor_with_a_warning() -> None:
    answer = check([], material="pallet_wood", quantity="2")
    assert answer.verdict is CheckVerdict.PASS
    assert answer.factor_source is FactorSource.DEFAULT
    assert answer.emissions_t == Decimal("0.600000")
    assert answer.reasons[0].outcome == "warn" and not answer.reasons[0].blocking
    assert answer.recycled_t == 0


def test_recycled_tonnes() -> None:
    assert check([], material="al_scrap_post_consumer", quantity="40").recycled_t == Decimal(40)
    backed = candidate("al_recycled_ingot", pcf="1.9", recycled="0.8")
    answer = check([backed], material="al_recycled_ingot", quantity="50")
    assert answer.verdict is CheckVerdict.PASS, answer.reasons
    assert answer.recycled_t == Decimal("40.000000")
    assert check([], material="al_recycled_ingot", quantity="50").recycled_t == 0
    magnesium = candidate("magnesium", pcf="30", recycled="0.5")
    assert check([magnesium], material="magnesium").recycled_t == 0


def test_review_findings_are_reported_but_only_a_held_limit_fails() -> None:
    unnamed_site = candidate(pcf="8.0", site_name="")
    answer = check([unnamed_site])
    assert answer.verdict is CheckVerdict.PASS
    assert [(r.rule_id, r.outcome, r.blocking) for r in answer.reasons] == [
        ("site.named_raw_material", "review", False)
    ]
    implausible = candidate(pcf="1.2")  # a reviewer accepted it, but the limit was never judged
    answer = check([implausible])
    assert answer.verdict is CheckVerdict.FAIL
    held = [r for r in answer.reasons if r.blocking]
    assert [r.rule_id for r in held] == ["max_pcf.al_primary_ingot"]
    assert answer.label is None


def test_emissions_are_rounded_to_grams() -> None:
    assert check([candidate(pcf="8.123457")], quantity="0.333333").emissions_t == Decimal(
        "2.707816"
    )
    assert check([candidate(pcf="8.5")], quantity="0.000001").emissions_t == Decimal("0.000009")
