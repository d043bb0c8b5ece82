"""Fixtures for the rules-engine tests: the real rule set and a private copy of rules/."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from checking_helpers import RULES_DIR

from portal.checking import RuleSet, load_ruleset


@pytest.fixture(scope="session")
def real_rules() -> RuleSet:
    """The rule set shipped in rules/."""
    return load_ruleset(RULES_DIR)


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A private copy of rules/ to break or change."""
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


@pytest.fixture
def edit() -> Callable[[Path, str, str], None]:
    """Replace text in a rule file, insisting that the old text is there."""

    def replace_text(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return replace_text
