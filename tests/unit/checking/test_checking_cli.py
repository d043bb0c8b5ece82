"""`portal rules check | show | evaluate` through typer's test runner."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from checking_helpers import GOLDEN_DIR, RULES_DIR
from typer.testing import CliRunner

from portal.checking import RuleSet
from portal.checking.cli import rules_app

runner = CliRunner()
GOLDEN_PRIMARY = GOLDEN_DIR / "primary_low_carbon_hydro.json"


def declaration_file(tmp_path: Path, **changes: object) -> Path:
    data = json.loads(GOLDEN_PRIMARY.read_text(encoding="utf-8"))["declaration"]
    data.update(changes)
    data = {key: value for key, value in data.items() if value is not ...}
    path = tmp_path / "declaration.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_check_ok_prints_revision(real_rules: RuleSet) -> None:
    result = runner.invoke(rules_app, ["check", str(RULES_DIR)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK {RULES_DIR}: revision {real_rules.short_revision} (")
    assert real_rules.revision in result.output


def test_check_defaults_to_the_environment(
    monkeypatch: pytest.MonkeyPatch, rules_copy: Path
) -> None:
    monkeypatch.setenv("PORTAL_RULES_DIR", str(rules_copy))
    result = runner.invoke(rules_app, ["check"])
    assert result.exit_code == 0, result.output
    assert str(rules_copy) in result.output


def test_check_defaults_to_rules_in_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PORTAL_RULES_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(rules_app, ["check"])
    assert result.exit_code == 1
    assert "rules: not a directory" in result.output


def test_check_lists_every_problem_and_exits_1(rules_copy: Path) -> None:
    carbon = rules_copy / "thresholds" / "carbon.toml"
    text = carbon.read_text(encoding="utf-8")
    carbon.write_text(
        text.replace('severity = "fail"', 'severity = "nope"', 1).replace(
            "effective_from = 2027-01-01, max_pcf = 15.0",
            "effective_from = 2025-01-01, max_pcf = 15.0",
        ),
        encoding="utf-8",
    )
    result = runner.invoke(rules_app, ["check", str(rules_copy)])
    assert result.exit_code == 1
    assert "2 problem(s)" in result.output
    assert "thresholds/carbon.toml: rules[0].severity: 'nope' is not one of" in result.output
    assert "thresholds/carbon.toml: rules[0].periods[2].effective_from: 2025-01-01 overlaps" in (
        result.output
    )


def test_show_one_material_on_a_date() -> None:
    result = runner.invoke(
        rules_app,
        ["show", "--material", "al_primary_ingot", "--on", "2027-03-01", "--dir", str(RULES_DIR)],
    )
    assert result.exit_code == 0, result.output
    assert "Rules in force on 2027-03-01 —" in result.output
    assert "(today)" not in result.output
    assert (
        "max_pcf = 15.0 tCO2e/t; near_zero < 3.0 tCO2e/t; low_carbon ≤ 4.0 tCO2e/t" in result.output
    )
    assert "(2027-01-01 … 2027-12-31; thresholds/carbon.toml)" in result.output
    assert "magnesium" not in result.output


def test_show_defaults_to_today_and_says_so() -> None:
    result = runner.invoke(rules_app, ["show", "--dir", str(RULES_DIR)])
    assert result.exit_code == 0, result.output
    assert f"Rules in force on {date.today()} (today)" in result.output
    assert "film_plastic — 塑料薄膜 / Plastic film (packaging)" in result.output


def test_show_lists_rules_not_yet_in_force() -> None:
    result = runner.invoke(
        rules_app, ["show", "--material", "zinc", "--on", "2022-12-31", "--dir", str(RULES_DIR)]
    )
    assert result.exit_code == 0
    assert "not in force on 2022-12-31: max_pcf.copper_zinc" in result.output


@pytest.mark.parametrize(
    ("arguments", "text"),
    [
        (["show", "--material", "gold"], "unknown material 'gold'"),
        (["show", "--on", "yesterday"], "'yesterday' is not a date"),
    ],
)
def test_show_bad_input_exits_2(arguments: list[str], text: str) -> None:
    result = runner.invoke(rules_app, [*arguments, "--dir", str(RULES_DIR)])
    assert result.exit_code == 2
    assert text in result.output


def test_evaluate_prints_the_verdict_as_json(tmp_path: Path) -> None:
    path = declaration_file(tmp_path, pcf_excluding_biogenic=2.9)  # a JSON number
    result = runner.invoke(
        rules_app, ["evaluate", str(path), "--on", "2026-05-10", "--dir", str(RULES_DIR)]
    )
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["outcome"] == "pass"
    assert verdict["evaluated_on"] == "2026-05-10"
    assert [label["code"] for label in verdict["labels"]] == ["near_zero", "low_carbon"]
    assert verdict["findings"][0]["observed"] == "2.9 tCO2e/t"
    assert verdict["findings"][0]["expected"] == "≤ 15.1 tCO2e/t"


def test_evaluate_uses_the_period_of_the_date(tmp_path: Path) -> None:
    path = declaration_file(tmp_path, pcf_excluding_biogenic="15.05")
    outcomes = []
    for on in ("2026-12-31", "2027-01-01"):
        result = runner.invoke(
            rules_app, ["evaluate", str(path), "--on", on, "--dir", str(RULES_DIR)]
        )
        outcomes.append(json.loads(result.output)["outcome"])
    assert outcomes == ["pass", "fail"]


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"submitted_on": ...}, "field submitted_on: missing"),
        (
            {"pcf_excluding_biogenic": "lots"},
            "field pcf_excluding_biogenic: 'lots' is not a number",
        ),
        ({"material_code": "gold"}, "field material_code: unknown material 'gold'"),
    ],
)
def test_evaluate_bad_declaration_exits_2(
    tmp_path: Path, changes: dict[str, object], text: str
) -> None:
    path = declaration_file(tmp_path, **changes)
    result = runner.invoke(
        rules_app, ["evaluate", str(path), "--on", "2026-01-01", "--dir", str(RULES_DIR)]
    )
    assert result.exit_code == 2
    assert text in result.output


@pytest.mark.parametrize(
    ("content", "text"),
    [("{not json", "not valid JSON"), ("[1, 2]", "must hold one JSON object")],
)
def test_evaluate_bad_json_exits_2(tmp_path: Path, content: str, text: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(
        rules_app, ["evaluate", str(path), "--on", "2026-01-01", "--dir", str(RULES_DIR)]
    )
    assert result.exit_code == 2
    assert text in result.output


def test_evaluate_needs_on(tmp_path: Path) -> None:
    result = runner.invoke(rules_app, ["evaluate", str(declaration_file(tmp_path))])
    assert result.exit_code == 2
    assert "--on" in result.output


def test_evaluate_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(
        rules_app, ["evaluate", str(tmp_path / "none.json"), "--on", "2026-01-01"]
    )
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_evaluate_with_broken_rules_exits_1(tmp_path: Path, rules_copy: Path) -> None:
    (rules_copy / "materials.toml").write_text("materials = 3", encoding="utf-8")
    path = declaration_file(tmp_path)
    result = runner.invoke(
        rules_app, ["evaluate", str(path), "--on", "2026-01-01", "--dir", str(rules_copy)]
    )
    assert result.exit_code == 1
    assert "materials.toml: materials: must be a table" in result.output
