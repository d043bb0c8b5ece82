"""One check per kind of rule: facts and parameters in, status with observed/expected out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from portal.checking.facts import AttachmentKind, DeclarationFacts
from portal.checking.ruleset import Period, Rule, TierLimit

T_PER_T = "tCO2e/t"
UNIT_MISTAKE_FACTOR = Decimal(1000)


class Status(StrEnum):
    """Whether the facts meet a rule."""

    MET = "met"
    VIOLATED = "violated"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Check:
    """The result of one check before it becomes a finding."""

    status: Status
    observed: str
    expected: str
    note_zh: str = ""  # why not applicable, or a hint on a violation
    note_en: str = ""
    tiers: tuple[TierLimit, ...] = ()


CheckFunction = Callable[[DeclarationFacts, Rule, Period, date], Check]


def format_decimal(value: Decimal) -> str:
    """A number for people: plain notation, at least four significant digits, no noise."""
    if value == 0:
        return "0"
    step = Decimal(1).scaleb(min(-4, value.adjusted() - 3))
    text = format(value.quantize(step), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"cannot move {day} by {months} months")


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def _met_or(violated: bool) -> Status:
    return Status.VIOLATED if violated else Status.MET


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def check_max_pcf(facts: DeclarationFacts, rule: Rule, period: Period, on: date) -> Check:
    """The footprint is at most the year's maximum; lower tiers earn labels."""
    value = facts.pcf_t_per_t
    limit = period.decimal("max_pcf")
    observed = f"{format_decimal(value)} {T_PER_T}"
    expected = f"≤ {limit} {T_PER_T}"
    if value > limit:
        return Check(Status.VIOLATED, observed, expected)
    thresholds = period.thresholds("tier_thresholds")
    earned = tuple(
        TierLimit(tier, thresholds[tier.code])
        for tier in rule.tiers
        if tier.code in thresholds and tier.admits(value, thresholds[tier.code])
    )
    return Check(Status.MET, observed, expected, tiers=earned)


def check_boundary(facts: DeclarationFacts, rule: Rule, period: Period, on: date) -> Check:
    """The system boundary is one of the allowed ones."""
    allowed = period.texts("allowed")
    observed = facts.boundary or "not stated"
    return Check(_met_or(facts.boundary not in allowed), observed, " or ".join(allowed))


def check_standard_in(facts: DeclarationFacts, rule: Rule, period: Period, on: date) -> Check:
    """At least one of the recognised standards is named."""
    recognised = period.texts("any_of")
    observed = ", ".join(facts.standards) or "none named"
    expected = "one of: " + ", ".join(recognised)
    return Check(_met_or(not set(facts.standards) & set(recognised)), observed, expected)


def check_verification_required(
    facts: DeclarationFacts, rule: Rule, period: Period, on: date
) -> Check:
    """A third-party verifier and the statement number are given."""
    fields = {
        "verifier_name": facts.verifier_name,
        "verification_statement_number": facts.verification_statement_number,
    }
    missing = [name for name, value in fields.items() if _blank(value)]
    expected = "verifier_name and verification_statement_number"
    if missing:
        return Check(Status.VIOLATED, "missing: " + ", ".join(missing), expected)
    observed = f"{facts.verifier_name}, statement {facts.verification_statement_number}"
    return Check(Status.MET, observed, expected)


def check_reference_period_recent(
    facts: DeclarationFacts, rule: Rule, period: Period, on: date
) -> Check:
    """The reference period ended at most `max_age` months before submission."""
    max_age = period.whole("max_age")
    end, submitted = facts.reference_period_end, facts.submitted_on
    expected = f"≤ {max_age} months"
    if end > submitted:
        return Check(Status.VIOLATED, f"ends {end}, after the submission on {submitted}", expected)
    months = (submitted.year - end.year) * 12 + submitted.month - end.month
    while add_months(end, months) > submitted:
        months -= 1
    days = (submitted - add_months(end, months)).days
    observed = (
        f"{_count(months, 'month')} {_count(days, 'day')} (ended {end}, submitted {submitted})"
    )
    return Check(_met_or(submitted > add_months(end, max_age)), observed, expected)


def check_validity_covers(facts: DeclarationFacts, rule: Rule, period: Period, on: date) -> Check:
    """The date checked lies between the reference period's start and the validity's end."""
    start, end = facts.reference_period_start, facts.effective_validity_end
    how = (
        "validity end stated"
        if facts.validity_period_end is not None
        else "PACT default: 3 years after the reference period"
    )
    expected = f"covers {on}"
    if end < facts.reference_period_end:
        observed = f"validity ends {end}, before its reference period ends"
        return Check(Status.VIOLATED, observed, expected)
    observed = f"{start} to {end} ({how})"
    return Check(_met_or(not start <= on <= end), observed, expected)


