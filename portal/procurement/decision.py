"""The buyer check as a pure decision: candidate declarations and the rule set in, answer out.

Policy (what the portal answers to "may we buy this material from this supplier on this date?"):

* The **applicable declaration** is the supplier's declaration for the material that was
  accepted and is valid on the date (its reference period has started and `valid_until` is not
  before the date), whether or not a newer version has replaced it since (ERP back-fills date
  purchases in the past). A version that was rejected or never accepted is never used, even
  once superseded. When several apply, the newest one wins (latest submission, then highest
  version). It is re-evaluated against the rules in force on the date, and the answer says
  which version applied and why (`version_note`).
* A finding with outcome `fail` fails the purchase. A `review` finding is reported as a reason
  but does not fail the purchase, unless its rule's severity is `fail` (a limit the engine held
  back because the value looks implausible): a person accepted the declaration, but nobody has
  judged that limit on this date. `warn` findings are reported and never fail.
* A material whose requirement in rules/requirements.toml needs **no footprint declaration**
  (aluminium scrap: burden-free under the cut-off approach) passes on its default factor, with
  the requirement's message as the reason. Where the requirement asks for the **scrap class
  with evidence**, the supplier's accepted declaration valid on the date must state that class
  (pre- or post-consumer content, ISO 14021) and carry a recycled-content evidence file; without
  one the purchase fails, saying what is missing.
* Without an applicable declaration, a **raw material** fails, with a reason saying why (none
  submitted; only rejected or pending ones; expired on the date; not yet valid on the date).
  **Packaging** passes on the material's default factor with a `warn` reason.
* Emissions use the declaration's footprint when one applies (factor source `declaration`),
  else the material's default factor from materials.toml (`default`). Recycled tonnes use the
  declaration's recycled fraction; aluminium scrap counts 100 %; materials that carry no
  aluminium, and aluminium without an applicable declaration, count 0 %.
* The low-carbon label is the best tier the applicable declaration earns on the date, given
  only when the purchase passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from portal.checking import DeclarationFacts, Finding, Label, Outcome, RuleSet, Verdict, evaluate
from portal.checking.engine import Memo
from portal.checking.facts import AttachmentKind
from portal.checking.requirements import Requirement, ScrapClass
from portal.checking.ruleset import Category, Material

TONNE_PLACES = Decimal("0.000001")
ACCEPTED = "accepted"
PENDING = "in_review"
REJECTED = "rejected"
SUPERSEDED = "superseded"


class ProductLine(StrEnum):
    """The plant's two product lines."""

    ALLOY = "alloy"  # casthouse (铝合金)
    EXTRUSION = "extrusion"  # extrusion (铝挤压)


class FactorSource(StrEnum):
    """Where an emission factor came from."""

    DECLARATION = "declaration"  # supplier-specific: an accepted declaration valid that day
    DEFAULT = "default"  # the material's average-data default from rules/materials.toml


class CheckVerdict(StrEnum):
    """A buyer check's answer."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"


class NoDeclaration(StrEnum):
    """Why no declaration applies on the date."""

    NONE_SUBMITTED = "none_submitted"
    NOT_ACCEPTED = "only_rejected_or_pending"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


@dataclass(frozen=True)
class Replacement:
    """The version that replaced a superseded declaration, and the day it was submitted."""

    version: int
    on: date


@dataclass(frozen=True)
class Candidate:
    """One of the supplier's declarations for the material, as the decision needs it."""

    id: int
    version: int
    status: str
    material_code: str
    pcf_t_per_t: Decimal
    recycled_fraction: Decimal
    reference_period_start: date
    valid_until: date
    submitted_on: date
    submitted_at: datetime
    facts: DeclarationFacts | None  # None when not read: only the one applying is judged
    superseded_status: str | None = None  # the status it had when a newer version replaced it
    replaced_by: Replacement | None = None  # the newer version, when superseded

    @property
    def accepted(self) -> bool:
        """Whether it is accepted, or was when a newer version replaced it."""
        return self.status == ACCEPTED or (
            self.status == SUPERSEDED and self.superseded_status == ACCEPTED
        )

    def valid_on(self, on: date) -> bool:
        """Whether the declaration covers the date."""
        return self.reference_period_start <= on <= self.valid_until

    @property
    def newness(self) -> tuple[date, int, datetime, int]:
        """Sort key: the newest declaration is the greatest."""
        return (self.submitted_on, self.version, self.submitted_at, self.id)


