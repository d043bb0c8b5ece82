"""Broken rule files are refused, with every problem located by file and key path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from checking_helpers import rule_toml

from portal.checking import Problem, RulesError, load_ruleset

Edit = Callable[[Path, str, str], None]
GOOD_LIMIT = rule_toml(
    "max_pcf",
    "[{ effective_from = 2025-01-01, max_pcf = 10 }, { effective_from = 2026-01-01, max_pcf = 9 }]",
    rule_id="limit",
    unit="tCO2e/t",
)


def problems_of(directory: Path) -> tuple[Problem, ...]:
    with pytest.raises(RulesError) as caught:
        load_ruleset(directory)
    return caught.value.problems


def only_thresholds(directory: Path, text: str) -> Path:
    """Replace the copy's thresholds with one file holding `text`."""
    for path in (directory / "thresholds").iterdir():
        path.unlink()
    (directory / "thresholds" / "test.toml").write_text(text, encoding="utf-8")
    return directory


def assert_problem(problems: tuple[Problem, ...], file: str, key_path: str, text: str) -> None:
    matching = [p for p in problems if p.file == file and p.key_path == key_path]
    assert matching, f"no problem at {file}: {key_path}; got: {[str(p) for p in problems]}"
    assert any(text in p.message for p in matching), [str(p) for p in matching]


def test_a_good_test_file_loads(rules_copy: Path) -> None:
    ruleset = load_ruleset(only_thresholds(rules_copy, GOOD_LIMIT))
    assert [rule.id for rule in ruleset.rules] == ["limit"]


@pytest.mark.parametrize(
    ("periods", "key_path", "text"),
    [
        (
            "[{ effective_from = 2025-01-01, max_pcf = 10 },"
            " { effective_from = 2025-01-01, max_pcf = 9 }]",
            "rules[0].periods[1].effective_from",
            "overlaps periods[0]",
        ),
        (
            "[{ effective_from = 2026-01-01, max_pcf = 10 },"
            " { effective_from = 2025-01-01, max_pcf = 9 }]",
            "rules[0].periods[1].effective_from",
            "strictly increasing",
        ),
        (
            "[{ effective_from = 2025-01-01, effective_to = 2026-01-01, max_pcf = 10 },"
            " { effective_from = 2026-01-01, max_pcf = 9 }]",
            "rules[0].periods[0].effective_to",
            "overlaps periods[1]",
        ),
        (
            "[{ effective_from = 2025-01-01, effective_to = 2025-06-30, max_pcf = 10 },"
            " { effective_from = 2026-01-01, max_pcf = 9 }]",
            "rules[0].periods[1].effective_from",
            "gap: no period is in force from 2025-07-01 to 2025-12-31",
        ),
        (
            "[{ effective_from = 2025-01-01, effective_to = 2024-12-31, max_pcf = 10 }]",
            "rules[0].periods[0].effective_to",
            "before effective_from",
        ),
        (
            '[{ effective_from = "2025-01-01", max_pcf = 10 }]',
            "rules[0].periods[0].effective_from",
            "must be a date",
        ),
        ("[{ effective_from = 2025-01-01 }]", "rules[0].periods[0].max_pcf", "missing"),
        (
            "[{ effective_from = 2025-01-01, max_pcf = -1 }]",
            "rules[0].periods[0].max_pcf",
            "must be greater than 0",
        ),
        (
            '[{ effective_from = 2025-01-01, max_pcf = "ten" }]',
            "rules[0].periods[0].max_pcf",
            "must be a number",
        ),
        (
            "[{ effective_from = 2025-01-01, max_pcf = 10, maximum = 9 }]",
            "rules[0].periods[0].maximum",
            "unknown key",
        ),
        (
            "[{ effective_from = 2025-01-01, max_pcf = 3, tier_thresholds = { gold = 1 } }]",
            "rules[0].periods[0].tier_thresholds.gold",
            "no tier 'gold'",
        ),
        ("[]", "rules[0].periods", "at least one period"),
    ],
)
def test_bad_periods(rules_copy: Path, periods: str, key_path: str, text: str) -> None:
    rule = rule_toml("max_pcf", periods, rule_id="limit", unit="tCO2e/t")
    problems = problems_of(only_thresholds(rules_copy, rule))
    assert_problem(problems, "thresholds/test.toml", key_path, text)


