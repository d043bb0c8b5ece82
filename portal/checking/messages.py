"""Message templates: which placeholders they use, filling them, and the engine's own texts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from string import Formatter

COMMON_PLACEHOLDERS = frozenset(
    {"observed", "expected", "material", "rule_id", "on", "year", "effective_from"}
)


def placeholder_problems(template: str, allowed: Iterable[str]) -> list[str]:
    """What is wrong with the placeholders of `template` (empty if nothing)."""
    allowed = frozenset(allowed)
    try:
        parts = list(Formatter().parse(template))
    except ValueError as error:
        return [f"malformed placeholder ({error}); write {{name}}, or {{{{ and }}}} for braces"]
    problems = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed:
            problems.append(
                f"unknown placeholder {{{name}}}; allowed: "
                + ", ".join(f"{{{known}}}" for known in sorted(allowed))
            )
        elif spec or conversion:
            problems.append(f"placeholder {{{name}}} must not carry a format or conversion")
    return problems


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill a validated template."""
    return template.format_map(values)


def met_message(observed: str, expected: str) -> tuple[str, str]:
    """Chinese and English text of a finding whose rule is met."""
    return (f"符合要求：{observed}（要求：{expected}）", f"Met: {observed} (required: {expected})")


def not_applicable_message(reason_zh: str, reason_en: str) -> tuple[str, str]:
    """Chinese and English text of a rule that does not apply, with why."""
    return (f"不适用：{reason_zh}", f"Not applicable: {reason_en}")


def held_message(rule_ids: Iterable[str]) -> tuple[str, str]:
    """Text of a threshold not judged because the value itself looks implausible."""
    # The plausibility rules' ids stay on the finding (rule_id) for the ESG team; the text
    # people read names the check, not its internal id.
    del rule_ids
    return (
        "暂不判定：申报值超出合理范围，需先人工复核（见合理范围检查）；复核前不授予低碳标签",
        "Not judged yet: the declared value is outside the plausible range and needs a "
        "person's review first (see the plausibility check); no label is given until then",
    )
