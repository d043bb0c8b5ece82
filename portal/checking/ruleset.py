"""The validated policy: materials, rules with dated periods, targets (pure data)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from portal.checking.targets import Targets

if TYPE_CHECKING:
    from portal.checking.requirements import Requirement

ALL_MATERIALS = "*"
REVISION_DISPLAY_LENGTH = 12

ParamValue = Decimal | int | tuple[str, ...] | Mapping[str, Decimal]


class Kind(StrEnum):
    """What a rule checks; each kind has its own parameters (see kinds.py)."""

    MAX_PCF = "max_pcf"
    BOUNDARY = "boundary"
    STANDARD_IN = "standard_in"
    VERIFICATION_REQUIRED = "verification_required"
    REFERENCE_PERIOD_RECENT = "reference_period_recent"
    VALIDITY_COVERS = "validity_covers"
    RECYCLED_EVIDENCE = "recycled_evidence"
    MIN_RECYCLED_CONTENT = "min_recycled_content"
    ELECTRICITY_INSTRUMENT = "electricity_instrument"
    PLAUSIBILITY = "plausibility"
    SITE_NAMED = "site_named"


class Severity(StrEnum):
    """What a broken rule does: fail rejects, review sends to a person, warn informs."""

    FAIL = "fail"
    REVIEW = "review"
    WARN = "warn"


class Category(StrEnum):
    """Raw materials count towards the recycled share; packaging does not."""

    RAW_MATERIAL = "raw_material"
    PACKAGING = "packaging"


class Comparison(StrEnum):
    """How a value is compared with a tier's threshold."""

    AT_MOST = "at_most"
    BELOW = "below"


class UnknownMaterialError(ValueError):
    """A material code that is not in materials.toml."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"unknown material '{code}'")


@dataclass(frozen=True)
class Material:
    """A catalog material with its average-data default factor and the factor's source."""

    code: str
    name_zh: str
    name_en: str
    category: Category
    aluminium_bearing: bool
    recycled_by_nature: bool
    default_factor_t_per_t: Decimal
    default_factor_source: str
    default_factor_year: int | None
    default_factor_estimate: bool
    default_factor_source_zh: str = ""  # blank: the source is cited as written

    def factor_source(self, language: str) -> str:
        """Where the default factor comes from, in `language` ("zh" or "en")."""
        if language == "zh" and self.default_factor_source_zh:
            return self.default_factor_source_zh
        return self.default_factor_source

    def name(self, language: str) -> str:
        """The material's name in `language` ("zh" or "en")."""
        return self.name_zh if language == "zh" else self.name_en


@dataclass(frozen=True)
class Period:
    """Parameter values in force from `effective_from` to `effective_to` (inclusive; None: open)."""

    effective_from: date
    effective_to: date | None
    params: Mapping[str, ParamValue]

    def covers(self, on: date) -> bool:
        """Whether this period is in force on `on`."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def decimal(self, name: str) -> Decimal:
        """A number parameter."""
        value = self.params[name]
        if not isinstance(value, Decimal):
            raise TypeError(f"parameter {name} is not a number")
        return value

    def whole(self, name: str) -> int:
        """A whole-number parameter."""
        value = self.params[name]
        if not isinstance(value, int):
            raise TypeError(f"parameter {name} is not a whole number")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        """A list-of-strings parameter."""
        value = self.params[name]
        if not isinstance(value, tuple):
            raise TypeError(f"parameter {name} is not a list")
        return value

    def thresholds(self, name: str) -> Mapping[str, Decimal]:
        """A code → number table parameter (empty when not given)."""
        value = self.params.get(name, {})
        if not isinstance(value, Mapping):
            raise TypeError(f"parameter {name} is not a table")
        return value


@dataclass(frozen=True)
class Tier:
    """A label such as "low-carbon" that a low enough footprint earns."""

    code: str
    comparison: Comparison
    name_zh: str
    name_en: str
    source: str
    source_zh: str = ""  # blank: the source is cited as written

    def source_in(self, language: str) -> str:
        """Where the tier comes from, in `language` ("zh" or "en")."""
        return self.source_zh if language == "zh" and self.source_zh else self.source

    def admits(self, value: Decimal, threshold: Decimal) -> bool:
        """Whether `value` earns this tier at `threshold`."""
        return value <= threshold if self.comparison is Comparison.AT_MOST else value < threshold

    def describe(self, threshold: Decimal, unit: str) -> str:
        """The condition in symbols, e.g. "≤ 4.0 tCO2e/t"."""
        symbol = "≤" if self.comparison is Comparison.AT_MOST else "<"
        return f"{symbol} {threshold} {unit}"


@dataclass(frozen=True)
class Rule:
    """One check of the policy, with its parameters over time."""

    id: str
    kind: Kind
    materials: tuple[str, ...]
    severity: Severity
    unit: str | None
    message_zh: str
    message_en: str
    periods: tuple[Period, ...]
    tiers: tuple[Tier, ...]
    file: str
    position: int  # index in the file's rules array, for locating it in messages

    def describe_params(self, period: Period) -> str:
        """The period's parameters for people, e.g. "max_pcf = 15.1 tCO2e/t; low_carbon ≤ 4.0"."""
        parts: list[str] = []
        for name, value in period.params.items():
            if name == "tier_thresholds" and isinstance(value, Mapping):
                parts.extend(
                    f"{tier.code} {tier.describe(value[tier.code], self.unit or '')}"
                    for tier in self.tiers
                    if tier.code in value
                )
            elif isinstance(value, tuple):
                parts.append(f"{name} = {' | '.join(value)}")
            else:
                parts.append(f"{name} = {value} {self.unit or ''}".rstrip())
        return "; ".join(parts)

    def applies_to(self, material_code: str) -> bool:
        """Whether the rule is about this material."""
        return ALL_MATERIALS in self.materials or material_code in self.materials

    def period_on(self, on: date) -> Period | None:
        """The period in force on `on`, if any."""
        return next((period for period in self.periods if period.covers(on)), None)


