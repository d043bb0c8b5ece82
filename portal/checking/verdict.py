"""The engine's answer: a verdict with one finding per rule and the labels earned (JSON-safe)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """Outcome of a finding; a verdict's outcome is only pass, fail or review."""

    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    REVIEW = "review"
    WARN = "warn"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Finding:
    """What one rule found about one declaration, in both languages."""

    rule_id: str
    kind: str
    severity: str
    outcome: Outcome
    observed: str
    expected: str
    message_zh: str
    message_en: str
    period_from: date | None
    period_to: date | None
    observed_zh: str = ""  # blank in verdicts stored before both languages were kept
    expected_zh: str = ""

    @property
    def observed_text(self) -> str:
        """What was observed, in the request's language."""
        from portal.i18n import pick

        return pick(self.observed_zh or self.observed, self.observed)

    @property
    def expected_text(self) -> str:
        """What the rule expects, in the request's language."""
        from portal.i18n import pick

        return pick(self.expected_zh or self.expected, self.expected)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        data = asdict(self)
        data["outcome"] = self.outcome.value
        data["period_from"] = _iso(self.period_from)
        data["period_to"] = _iso(self.period_to)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Rebuild from `to_dict()` output."""
        return cls(
            rule_id=data["rule_id"],
            kind=data["kind"],
            severity=data["severity"],
            outcome=Outcome(data["outcome"]),
            observed=data["observed"],
            expected=data["expected"],
            message_zh=data["message_zh"],
            message_en=data["message_en"],
            period_from=_day(data["period_from"]),
            period_to=_day(data["period_to"]),
            observed_zh=data.get("observed_zh", ""),
            expected_zh=data.get("expected_zh", ""),
        )


@dataclass(frozen=True)
class Label:
    """A tier the footprint earned, e.g. low-carbon aluminium."""

    code: str
    name_zh: str
    name_en: str
    rule_id: str
    observed: str
    threshold: str
    source: str
    source_zh: str = ""  # blank in labels stored before sources had a Chinese citation

    @property
    def source_text(self) -> str:
        """Where the tier comes from, in the request's language."""
        from portal.i18n import pick

        return pick(self.source_zh or self.source, self.source)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Label:
        """Rebuild from `to_dict()` output."""
        return cls(**{name: data.get(name, "") for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Verdict:
    """The decision on one declaration for one date, and the policy revision that made it."""

    outcome: Outcome
    material_code: str
    findings: tuple[Finding, ...]
    labels: tuple[Label, ...]
    ruleset_revision: str
    evaluated_on: date

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "outcome": self.outcome.value,
            "material_code": self.material_code,
            "evaluated_on": self.evaluated_on.isoformat(),
            "ruleset_revision": self.ruleset_revision,
            "labels": [label.to_dict() for label in self.labels],
            "findings": [finding.to_dict() for finding in self.findings],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        """Rebuild from `to_dict()` output (e.g. stored JSON)."""
        return cls(
            outcome=Outcome(data["outcome"]),
            material_code=data["material_code"],
            findings=tuple(Finding.from_dict(item) for item in data["findings"]),
            labels=tuple(Label.from_dict(item) for item in data["labels"]),
            ruleset_revision=data["ruleset_revision"],
            evaluated_on=date.fromisoformat(data["evaluated_on"]),
        )

    def findings_with(self, outcome: Outcome) -> list[Finding]:
        """The findings that came out as `outcome`."""
        return [finding for finding in self.findings if finding.outcome is outcome]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text is not None else None
