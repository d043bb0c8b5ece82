"""The policy in rules/ as the running portal sees it: rule set, materials, targets."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from portal.catalog import revisions
from portal.checking import RuleSet, Targets, load_targets, parse_ruleset
from portal.checking.loader import read_rule_files
from portal.config import get_settings


@lru_cache(maxsize=4)
def _ruleset_at(directory: Path) -> RuleSet:
    files = read_rule_files(directory)
    ruleset = parse_ruleset(files)
    # Kept so that the first verdict, check or purchase under this revision stores its files.
    revisions.loaded(ruleset.revision, files)
    return ruleset


@lru_cache(maxsize=4)
def _targets_at(directory: Path) -> Targets:
    return load_targets(directory)


@lru_cache(maxsize=16)
def _resolved(directory: Path) -> Path:
    # Resolving stats every part of the path; a buyer check asks for the rule set twice.
    return directory.resolve()


def get_ruleset() -> RuleSet:
    """The rule set from the configured rules directory, loaded and validated once."""
    return _ruleset_at(_resolved(get_settings().rules_dir))


def get_targets() -> Targets:
    """The plan's targets and recycled-share goals from the configured rules directory."""
    return _targets_at(_resolved(get_settings().rules_dir))