@dataclass(frozen=True)
class Reason:
    """Why the answer is what it is, in both languages."""

    rule_id: str
    outcome: str  # fail / review / warn
    severity: str
    blocking: bool  # this reason fails the purchase
    message_zh: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "rule_id": self.rule_id,
            "outcome": self.outcome,
            "severity": self.severity,
            "blocking": self.blocking,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


@dataclass(frozen=True)
class Answer:
    """The answer to one check."""

    verdict: CheckVerdict
    reasons: tuple[Reason, ...]
    material: Material
    quantity_t: Decimal
    on: date
    product_line: ProductLine
    declaration: Candidate | None
    no_declaration: NoDeclaration | None
    factor_source: FactorSource
    pcf_t_per_t: Decimal
    recycled_fraction: Decimal
    emissions_t: Decimal
    recycled_t: Decimal
    label: Label | None
    ruleset_revision: str
    declaration_note: tuple[str, str] | None = None  # which version applied and why (zh, en)

    @property
    def passed(self) -> bool:
        """Whether the purchase may go ahead without an exception."""
        return self.verdict is CheckVerdict.PASS


def tonnes(value: Decimal) -> Decimal:
    """A tonnage rounded to the ledger's six decimals."""
    return value.quantize(TONNE_PLACES, rounding=ROUND_HALF_UP)


def applicable(candidates: Sequence[Candidate], on: date) -> Candidate | None:
    """The newest declaration accepted (even if since superseded) valid on the date, if any."""
    valid = [c for c in candidates if c.accepted and c.valid_on(on)]
    return max(valid, key=lambda c: c.newness) if valid else None


def version_note(chosen: Candidate, candidates: Sequence[Candidate], on: date) -> tuple[str, str]:
    """Which version applied on the date and why, in both languages."""
    day = on.isoformat()
    span = f"{chosen.reference_period_start} – {chosen.valid_until}"
    zh = f"采用第 {chosen.version} 版（声明 #{chosen.id}），{day} 在其有效期内（{span}）"
    en = f"version {chosen.version} (declaration #{chosen.id}), valid on {day} ({span})"
    older = sum(
        c.id != chosen.id
        and c.accepted
        and c.valid_on(on)
        and c.material_code == chosen.material_code
        for c in candidates
    )
    if older:
        zh += f"；{day} 有 {older + 1} 个已接受的版本有效，采用最新的一版"
        en += f"; the newest of the {older + 1} accepted versions valid on that date"
    if chosen.status == SUPERSEDED:
        if chosen.replaced_by is not None:
            later = chosen.replaced_by
            zh += f"；第 {later.version} 版于 {later.on} 取代了它"
            en += f"; version {later.version} replaced it on {later.on}"
        else:
            zh += "；它已被较新的版本取代，但在该购买日期有效"
            en += "; a newer version has replaced it since"
    return zh, en


def blocks(finding: Finding) -> bool:
    """Whether a finding fails the purchase (see the module's policy)."""
    return finding.outcome is Outcome.FAIL or (
        finding.outcome is Outcome.REVIEW and finding.severity == "fail"
    )


def _finding_reason(finding: Finding) -> Reason:
    return Reason(
        rule_id=finding.rule_id,
        outcome=finding.outcome.value,
        severity=finding.severity,
        blocking=blocks(finding),
        message_zh=finding.message_zh,
        message_en=finding.message_en,
    )