@pytest.mark.parametrize(
    ("old", "new", "key_path", "text"),
    [
        ('kind = "max_pcf"', 'kind = "max_co2"', "rules[0].kind", "'max_co2' is not one of"),
        ('severity = "fail"', 'severity = "block"', "rules[0].severity", "'block' is not one of"),
        ('severity = "fail"\n', "", "rules[0].severity", "missing"),
        ('unit = "tCO2e/t"', 'unit = "kgCO2e/t"', "rules[0].unit", "not the unit of kind max_pcf"),
        ('unit = "tCO2e/t"\n', "", "rules[0].unit", "missing"),
        ('["al_primary_ingot"]', '["unobtainium"]', "rules[0].materials[0]", "unknown material"),
        ('["al_primary_ingot"]', '["*", "magnesium"]', "rules[0].materials", "list it alone"),
        ('id = "limit"', 'id = "Limit!"', "rules[0].id", "must be lower case"),
        ('id = "limit"\n', 'id = "limit"\ncolour = "red"\n', "rules[0].colour", "unknown key"),
        (
            'message_en = "broken: {observed} vs {expected}"',
            'message_en = "broken: {obsreved}"',
            "rules[0].message_en",
            "unknown placeholder {obsreved}",
        ),
        (
            'message_en = "broken: {observed} vs {expected}"',
            'message_en = "broken: {observed"',
            "rules[0].message_en",
            "malformed placeholder",
        ),
        (
            'message_en = "broken: {observed} vs {expected}"',
            'message_en = "broken: {observed!r}"',
            "rules[0].message_en",
            "must not carry a format",
        ),
        (
            'message_en = "broken: {observed} vs {expected}"',
            'message_en = "{hint}"',
            "rules[0].message_en",
            "unknown placeholder {hint}",
        ),
    ],
)
def test_bad_rule_keys(rules_copy: Path, old: str, new: str, key_path: str, text: str) -> None:
    assert old in GOOD_LIMIT
    problems = problems_of(only_thresholds(rules_copy, GOOD_LIMIT.replace(old, new, 1)))
    assert_problem(problems, "thresholds/test.toml", key_path, text)


def test_unit_on_a_kind_without_unit_is_refused(rules_copy: Path) -> None:
    rule = rule_toml("site_named", "[{ effective_from = 2025-01-01 }]", unit="months")
    assert_problem(
        problems_of(only_thresholds(rules_copy, rule)),
        "thresholds/test.toml",
        "rules[0].unit",
        "unknown key",
    )


def test_tiers_only_on_max_pcf(rules_copy: Path) -> None:
    rule = rule_toml("site_named", "[{ effective_from = 2025-01-01 }]", extra="tiers = []")
    assert_problem(
        problems_of(only_thresholds(rules_copy, rule)),
        "thresholds/test.toml",
        "rules[0].tiers",
        "unknown key",
    )


def test_tier_above_the_limit_is_refused(rules_copy: Path) -> None:
    rule = rule_toml(
        "max_pcf",
        "[{ effective_from = 2025-01-01, max_pcf = 3, tier_thresholds = { low = 4 } }]",
        unit="tCO2e/t",
        extra='[[rules.tiers]]\ncode = "low"\ncomparison = "at_most"\nname_zh = "低"\n'
        'name_en = "low"\nsource = "x"\n',
    )
    assert_problem(
        problems_of(only_thresholds(rules_copy, rule)),
        "thresholds/test.toml",
        "rules[0].periods[0].tier_thresholds.low",
        "above this period's max_pcf",
    )


def test_plausibility_min_must_be_below_max(rules_copy: Path) -> None:
    rule = rule_toml(
        "plausibility", "[{ effective_from = 2025-01-01, min = 5, max = 5 }]", unit="tCO2e/t"
    )
    assert_problem(
        problems_of(only_thresholds(rules_copy, rule)),
        "thresholds/test.toml",
        "rules[0].periods[0].max",
        "must be greater than min",
    )


def test_duplicate_ids_and_second_limit_for_a_material(rules_copy: Path) -> None:
    text = GOOD_LIMIT + GOOD_LIMIT.replace('materials = ["al_primary_ingot"]', 'materials = ["*"]')
    problems = problems_of(only_thresholds(rules_copy, text))
    assert_problem(problems, "thresholds/test.toml", "rules[1].id", "duplicate rule id 'limit'")
    assert_problem(
        problems, "thresholds/test.toml", "rules[1].materials", "already has max_pcf rule"
    )


def test_invalid_toml_names_the_file(rules_copy: Path) -> None:
    problems = problems_of(only_thresholds(rules_copy, "[[rules]\nid = "))
    assert_problem(problems, "thresholds/test.toml", "", "not valid TOML")


def test_all_problems_of_all_files_are_collected(rules_copy: Path, edit: Edit) -> None:
    edit(rules_copy / "materials.toml", 'category = "packaging"', 'category = "wrapping"')
    edit(rules_copy / "targets.toml", "2027 = 8.13", '2027 = "8.13"')
    broken = GOOD_LIMIT.replace('severity = "fail"', 'severity = "stop"').replace(
        "max_pcf = 9", "max_pcf = 0"
    )
    problems = problems_of(only_thresholds(rules_copy, broken))
    assert_problem(problems, "materials.toml", "materials.pallet_wood.category", "'wrapping'")
    assert_problem(
        problems, "targets.toml", "lines.alloy.scope3_cat1_tco2e_per_t.2027", "must be a number"
    )
    assert_problem(problems, "thresholds/test.toml", "rules[0].severity", "'stop'")
    assert_problem(
        problems, "thresholds/test.toml", "rules[0].periods[1].max_pcf", "greater than 0"
    )


