"""Reading rule files from disk (the only module of the engine that touches the filesystem)."""

from __future__ import annotations

import os
from pathlib import Path

from portal.checking.problems import Problem, RulesError
from portal.checking.ruleset import RuleSet
from portal.checking.ruleset_files import TARGETS_FILE, parse_ruleset, parse_targets_file
from portal.checking.targets import Targets

RULES_DIR_VARIABLE = "PORTAL_RULES_DIR"


def default_rules_dir() -> Path:
    """$PORTAL_RULES_DIR, else ./rules."""
    return Path(os.environ.get(RULES_DIR_VARIABLE) or "rules")


def read_rule_files(directory: Path) -> dict[str, bytes]:
    """Every visible file below `directory`, keyed by its relative posix path."""
    if not directory.is_dir():
        raise RulesError([Problem(str(directory), "", "not a directory")])
    files = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        # Editor swap files, .git and the like are not policy.
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def load_ruleset(directory: Path) -> RuleSet:
    """Read and validate the rule files in `directory`; RulesError lists every problem."""
    return parse_ruleset(read_rule_files(directory))


def load_targets(directory: Path) -> Targets:
    """Read and validate only `directory`/targets.toml (for tracking)."""
    path = directory / TARGETS_FILE
    if not path.is_file():
        raise RulesError([Problem(TARGETS_FILE, "", f"file is missing in {directory}")])
    return parse_targets_file(path.read_bytes())