def why_none(candidates: Sequence[Candidate], on: date) -> tuple[NoDeclaration, Reason]:
    """Why no declaration applies on the date, as a code and a reason."""
    rule_id = "procurement.declaration_required"
    accepted = [c for c in candidates if c.accepted]
    day = on.isoformat()
    if not candidates:
        return NoDeclaration.NONE_SUBMITTED, Reason(
            rule_id,
            "fail",
            "fail",
            True,
            f"该供应商未提交此材料的碳足迹声明；原材料须有在 {day} 有效且已接受的声明",
            "The supplier has not submitted a carbon-footprint declaration for this material; "
            f"a raw material needs an accepted declaration valid on {day}",
        )
    if not accepted:
        rejected = sum(c.status == REJECTED for c in candidates)
        pending = sum(c.status == PENDING for c in candidates)
        return NoDeclaration.NOT_ACCEPTED, Reason(
            rule_id,
            "fail",
            "fail",
            True,
            f"该供应商此材料的声明均未被接受（已驳回 {rejected} 份，审核中 {pending} 份）",
            f"None of the supplier's declarations for this material is accepted "
            f"({rejected} rejected, {pending} in review)",
        )
    expired = [c for c in accepted if c.valid_until < on]
    if expired:
        last = max(expired, key=lambda c: (c.valid_until, c.newness))
        return NoDeclaration.EXPIRED, Reason(
            rule_id,
            "fail",
            "fail",
            True,
            f"已接受的声明 #{last.id}（第 {last.version} 版）有效期至 {last.valid_until}，"
            f"在 {day} 已过期",
            f"The accepted declaration #{last.id} (version {last.version}) was valid until "
            f"{last.valid_until}: expired on {day}",
        )
    first = min(accepted, key=lambda c: c.reference_period_start)
    return NoDeclaration.NOT_YET_VALID, Reason(
        rule_id,
        "fail",
        "fail",
        True,
        f"已接受的声明 #{first.id} 自 {first.reference_period_start} 起才有效，不覆盖 {day}",
        f"The accepted declaration #{first.id} is valid only from "
        f"{first.reference_period_start}, not on {day}",
    )


def _packaging_default(material: Material) -> Reason:
    factor = material.default_factor_t_per_t
    return Reason(
        "procurement.packaging_default_factor",
        "warn",
        "warn",
        False,
        f"包装材料无适用的已接受声明：按默认排放因子 {factor} tCO2e/t 计算",
        f"No accepted declaration applies to this packaging: the default factor "
        f"{factor} tCO2e/t is used",
    )


CLASS_NAMES = {
    ScrapClass.PRE_CONSUMER: ("消费前", "pre-consumer"),
    ScrapClass.POST_CONSUMER: ("消费后", "post-consumer"),
}


def without_footprint(
    requirement: Requirement, material: Material, chosen: Candidate | None, on: date
) -> Reason:
    """Why a material that needs no footprint declaration passes or fails (see module policy)."""
    message_zh, message_en = requirement.messages(material, on.isoformat())
    if not requirement.scrap_class_evidence or requirement.scrap_class is None:
        return Reason(requirement.id, "pass", "pass", False, message_zh, message_en)
    class_zh, class_en = CLASS_NAMES[requirement.scrap_class]
    if chosen is None:
        return Reason(
            requirement.id,
            "fail",
            "fail",
            True,
            f"须有供应商在 {on} 有效且已接受的废料类别声明（{class_zh}，ISO 14021）及来源证明",
            f"The policy asks for the supplier's accepted scrap class declaration "
            f"({class_en}, ISO 14021) with evidence of origin, valid on {on}: there is none",
        )
    facts = chosen.facts
    share = None
    if facts is not None:
        share = (
            facts.recycled_pre_consumer_pct
            if requirement.scrap_class is ScrapClass.PRE_CONSUMER
            else facts.recycled_post_consumer_pct
        )
    evidence = facts is not None and AttachmentKind.RECYCLED_EVIDENCE.value in facts.attachments
    if not share or not evidence:
        missing_zh = "未声明该类别含量" if not share else "缺少来源证明文件"
        missing_en = f"states no {class_en} content" if not share else "has no evidence file"
        return Reason(
            requirement.id,
            "fail",
            "fail",
            True,
            f"声明 #{chosen.id}（第 {chosen.version} 版）{missing_zh}；"
            f"政策要求{class_zh}废料类别声明及来源证明",
            f"Declaration #{chosen.id} (version {chosen.version}) {missing_en}; the policy "
            f"asks for the {class_en} scrap class with evidence of origin",
        )
    return Reason(
        requirement.id,
        "pass",
        "pass",
        False,
        f"{message_zh}；废料类别：{class_zh} {share}%（声明 #{chosen.id}，附来源证明）",
        f"{message_en}; scrap class: {class_en} {share} % (declaration #{chosen.id}, "
        f"with evidence)",
    )


