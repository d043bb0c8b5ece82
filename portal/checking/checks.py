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
    observed_zh: str = ""  # the Chinese of `observed` and `expected`; blank: the same text
    expected_zh: str = ""

    @property
    def observed_in_zh(self) -> str:
        """What was observed, in Chinese."""
        return self.observed_zh or self.observed

    @property
    def expected_in_zh(self) -> str:
        """What the rule expects, in Chinese."""
        return self.expected_zh or self.expected


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


BOUNDARY_ZH = {
    "cradle-to-gate": "从摇篮到大门",
    "cradle-to-grave": "从摇篮到坟墓",
    "gate-to-gate": "从大门到大门",
}
METHOD_ZH = {"segregated": "物理隔离", "mass_balance": "质量平衡"}
ELECTRICITY_ZH = {
    "grid": "电网电力",
    "hydro": "水电",
    "wind": "风电",
    "solar": "光伏",
    "mixed_renewable": "混合可再生能源",
    "captive_coal": "自备燃煤电厂",
    "other": "其他",
}
FIELD_ZH = {
    "verifier_name": "核查机构名称",
    "verification_statement_number": "核查声明编号",
}


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
    observed_zh = BOUNDARY_ZH.get(facts.boundary, facts.boundary) if facts.boundary else "未填写"
    return Check(
        _met_or(facts.boundary not in allowed),
        observed,
        " or ".join(allowed),
        observed_zh=observed_zh,
        expected_zh="或".join(BOUNDARY_ZH.get(item, item) for item in allowed),
    )


def check_standard_in(facts: DeclarationFacts, rule: Rule, period: Period, on: date) -> Check:
    """At least one of the recognised standards is named."""
    recognised = period.texts("any_of")
    observed = ", ".join(facts.standards) or "none named"
    expected = "one of: " + ", ".join(recognised)
    return Check(
        _met_or(not set(facts.standards) & set(recognised)),
        observed,
        expected,
        observed_zh="、".join(facts.standards) or "未注明",
        expected_zh="以下之一：" + "、".join(recognised),
    )


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
    expected_zh = "核查机构名称和核查声明编号"
    if missing:
        return Check(
            Status.VIOLATED,
            "missing: " + ", ".join(missing),
            expected,
            observed_zh="缺少：" + "、".join(FIELD_ZH[name] for name in missing),
            expected_zh=expected_zh,
        )
    observed = f"{facts.verifier_name}, statement {facts.verification_statement_number}"
    observed_zh = f"{facts.verifier_name}，核查声明编号 {facts.verification_statement_number}"
    return Check(Status.MET, observed, expected, observed_zh=observed_zh, expected_zh=expected_zh)


def check_reference_period_recent(
    facts: DeclarationFacts, rule: Rule, period: Period, on: date
) -> Check:
    """The reference period ended at most `max_age` months before submission."""
    max_age = period.whole("max_age")
    end, submitted = facts.reference_period_end, facts.submitted_on
    expected = f"≤ {max_age} months"
    expected_zh = f"≤ {max_age} 个月"
    if end > submitted:
        return Check(
            Status.VIOLATED,
            f"ends {end}, after the submission on {submitted}",
            expected,
            observed_zh=f"结束于 {end}，晚于提交日 {submitted}",
            expected_zh=expected_zh,
        )
    months = (submitted.year - end.year) * 12 + submitted.month - end.month
    while add_months(end, months) > submitted:
        months -= 1
    days = (submitted - add_months(end, months)).days
    observed = (
        f"{_count(months, 'month')} {_count(days, 'day')} (ended {end}, submitted {submitted})"
    )
    observed_zh = f"{months} 个月 {days} 天（结束于 {end}，提交于 {submitted}）"
    return Check(
        _met_or(submitted > add_months(end, max_age)),
        observed,
        expected,
        observed_zh=observed_zh,
        expected_zh=expected_zh,
    )


def check_validity_covers(facts: DeclarationFacts, rule: Rule, period: Period, on: date) -> Check:
    """The date checked lies between the reference period's start and the validity's end."""
    start, end = facts.reference_period_start, facts.effective_validity_end
    stated = facts.validity_period_end is not None
    how = "validity end stated" if stated else "PACT default: 3 years after the reference period"
    how_zh = "声明的有效期截止日" if stated else "PACT 默认值：参考期结束后 3 年"
    expected, expected_zh = f"covers {on}", f"覆盖 {on}"
    if end < facts.reference_period_end:
        return Check(
            Status.VIOLATED,
            f"validity ends {end}, before its reference period ends",
            expected,
            observed_zh=f"有效期于 {end} 结束，早于其参考期结束",
            expected_zh=expected_zh,
        )
    return Check(
        _met_or(not start <= on <= end),
        f"{start} to {end} ({how})",
        expected,
        observed_zh=f"{start} 至 {end}（{how_zh}）",
        expected_zh=expected_zh,
    )


