"""Each kind of rule at its edges, on small rule sets written in the tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

import pytest
from checking_helpers import facts, rule_toml, ruleset_with

from portal.checking import Finding, Outcome, RuleSet, Verdict, evaluate

MAX_PCF = rule_toml(
    "max_pcf",
    "[{ effective_from = 2025-01-01, max_pcf = 10.0, tier_thresholds = { low = 4.0, zero = 3.0 } },"
    " { effective_from = 2026-01-01, max_pcf = 8.0 }]",
    rule_id="limit",
    unit="tCO2e/t",
    message_en="{material} {observed} above {expected} in {year} since {effective_from}",
    extra=(
        '[[rules.tiers]]\ncode = "zero"\ncomparison = "below"\nname_zh = "近零"\n'
        'name_en = "near zero"\nsource = "FMC"\n'
        '[[rules.tiers]]\ncode = "low"\ncomparison = "at_most"\nname_zh = "低碳"\n'
        'name_en = "low carbon"\nsource = "REDUXA"\n'
    ),
)
PLAUSIBILITY = rule_toml(
    "plausibility",
    "[{ effective_from = 2025-01-01, min = 2, max = 25 }]",
    rule_id="plausible",
    severity="review",
    unit="tCO2e/t",
    message_en="{observed} outside {expected}: {hint}",
    message_zh="{observed}：{hint}",
)


def only(verdict: Verdict, rule_id: str) -> Finding:
    """The finding of `rule_id`."""
    (finding,) = [f for f in verdict.findings if f.rule_id == rule_id]
    return finding


@pytest.fixture(scope="module")
def limits() -> RuleSet:
    return ruleset_with(MAX_PCF + PLAUSIBILITY)


class TestMaxPcf:
    def test_equal_to_the_limit_passes(self, limits: RuleSet) -> None:
        verdict = evaluate(facts(pcf_t_per_t="10.0"), limits, on=date(2025, 12, 31))
        finding = only(verdict, "limit")
        assert finding.outcome is Outcome.PASS
        assert (finding.observed, finding.expected) == ("10 tCO2e/t", "≤ 10.0 tCO2e/t")
        assert (finding.period_from, finding.period_to) == (date(2025, 1, 1), date(2025, 12, 31))
        assert verdict.outcome is Outcome.PASS

    def test_just_above_the_limit_fails_with_filled_message(self, limits: RuleSet) -> None:
        verdict = evaluate(facts(pcf_t_per_t="10.0001"), limits, on=date(2025, 6, 1))
        finding = only(verdict, "limit")
        assert finding.outcome is Outcome.FAIL
        assert finding.message_en == (
            "Primary aluminium ingot 10.0001 tCO2e/t above ≤ 10.0 tCO2e/t in 2025 since 2025-01-01"
        )
        assert finding.message_zh == "违反：10.0001 tCO2e/t"
        assert verdict.outcome is Outcome.FAIL

    def test_the_day_after_the_boundary_uses_the_next_period(self, limits: RuleSet) -> None:
        finding = only(evaluate(facts(pcf_t_per_t="9"), limits, on=date(2026, 1, 1)), "limit")
        assert finding.outcome is Outcome.FAIL
        assert finding.expected == "≤ 8.0 tCO2e/t"
        assert (finding.period_from, finding.period_to) == (date(2026, 1, 1), None)

    def test_before_the_first_period_the_rule_is_not_applicable(self, limits: RuleSet) -> None:
        verdict = evaluate(facts(pcf_t_per_t="99"), limits, on=date(2024, 12, 31))
        finding = only(verdict, "limit")
        assert finding.outcome is Outcome.NOT_APPLICABLE
        assert finding.period_from is None and finding.period_to is None
        assert "not in force on 2024-12-31" in finding.message_en

    def test_declared_per_tonne_is_normalised(self, limits: RuleSet) -> None:
        per_tonne = facts(
            declared_unit_of_measurement="tonne",
            declared_unit_amount=Decimal(2),
            pcf_excluding_biogenic=Decimal(20001),  # kgCO2e for 2 t = 10.0005 t/t
        )
        finding = only(evaluate(per_tonne, limits, on=date(2025, 6, 1)), "limit")
        assert finding.outcome is Outcome.FAIL
        assert finding.observed == "10.0005 tCO2e/t"

    @pytest.mark.parametrize(
        ("pcf", "labels"),
        [("4.0", ["low"]), ("3.0", ["low"]), ("2.999", ["zero", "low"]), ("4.01", [])],
    )
    def test_tiers_are_labels(self, limits: RuleSet, pcf: str, labels: list[str]) -> None:
        verdict = evaluate(facts(pcf_t_per_t=pcf), limits, on=date(2025, 6, 1))
        assert [label.code for label in verdict.labels] == labels
        assert verdict.outcome is Outcome.PASS

    def test_label_names_its_threshold_and_source(self, limits: RuleSet) -> None:
        (label,) = evaluate(facts(pcf_t_per_t="3.5"), limits, on=date(2025, 6, 1)).labels
        assert (label.threshold, label.source, label.rule_id) == (
            "≤ 4.0 tCO2e/t",
            "REDUXA",
            "limit",
        )

    def test_no_tiers_in_a_period_without_thresholds(self, limits: RuleSet) -> None:
        assert evaluate(facts(pcf_t_per_t="2.5"), limits, on=date(2026, 6, 1)).labels == ()

    def test_max_pcf_for_gives_value_and_tiers_of_the_day(self, limits: RuleSet) -> None:
        limit = limits.max_pcf_for("al_primary_ingot", date(2025, 12, 31))
        assert limit is not None
        assert limit.max_pcf_t_per_t == Decimal("10.0")
        assert [(t.tier.code, t.threshold_t_per_t) for t in limit.tiers] == [
            ("zero", Decimal("3.0")),
            ("low", Decimal("4.0")),
        ]
        later = limits.max_pcf_for("al_primary_ingot", date(2026, 1, 1))
        assert later is not None and later.max_pcf_t_per_t == Decimal("8.0") and not later.tiers
        assert limits.max_pcf_for("al_primary_ingot", date(2024, 12, 31)) is None
        assert limits.max_pcf_for("magnesium", date(2025, 6, 1)) is None


class TestPlausibility:
    @pytest.mark.parametrize("pcf", ["2", "25"])
    def test_bounds_are_included(self, limits: RuleSet, pcf: str) -> None:
        finding = only(evaluate(facts(pcf_t_per_t=pcf), limits, on=date(2025, 6, 1)), "plausible")
        assert finding.outcome is Outcome.PASS

    def test_kg_per_tonne_slip_goes_to_review_with_explanation(self, limits: RuleSet) -> None:
        verdict = evaluate(facts(pcf_t_per_t="15100"), limits, on=date(2025, 6, 1))
        finding = only(verdict, "plausible")
        assert finding.outcome is Outcome.REVIEW
        assert "looks like kgCO2e per tonne entered as per kg" in finding.message_en
        assert "15.1 tCO2e/t would be plausible" in finding.message_en
        assert "1000" in finding.message_zh
        # The limit is not applied to a value that is probably a slip: review, not fail.
        held = only(verdict, "limit")
        assert held.outcome is Outcome.REVIEW
        assert "plausible" in held.message_en
        assert verdict.outcome is Outcome.REVIEW

    def test_thousand_times_too_small_is_explained(self, limits: RuleSet) -> None:
        finding = only(
            evaluate(facts(pcf_t_per_t="0.0151"), limits, on=date(2025, 6, 1)), "plausible"
        )
        assert finding.outcome is Outcome.REVIEW
        assert "1000× too small" in finding.message_en

    def test_below_bounds_without_slip_pattern(self, limits: RuleSet) -> None:
        verdict = evaluate(facts(pcf_t_per_t="1.999"), limits, on=date(2025, 6, 1))
        finding = only(verdict, "plausible")
        assert finding.outcome is Outcome.REVIEW
        assert "far below" in finding.message_en
        assert "looks like" not in finding.message_en
        # Below the near-zero tier, but implausible: no label until a person confirms.
        assert verdict.labels == ()
        assert only(verdict, "limit").outcome is Outcome.REVIEW

    def test_warn_severity_does_not_hold_the_limit(self) -> None:
        ruleset = ruleset_with(MAX_PCF + PLAUSIBILITY.replace('"review"', '"warn"'))
        verdict = evaluate(facts(pcf_t_per_t="30"), ruleset, on=date(2025, 6, 1))
        assert only(verdict, "plausible").outcome is Outcome.WARN
        assert only(verdict, "limit").outcome is Outcome.FAIL


def single(
    kind: str, periods: str = "[{ effective_from = 2025-01-01 }]", **options: str
) -> RuleSet:
    return ruleset_with(rule_toml(kind, periods, **options))


ON = date(2025, 6, 1)


class TestBoundary:
    rules = single("boundary", '[{ effective_from = 2025-01-01, allowed = ["cradle-to-gate"] }]')

    def test_cradle_to_gate_passes(self) -> None:
        assert only(evaluate(facts(), self.rules, on=ON), "test.rule").outcome is Outcome.PASS

    def test_gate_to_gate_fails(self) -> None:
        finding = only(evaluate(facts(boundary="gate-to-gate"), self.rules, on=ON), "test.rule")
        assert finding.outcome is Outcome.FAIL
        assert finding.message_en == "broken: gate-to-gate vs cradle-to-gate"


class TestStandardIn:
    rules = single(
        "standard_in", '[{ effective_from = 2025-01-01, any_of = ["ISO 14067", "PACT"] }]'
    )

    @pytest.mark.parametrize(
        ("standards", "outcome"),
        [
            (("ISO 14067",), Outcome.PASS),
            (("GHG Protocol Product", "PACT"), Outcome.PASS),
            (("GHG Protocol Product",), Outcome.FAIL),
            ((), Outcome.FAIL),
        ],
    )
    def test_one_recognised_standard_suffices(
        self, standards: tuple[str, ...], outcome: Outcome
    ) -> None:
        verdict = evaluate(facts(standards=standards), self.rules, on=ON)
        assert only(verdict, "test.rule").outcome is outcome

    def test_none_named_is_said(self) -> None:
        finding = only(evaluate(facts(standards=()), self.rules, on=ON), "test.rule")
        assert finding.observed == "none named"


class TestVerificationRequired:
    rules = single("verification_required")

    def test_both_given_passes(self) -> None:
        finding = only(evaluate(facts(), self.rules, on=ON), "test.rule")
        assert finding.outcome is Outcome.PASS
        assert finding.observed == "CQC, statement CQC-2025-0042"

    @pytest.mark.parametrize(
        ("changes", "missing"),
        [
            ({"verification_statement_number": None}, "verification_statement_number"),
            ({"verifier_name": "   "}, "verifier_name"),
            (
                {"verifier_name": None, "verification_statement_number": ""},
                "verifier_name, verification_statement_number",
            ),
        ],
    )
    def test_missing_parts_fail_and_are_named(self, changes: dict[str, str], missing: str) -> None:
        finding = only(evaluate(facts(**changes), self.rules, on=ON), "test.rule")
        assert finding.outcome is Outcome.FAIL
        assert finding.observed == f"missing: {missing}"


class TestReferencePeriodRecent:
    rules = single(
        "reference_period_recent", "[{ effective_from = 2025-01-01, max_age = 24 }]", unit="months"
    )

    @pytest.mark.parametrize(
        ("end", "submitted", "outcome"),
        [
            (date(2023, 12, 31), date(2025, 12, 31), Outcome.PASS),  # exactly 24 months
            (date(2023, 12, 31), date(2026, 1, 1), Outcome.FAIL),  # one day more
            (date(2024, 2, 29), date(2026, 2, 28), Outcome.PASS),  # leap day, clamped
            (date(2024, 2, 29), date(2026, 3, 1), Outcome.FAIL),
            (date(2025, 3, 2), date(2025, 3, 1), Outcome.FAIL),  # ends after submission
        ],
    )
    def test_age_at_submission(self, end: date, submitted: date, outcome: Outcome) -> None:
        declaration = facts(
            reference_period_start=date(2023, 1, 1),
            reference_period_end=end,
            submitted_on=submitted,
        )
        finding = only(evaluate(declaration, self.rules, on=date(2026, 3, 1)), "test.rule")
        assert finding.outcome is outcome

    def test_observed_age_in_months_and_days(self) -> None:
        declaration = facts(
            reference_period_end=date(2023, 12, 31),
            submitted_on=date(2026, 1, 1),
            reference_period_start=date(2023, 1, 1),
        )
        finding = only(evaluate(declaration, self.rules, on=ON), "test.rule")
        assert finding.observed.startswith("24 months 1 day ")
        assert finding.expected == "≤ 24 months"


class TestValidityCovers:
    rules = single("validity_covers")

    @pytest.mark.parametrize(
        ("on", "outcome"),
        [
            (date(2023, 12, 31), Outcome.FAIL),  # before the reference period
            (date(2024, 1, 1), Outcome.PASS),
            (date(2027, 12, 31), Outcome.PASS),  # last day of the 3-year default
            (date(2028, 1, 1), Outcome.FAIL),
        ],
    )
    def test_default_validity_is_three_years(self, on: date, outcome: Outcome) -> None:
        rules = single("validity_covers", "[{ effective_from = 2020-01-01 }]")
        assert only(evaluate(facts(), rules, on=on), "test.rule").outcome is outcome

    def test_stated_validity_end_is_used(self) -> None:
        declaration = facts(validity_period_end=date(2025, 6, 30))
        assert (
            only(evaluate(declaration, self.rules, on=date(2025, 6, 30)), "test.rule").outcome
            is Outcome.PASS
        )
        finding = only(evaluate(declaration, self.rules, on=date(2025, 7, 1)), "test.rule")
        assert finding.outcome is Outcome.FAIL
        assert finding.observed == "2024-01-01 to 2025-06-30 (validity end stated)"

    def test_validity_ending_before_the_reference_period_fails(self) -> None:
        declaration = facts(validity_period_end=date(2024, 6, 30))
        rules = single("validity_covers", "[{ effective_from = 2020-01-01 }]")
        # The date lies inside the stated window, but the window itself is incoherent.
        finding = only(evaluate(declaration, rules, on=date(2024, 3, 1)), "test.rule")
        assert finding.outcome is Outcome.FAIL
        assert "before its reference period ends" in finding.observed


class TestRecycledEvidence:
    rules = single(
        "recycled_evidence",
        '[{ effective_from = 2025-01-01, methods = ["segregated", "mass_balance"] }]',
    )
    backed: ClassVar[dict[str, object]] = {
        "recycled_pre_consumer_pct": Decimal(20),
        "recycled_post_consumer_pct": Decimal(60),
        "recycled_method": "segregated",
        "attachments": frozenset({"recycled_evidence"}),
    }

    @pytest.mark.parametrize(
        "changes",
        [{}, {"recycled_pre_consumer_pct": Decimal(0), "recycled_post_consumer_pct": Decimal(0)}],
    )
    def test_no_claim_is_not_applicable(self, changes: dict[str, Decimal]) -> None:
        finding = only(evaluate(facts(**changes), self.rules, on=ON), "test.rule")
        assert finding.outcome is Outcome.NOT_APPLICABLE
        assert finding.message_en == "Not applicable: no recycled content claimed"

    def test_backed_claim_passes(self) -> None:
        finding = only(evaluate(facts(**self.backed), self.rules, on=ON), "test.rule")
        assert finding.outcome is Outcome.PASS
        assert finding.observed.startswith("80 % claimed: 20 % pre-, 60 % post-consumer")

    @pytest.mark.parametrize(
        ("change", "missing"),
        [
            ({"recycled_pre_consumer_pct": None}, "pre/post-consumer split"),
            ({"attachments": frozenset({"declaration"})}, "recycled_evidence attachment"),
            ({"recycled_method": None}, "method (segregated or mass_balance)"),
        ],
    )
    def test_each_missing_piece_fails_and_is_named(
        self, change: dict[str, object], missing: str
    ) -> None:
        finding = only(evaluate(facts(**{**self.backed, **change}), self.rules, on=ON), "test.rule")
        assert finding.outcome is Outcome.FAIL
        assert finding.observed.endswith(f"missing: {missing}")


class TestMinRecycledContent:
    rules = single(
        "min_recycled_content",
        "[{ effective_from = 2025-01-01, min_recycled_content = 75 }]",
        materials='["al_recycled_ingot"]',
        severity="review",
        unit="%",
    )

    @pytest.mark.parametrize(
        ("pre", "post", "outcome"),
        [
            (Decimal(15), Decimal(60), Outcome.PASS),  # 75 exactly
            (Decimal("14.99"), Decimal(60), Outcome.REVIEW),
            (None, Decimal(100), Outcome.PASS),
            (None, None, Outcome.REVIEW),  # not stated
        ],
    )
    def test_minimum(self, pre: Decimal | None, post: Decimal | None, outcome: Outcome) -> None:
        declaration = facts(
            material_code="al_recycled_ingot",
            recycled_pre_consumer_pct=pre,
            recycled_post_consumer_pct=post,
        )
        assert only(evaluate(declaration, self.rules, on=ON), "test.rule").outcome is outcome

    def test_rule_of_another_material_does_not_appear(self) -> None:
        assert evaluate(facts(), self.rules, on=ON).findings == ()


class TestElectricityInstrument:
    rules = single("electricity_instrument", severity="review")

    def test_no_claim_is_not_applicable(self) -> None:
        finding = only(evaluate(facts(), self.rules, on=ON), "test.rule")
        assert finding.outcome is Outcome.NOT_APPLICABLE

    def test_claim_without_instrument_goes_to_review(self) -> None:
        declaration = facts(low_carbon_electricity_claimed=True, electricity_source="hydro")
        finding = only(evaluate(declaration, self.rules, on=ON), "test.rule")
        assert finding.outcome is Outcome.REVIEW
        assert finding.observed == "hydro; instrument not named"

    def test_claim_with_instrument_passes(self) -> None:
        declaration = facts(
            low_carbon_electricity_claimed=True,
            electricity_source="hydro",
            electricity_instrument="I-REC 2024 Yunnan",
        )
        assert only(evaluate(declaration, self.rules, on=ON), "test.rule").outcome is Outcome.PASS


class TestSiteNamed:
    rules = single("site_named", severity="warn")

    def test_named_site_passes(self) -> None:
        finding = only(evaluate(facts(site_name=" Baotou "), self.rules, on=ON), "test.rule")
        assert (finding.outcome, finding.observed) == (Outcome.PASS, "Baotou")

    @pytest.mark.parametrize("site", ["", "   "])
    def test_missing_site_warns_without_changing_the_verdict(self, site: str) -> None:
        verdict = evaluate(facts(site_name=site), self.rules, on=ON)
        assert only(verdict, "test.rule").outcome is Outcome.WARN
        assert verdict.outcome is Outcome.PASS