class Judge:
    """Answers many checks against one rule set, evaluating each declaration once per date."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._verdicts: dict[tuple[int, date], Verdict] = {}
        # Per declaration: its checks and findings that no date changes (engine.evaluate).
        self._memos: dict[int, Memo] = {}

    def verdict_of(self, candidate: Candidate, on: date) -> Verdict:
        """The rules engine's verdict on the declaration for the date (memoised)."""
        key = (candidate.id, on)
        verdict = self._verdicts.get(key)
        if verdict is None:
            if candidate.facts is None:
                raise ValueError(f"the facts of declaration {candidate.id} were not read")
            memo = self._memos.setdefault(candidate.id, Memo())
            verdict = evaluate(candidate.facts, self.ruleset, on=on, memo=memo)
            self._verdicts[key] = verdict
        return verdict

    def decide(
        self,
        candidates: Sequence[Candidate],
        *,
        material_code: str,
        quantity_t: Decimal,
        on: date,
        product_line: ProductLine,
    ) -> Answer:
        """The answer for buying QUANTITY_T of the material on the date (see module policy)."""
        material = self.ruleset.material(material_code)
        chosen = applicable([c for c in candidates if c.material_code == material.code], on)
        no_declaration: NoDeclaration | None = None
        label: Label | None = None
        requirement = self.ruleset.requirements.get(material.code)
        if requirement is not None and not requirement.footprint_declaration:
            reason = without_footprint(requirement, material, chosen, on)
            # The factor is the default, so no declaration is the purchase's; the reason names
            # the one that gave the scrap class.
            reasons: tuple[Reason, ...] = (reason,)
            chosen, passed = None, not reason.blocking
            factor_source, factor = FactorSource.DEFAULT, material.default_factor_t_per_t
        elif chosen is not None:
            verdict = self.verdict_of(chosen, on)
            reasons = tuple(
                _finding_reason(f)
                for f in verdict.findings
                if f.outcome in (Outcome.FAIL, Outcome.REVIEW, Outcome.WARN)
            )
            factor_source, factor = FactorSource.DECLARATION, chosen.pcf_t_per_t
            passed = not any(reason.blocking for reason in reasons)
            label = verdict.labels[0] if passed and verdict.labels else None
        else:
            factor_source, factor = FactorSource.DEFAULT, material.default_factor_t_per_t
            if material.category is Category.PACKAGING:
                reasons, passed = (_packaging_default(material),), True
            else:
                no_declaration, reason = why_none(candidates, on)
                reasons, passed = (reason,), False
        fraction = recycled_fraction(material, chosen)
        return Answer(
            verdict=CheckVerdict.PASS if passed else CheckVerdict.FAIL,
            reasons=reasons,
            material=material,
            quantity_t=quantity_t,
            on=on,
            product_line=product_line,
            declaration=chosen,
            no_declaration=no_declaration,
            factor_source=factor_source,
            pcf_t_per_t=factor,
            recycled_fraction=fraction,
            emissions_t=tonnes(quantity_t * factor),
            recycled_t=tonnes(quantity_t * fraction),
            label=label,
            ruleset_revision=self.ruleset.revision,
            declaration_note=version_note(chosen, candidates, on) if chosen else None,
        )


def recycled_fraction(material: Material, declaration: Candidate | None) -> Decimal:
    """Recycled aluminium per tonne bought: scrap 1, else the declaration's fraction, else 0."""
    if not material.aluminium_bearing:
        return Decimal(0)
    if material.recycled_by_nature:
        return Decimal(1)
    if declaration is None:
        return Decimal(0)
    return min(max(declaration.recycled_fraction, Decimal(0)), Decimal(1))


def decide(
    candidates: Sequence[Candidate],
    ruleset: RuleSet,
    *,
    material_code: str,
    quantity_t: Decimal,
    on: date,
    product_line: ProductLine,
) -> Answer:
    """One check's answer (see the module's policy)."""
    return Judge(ruleset).decide(
        candidates,
        material_code=material_code,
        quantity_t=quantity_t,
        on=on,
        product_line=product_line,
    )
