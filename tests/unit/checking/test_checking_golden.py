"""Golden cases kept as data: declaration in, expected findings out, on the shipped rules."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from checking_helpers import GOLDEN_DIR

from portal.checking import RuleSet, evaluate, facts_from_mapping

CASES = sorted(GOLDEN_DIR.glob("*.json"))


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_golden_case(real_rules: RuleSet, path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    expected = case["expected"]
    verdict = evaluate(
        facts_from_mapping(case["declaration"]), real_rules, on=date.fromisoformat(case["on"])
    )
    # Every rule of the material, in order, with its outcome.
    assert [(f.rule_id, f.outcome.value) for f in verdict.findings] == list(
        expected["findings"].items()
    )
    assert verdict.outcome.value == expected["outcome"]
    assert [label.code for label in verdict.labels] == expected["labels"]
    observed = {f.rule_id: f.observed for f in verdict.findings}
    for rule_id, text in expected.get("observed", {}).items():
        assert observed[rule_id] == text
