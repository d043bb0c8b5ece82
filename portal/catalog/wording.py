"""The rules page in the reader's words: severities, kinds, parameters and message placeholders."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from string import Formatter

from portal.checking import Period, Rule
from portal.checking.checks import BOUNDARY_ZH, METHOD_ZH
from portal.i18n import _, current_locale


def severity_label(severity: str) -> str:
    """What a finding of this severity does to a declaration."""
    labels = {
        "fail": _("fail"),
        "review": _("review"),
        "warn": _("warning"),
    }
    return labels.get(severity, severity)


def kind_label(kind: str) -> str:
    """What a kind of rule checks, in a few words."""
    labels = {
        "max_pcf": _("Footprint limit"),
        "boundary": _("System boundary"),
        "standard_in": _("Recognised standard"),
        "verification_required": _("Third-party verification"),
        "reference_period_recent": _("Reference period recent enough"),
        "validity_covers": _("Validity covers the date"),
        "recycled_evidence": _("Recycled content evidenced"),
        "min_recycled_content": _("Minimum recycled content"),
        "electricity_instrument": _("Low-carbon electricity instrument"),
        "plausibility": _("Plausible footprint"),
        "site_named": _("Production site named"),
    }
    return labels.get(kind, kind)


def _parameter_name(name: str) -> str:
    labels = {
        "max_pcf": _("maximum"),
        "allowed": _("allowed"),
        "any_of": _("any of"),
        "max_age": _("at most"),
        "methods": _("methods"),
        "min_recycled_content": _("minimum"),
        "min": _("lowest plausible"),
        "max": _("highest plausible"),
    }
    return labels.get(name, name)


def _value_text(value: str) -> str:
    if current_locale.get() != "zh":
        return value.replace("_", " ")
    return BOUNDARY_ZH.get(value, METHOD_ZH.get(value, value))


def _unit(unit: str) -> str:
    return {"months": _("months"), "%": "%"}.get(unit, unit)


def parameters(rule: Rule, period: Period) -> str:
    """The period's parameters for people, e.g. "最高 = 15.1 tCO2e/t；低碳铝 ≤ 4.0 tCO2e/t"."""
    zh = current_locale.get() == "zh"
    parts: list[str] = []
    unit = _unit(rule.unit or "")
    for name, value in period.params.items():
        if name == "tier_thresholds" and isinstance(value, Mapping):
            parts.extend(
                f"{tier.name_zh if zh else tier.name_en} {tier.describe(value[tier.code], unit)}"
                for tier in rule.tiers
                if tier.code in value
            )
        elif isinstance(value, tuple):
            joined = ("、" if zh else " | ").join(_value_text(str(item)) for item in value)
            parts.append(f"{_parameter_name(name)} = {joined}")
        elif isinstance(value, Decimal | int | str):
            parts.append(f"{_parameter_name(name)} = {value} {unit}".rstrip())
    return ("；" if zh else "; ").join(parts)


def placeholder_label(name: str) -> str:
    """What a message placeholder stands for."""
    labels = {
        "observed": _("declared value"),
        "expected": _("requirement"),
        "material": _("material"),
        "rule_id": _("rule"),
        "on": _("date checked"),
        "year": _("year"),
        "effective_from": _("in force since"),
        "hint": _("hint"),
    }
    return labels.get(name, name)


def message_parts(template: str) -> list[tuple[str, str]]:
    """TEMPLATE as (text, placeholder's label) pieces, so the page shows words, not {names}."""
    pieces: list[tuple[str, str]] = []
    for literal, name, _spec, _conversion in Formatter().parse(template):
        if literal:
            pieces.append((literal, ""))
        if name:
            pieces.append(("", placeholder_label(name)))
    return pieces
