"""The rules engine: policy files in rules/ judge supplier declarations (pure core)."""

from portal.checking.engine import evaluate
from portal.checking.facts import DeclarationFacts
from portal.checking.facts_mapping import FactsError, facts_from_mapping
from portal.checking.loader import default_rules_dir, load_ruleset, load_targets
from portal.checking.problems import Problem, RulesError
from portal.checking.ruleset import (
    Kind,
    Material,
    PcfLimit,
    Period,
    Rule,
    RuleSet,
    Severity,
    TierLimit,
    UnknownMaterialError,
)
from portal.checking.ruleset_files import compute_revision, parse_ruleset
from portal.checking.targets import LineBaseline, ProductLine, Targets
from portal.checking.verdict import Finding, Label, Outcome, Verdict

__all__ = [
    "DeclarationFacts",
    "FactsError",
    "Finding",
    "Kind",
    "Label",
    "LineBaseline",
    "Material",
    "Outcome",
    "PcfLimit",
    "Period",
    "Problem",
    "ProductLine",
    "Rule",
    "RuleSet",
    "RulesError",
    "Severity",
    "Targets",
    "TierLimit",
    "UnknownMaterialError",
    "Verdict",
    "compute_revision",
    "default_rules_dir",
    "evaluate",
    "facts_from_mapping",
    "load_ruleset",
    "load_targets",
    "parse_ruleset",
]