@dataclass(frozen=True)
class TierLimit:
    """A tier with the threshold in force."""

    tier: Tier
    threshold_t_per_t: Decimal


@dataclass(frozen=True)
class PcfLimit:
    """The maximum footprint for a material on a date, and the tiers below it."""

    rule_id: str
    max_pcf_t_per_t: Decimal
    tiers: tuple[TierLimit, ...]
    period_from: date
    period_to: date | None


MEMO_DAYS = 20_000  # (material, day) pairs remembered: years of days for every material


@dataclass(frozen=True)
class RuleSet:
    """All rule files of one revision, validated."""

    revision: str
    materials: Mapping[str, Material]
    rules: tuple[Rule, ...]
    targets: Targets
    files: tuple[str, ...]
    # Material code → what buying it needs instead of a footprint declaration (requirements.toml).
    requirements: Mapping[str, Requirement] = field(default_factory=dict)
    # Memos of the lookups every evaluation makes; the rule set itself never changes.
    _rules_by_material: dict[str, tuple[Rule, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _periods_by_day: dict[tuple[str, date], tuple[tuple[Rule, Period | None], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def short_revision(self) -> str:
        """The revision as shown to people."""
        return self.revision[:REVISION_DISPLAY_LENGTH]

    def material(self, code: str) -> Material:
        """The material `code`; UnknownMaterialError if the catalog lacks it."""
        try:
            return self.materials[code]
        except KeyError:
            raise UnknownMaterialError(code) from None

    def rules_for(self, material_code: str) -> list[Rule]:
        """Every rule about the material, in the rule set's order."""
        rules = self._rules_by_material.get(material_code)
        if rules is None:
            self.material(material_code)
            rules = tuple(rule for rule in self.rules if rule.applies_to(material_code))
            self._rules_by_material[material_code] = rules
        return list(rules)

    def periods_on(self, material_code: str, on: date) -> tuple[tuple[Rule, Period | None], ...]:
        """Every rule about the material with its period in force on `on` (None: not in force)."""
        key = (material_code, on)
        found = self._periods_by_day.get(key)
        if found is None:
            if len(self._periods_by_day) >= MEMO_DAYS:
                self._periods_by_day.clear()
            found = tuple((rule, rule.period_on(on)) for rule in self.rules_for(material_code))
            self._periods_by_day[key] = found
        return found

    def in_force(self, material_code: str, on: date) -> list[tuple[Rule, Period]]:
        """The rules about the material that are in force on `on`, with their period."""
        return [
            (rule, period)
            for rule, period in self.periods_on(material_code, on)
            if period is not None
        ]

    def max_pcf_for(self, material_code: str, on: date) -> PcfLimit | None:
        """Maximum footprint and tiers for the material on `on`, if a max_pcf rule is in force."""
        for rule, period in self.in_force(material_code, on):
            if rule.kind is Kind.MAX_PCF:
                thresholds = period.thresholds("tier_thresholds")
                tiers = tuple(
                    TierLimit(tier, thresholds[tier.code])
                    for tier in rule.tiers
                    if tier.code in thresholds
                )
                return PcfLimit(
                    rule.id,
                    period.decimal("max_pcf"),
                    tiers,
                    period.effective_from,
                    period.effective_to,
                )
        return None