def check_recycled_evidence(facts: DeclarationFacts, rule: Rule, period: Period, on: date) -> Check:
    """A recycled-content claim is split pre/post-consumer, evidenced, and states its method."""
    content = facts.recycled_content_pct
    methods = period.texts("methods")
    expected = "pre- and post-consumer split, recycled_evidence attachment, method " + " or ".join(
        methods
    )
    if content is None or content == 0:
        return Check(
            Status.NOT_APPLICABLE,
            "no recycled content claimed",
            expected,
            "未声明再生含量",
            "no recycled content claimed",
        )
    missing = []
    if facts.recycled_pre_consumer_pct is None or facts.recycled_post_consumer_pct is None:
        missing.append("pre/post-consumer split")
    if AttachmentKind.RECYCLED_EVIDENCE.value not in facts.attachments:
        missing.append("recycled_evidence attachment")
    if facts.recycled_method not in methods:
        missing.append("method (" + " or ".join(methods) + ")")
    claimed = f"{format_decimal(content)} % claimed"
    if missing:
        return Check(Status.VIOLATED, f"{claimed}; missing: " + ", ".join(missing), expected)
    observed = (
        f"{claimed}: {format_decimal(facts.recycled_pre_consumer_pct or Decimal(0))} % pre-, "
        f"{format_decimal(facts.recycled_post_consumer_pct or Decimal(0))} % post-consumer, "
        f"{facts.recycled_method}, evidence attached"
    )
    return Check(Status.MET, observed, expected)


def check_min_recycled_content(
    facts: DeclarationFacts, rule: Rule, period: Period, on: date
) -> Check:
    """Recycled content (pre- plus post-consumer) is at least the minimum."""
    minimum = period.decimal("min_recycled_content")
    content = facts.recycled_content_pct
    expected = f"≥ {minimum} %"
    if content is None:
        return Check(Status.VIOLATED, "not stated", expected)
    return Check(_met_or(content < minimum), f"{format_decimal(content)} %", expected)


def check_electricity_instrument(
    facts: DeclarationFacts, rule: Rule, period: Period, on: date
) -> Check:
    """A low-carbon electricity claim names its instrument."""
    expected = "instrument named (green certificate, I-REC, PPA, …)"
    if not facts.low_carbon_electricity_claimed:
        return Check(
            Status.NOT_APPLICABLE,
            "no low-carbon electricity claimed",
            expected,
            "未声明使用低碳电力",
            "no low-carbon electricity claimed",
        )
    source = facts.electricity_source or "source not stated"
    if _blank(facts.electricity_instrument):
        return Check(Status.VIOLATED, f"{source}; instrument not named", expected)
    return Check(Status.MET, f"{source}; {facts.electricity_instrument}", expected)


def check_plausibility(facts: DeclarationFacts, rule: Rule, period: Period, on: date) -> Check:
    """The footprint lies within bounds that are usual for the material."""
    value = facts.pcf_t_per_t
    low, high = period.decimal("min"), period.decimal("max")
    observed = f"{format_decimal(value)} {T_PER_T}"
    expected = f"{low} to {high} {T_PER_T}"
    if low <= value <= high:
        return Check(Status.MET, observed, expected)
    note_zh, note_en = _plausibility_hint(value, low, high)
    return Check(Status.VIOLATED, observed, expected, note_zh, note_en)


def _plausibility_hint(value: Decimal, low: Decimal, high: Decimal) -> tuple[str, str]:
    shrunk, grown = value / UNIT_MISTAKE_FACTOR, value * UNIT_MISTAKE_FACTOR
    if value > high and low <= shrunk <= high:
        fixed = format_decimal(shrunk)
        return (
            f"疑似把每吨的 kgCO2e 数值当作每千克填写（大了 1000 倍）："
            f"{fixed} tCO2e/t 才在合理范围内",
            f"looks like kgCO2e per tonne entered as per kg (1000× too large): "
            f"{fixed} tCO2e/t would be plausible",
        )
    if value < low and low <= grown <= high:
        fixed = format_decimal(grown)
        return (
            f"疑似把 tCO2e 数值填在了 kgCO2e 栏（小了 1000 倍）：{fixed} tCO2e/t 才在合理范围内",
            f"looks like tCO2e entered where kgCO2e was expected (1000× too small): "
            f"{fixed} tCO2e/t would be plausible",
        )
    if value > high:
        return (
            "远高于该材料的常见水平，请核对数值和单位",
            "far above what this material usually has; check value and unit",
        )
    return (
        "远低于该材料的常见水平，请核对数值、单位和核算边界",
        "far below what this material usually has; check value, unit and boundary",
    )


def check_site_named(facts: DeclarationFacts, rule: Rule, period: Period, on: date) -> Check:
    """The production site (or smelter) is named."""
    expected = "production site or smelter named"
    if _blank(facts.site_name):
        return Check(Status.VIOLATED, "not named", expected)
    return Check(Status.MET, facts.site_name.strip(), expected)