def test_error_text_names_file_and_key(rules_copy: Path) -> None:
    rule = rule_toml(
        "max_pcf",
        "[{ effective_from = 2025-01-01, max_pcf = 10 },"
        " { effective_from = 2024-01-01, max_pcf = 9 }]",
        unit="tCO2e/t",
    )
    with pytest.raises(RulesError) as caught:
        load_ruleset(only_thresholds(rules_copy, rule))
    assert str(caught.value).startswith(
        "thresholds/test.toml: rules[0].periods[1].effective_from: 2024-01-01 overlaps"
    )


@pytest.mark.parametrize(
    ("old", "new", "key_path", "text"),
    [
        (
            'value = 15.1, unit = "tCO2e/t"',
            'value = 15.1, unit = "kgCO2e/t"',
            "materials.al_primary_ingot.default_factor.unit",
            "write factors in tCO2e/t",
        ),
        (
            'source = "estimate, no authoritative figure collected: rough order of magnitude for '
            "copper",
            'source = "rough order of magnitude for copper',
            "materials.copper.default_factor.source",
            "must say 'estimate'",
        ),
        (
            "aluminium_bearing = true\n",
            "",
            "materials.al_primary_ingot.aluminium_bearing",
            "missing",
        ),
        (
            "recycled_by_nature = true",
            'recycled_by_nature = "yes"',
            "materials.al_scrap_pre_consumer.recycled_by_nature",
            "true or false",
        ),
        ("[materials.al_billet]", "[materials.Al-Billet]", "materials.Al-Billet", "lower case"),
    ],
)
def test_bad_materials(
    rules_copy: Path, edit: Edit, old: str, new: str, key_path: str, text: str
) -> None:
    edit(rules_copy / "materials.toml", old, new)
    assert_problem(problems_of(rules_copy), "materials.toml", key_path, text)


def test_rule_naming_a_material_removed_from_the_catalog(rules_copy: Path, edit: Edit) -> None:
    edit(rules_copy / "materials.toml", "[materials.zinc]", "[materials.zinc_ingot]")
    problems = problems_of(rules_copy)
    assert_problem(
        problems, "thresholds/carbon.toml", "rules[7].materials[1]", "unknown material 'zinc'"
    )


@pytest.mark.parametrize(
    ("old", "new", "key_path", "text"),
    [
        (
            "intensity_tco2e_per_t = 0.82",
            "intensity_tco2e_per_t = 0.92",
            "lines.alloy.baseline.intensity_tco2e_per_t",
            "does not match",
        ),
        ("2026 = 30", "2026 = 130", "recycled_share.goals_pct.2026", "above the maximum 100"),
        ('line = "alloy"', 'line = "casthouse"', "recycled_share.line", "unknown product line"),
        ("dated = 2025-09-15", 'dated = "15.9.2025"', "source.dated", "must be a date"),
        ("2030 = 12.59", "y2030 = 12.59", "lines.extrusion.scope3_cat1_tco2e_per_t.y2030", "years"),
    ],
)
def test_bad_targets(
    rules_copy: Path, edit: Edit, old: str, new: str, key_path: str, text: str
) -> None:
    edit(rules_copy / "targets.toml", old, new)
    assert_problem(problems_of(rules_copy), "targets.toml", key_path, text)


def test_missing_and_unexpected_files(rules_copy: Path) -> None:
    (rules_copy / "targets.toml").unlink()
    (rules_copy / "extra.toml").write_text("x = 1", encoding="utf-8")
    problems = problems_of(rules_copy)
    assert_problem(problems, "targets.toml", "", "file is missing")
    assert_problem(problems, "extra.toml", "", "unexpected rule file")


def test_missing_directory(tmp_path: Path) -> None:
    assert_problem(
        problems_of(tmp_path / "nowhere"), str(tmp_path / "nowhere"), "", "not a directory"
    )


def test_broken_requirements_are_named_by_key(rules_copy: Path) -> None:
    (rules_copy / "requirements.toml").write_text(
        """
[[requirements]]
id = "Scrap"
materials = ["al_scrap_pre_consumer", "unobtainium"]
footprint_declaration = "no"
scrap_class = "end_of_life"
message_zh = "{material}"
message_en = "{price}"

[[requirements]]
id = "requirement.ingot"
materials = ["al_primary_ingot"]
footprint_declaration = false
scrap_class = "pre_consumer"
scrap_class_evidence = true
message_zh = "原铝"
message_en = "ingot"
""",
        encoding="utf-8",
    )
    problems = problems_of(rules_copy)
    file = "requirements.toml"
    assert_problem(problems, file, "requirements[0].id", "lower case words")
    assert_problem(problems, file, "requirements[0].materials[1]", "'unobtainium' is not one of")
    assert_problem(problems, file, "requirements[0].footprint_declaration", "true or false")
    assert_problem(problems, file, "requirements[0].scrap_class", "'end_of_life' is not one of")
    assert_problem(problems, file, "requirements[0].message_en", "unknown placeholder {price}")
    assert_problem(problems, file, "requirements[1].materials[0]", "is not scrap")