def check_recycled_evidence(facts: DeclarationFacts, rule: Rule, period: Period, on: date) -> Check:
    """A recycled-content claim is split pre/post-consumer, evidenced, and states its method."""
    content = facts.recycled_content_pct
    methods = period.texts("methods")
    methods_en = " or ".join(methods)
    methods_zh = "或".join(METHOD_ZH.get(method, method) for method in methods)
    expected = f"pre- and post-consumer split, recycled_evidence attachment, method {methods_en}"
    expected_zh = f"分列消费前与消费后比例，附再生含量证明，方法为{methods_zh}"
    if content is None or content == 0:
        return Check(
            Status.NOT_APPLICABLE,
            "no recycled content claimed",
            expected,
            "未声明再生含量",
            "no recycled content claimed",
            observed_zh="未声明再生含量",
            expected_zh=expected_zh,
        )
    missing: list[tuple[str, str]] = []
    if facts.recycled_pre_consumer_pct is None or facts.recycled_post_consumer_pct is None:
        missing.append(("pre/post-consumer split", "消费前与消费后比例"))
    if AttachmentKind.RECYCLED_EVIDENCE.value not in facts.attachments:
        missing.append(("recycled_evidence attachment", "再生含量证明"))
    if facts.recycled_method not in methods:
        missing.append((f"method ({methods_en})", f"方法（{methods_zh}）"))
    content_text = format_decimal(content)
    claimed, claimed_zh = f"{content_text} % claimed", f"声明 {content_text} %"
    if missing:
        return Check(
            Status.VIOLATED,
            f"{claimed}; missing: " + ", ".join(en for en, _zh in missing),
            expected,
            observed_zh=f"{claimed_zh}；缺少：" + "、".join(zh for _en, zh in missing),
            expected_zh=expected_zh,
        )
    pre = format_decimal(facts.recycled_pre_consumer_pct or Decimal(0))
    post = format_decimal(facts.recycled_post_consumer_pct or Decimal(0))
    method = facts.recycled_method or ""
    observed = f"{claimed}: {pre} % pre-, {post} % post-consumer, {method}, evidence attached"
    observed_zh = (
        f"{claimed_zh}：消费前 {pre} %，消费后 {post} %，{METHOD_ZH.get(method, method)}，已附证明"
    )
    return Check(Status.MET, observed, expected, observed_zh=observed_zh, expected_zh=expected_zh)


def check_min_recycled_content(
    facts: DeclarationFacts, rule: Rule, period: Period, on: date
) -> Check:
    """Recycled content (pre- plus post-consumer) is at least the minimum."""
    minimum = period.decimal("min_recycled_content")
    content = facts.recycled_content_pct
    expected = f"≥ {minimum} %"
    if content is None:
        return Check(Status.VIOLATED, "not stated", expected, observed_zh="未填写")
    return Check(_met_or(content < minimum), f"{format_decimal(content)} %", expected)


def check_electricity_instrument(
    facts: DeclarationFacts, rule: Rule, period: Period, on: date
) -> Check:
    """A low-carbon electricity claim names its instrument."""
    expected = "instrument named (green certificate, I-REC, PPA, …)"
    expected_zh = "注明凭证（绿证、I-REC、购电协议等）"
    if not facts.low_carbon_electricity_claimed:
        return Check(
            Status.NOT_APPLICABLE,
            "no low-carbon electricity claimed",
            expected,
            "未声明使用低碳电力",
            "no low-carbon electricity claimed",
            observed_zh="未声明使用低碳电力",
            expected_zh=expected_zh,
        )
    code = facts.electricity_source
    source = code if code else "source not stated"
    source_zh = ELECTRICITY_ZH.get(code, code) if code else "未注明电力来源"
    if _blank(facts.electricity_instrument):
        return Check(
            Status.VIOLATED,
            f"{source}; instrument not named",
            expected,
            observed_zh=f"{source_zh}；未注明凭证",
            expected_zh=expected_zh,
        )
    instrument = facts.electricity_instrument
    return Check(
        Status.MET,
        f"{source}; {instrument}",
        expected,
        observed_zh=f"{source_zh}；{instrument}",
        expected_zh=expected_zh,
    )


def check_plausibility(facts: DeclarationFacts, rule: Rule, period: Period, on: date) -> Check:
    """The footprint lies within bounds that are usual for the material."""
    value = facts.pcf_t_per_t
    low, high = period.decimal("min"), period.decimal("max")
    observed = f"{format_decimal(value)} {T_PER_T}"
    expected = f"{low} to {high} {T_PER_T}"
    expected_zh = f"{low} 至 {high} {T_PER_T}"
    if low <= value <= high:
        return Check(Status.MET, observed, expected, expected_zh=expected_zh)
    note_zh, note_en = _plausibility_hint(value, low, high)
    return Check(Status.VIOLATED, observed, expected, note_zh, note_en, expected_zh=expected_zh)


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
    expected, expected_zh = "production site or smelter named", "填写生产厂址或冶炼厂"
    if _blank(facts.site_name):
        return Check(
            Status.VIOLATED, "not named", expected, observed_zh="未填写", expected_zh=expected_zh
        )
    return Check(Status.MET, facts.site_name.strip(), expected, expected_zh=expected_zh)
