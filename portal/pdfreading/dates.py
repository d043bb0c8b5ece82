"""Dates whose meaning is certain, and what they date (reference period, validity, ...)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from portal.pdfreading.found import FieldName, FoundField
from portal.pdfreading.text import PageText, context_before, snippet_at

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = (
    r"(?<!\d)(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})(?!\d)"
    r"|(?P<zy>\d{4})\s*年\s*(?P<zm>\d{1,2})\s*月\s*(?P<zd>\d{1,2})\s*[日号]"
    rf"|(?<!\d)(?P<ed>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<em>{_MONTH})\.?,?\s+(?P<ey>\d{{4}})(?!\d)"
    rf"|\b(?P<am>{_MONTH})\.?\s+(?P<ad>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ay>\d{{4}})(?!\d)"
    r"|(?<![\d.])(?P<na>\d{1,2})[/.](?P<nb>\d{1,2})[/.](?P<ny>\d{4})(?!\d)"
)
# Patterns are lower case: they run on PageText.lower.
DATE = re.compile(_DATE)
_RANGE_JOIN = re.compile(r"\s*(?:to|until|till|through|-|~|至|到)\s*")

_REFERENCE = (
    r"reference\s+(?:period|year)|reporting\s+(?:period|year)|data\s+collection\s+period"
    r"|period\s+of\s+data|数据(?:时间范围|收集期|期间|年份)|核算(?:期|周期|年度)|参考(?:期|年)"
    r"|评价(?:期|年度)|报告期"
)
_LABELS = {
    "reference": _REFERENCE,
    "valid_from": r"valid\s+from|有效期自",
    "validity": r"valid\s+(?:until|through|thru|to)|validity(?:\s+period)?|expiry\s+date"
    r"|expiration\s+date|expires(?:\s+on)?|有效期(?:至|到)?|到期日期?|失效日期",
    "verification": r"date\s+of\s+verification|verification\s+date|verified\s+on"
    r"|(?:核查|验证)(?:完成)?日期",
    "issue": r"date\s+of\s+issue|issue\s+date|issued\s+on|date\s+issued"
    r"|(?:签发|发布|发证|出具|颁发)日期",
}
LABEL = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _LABELS.items()))
# "Reference period: 2024" or "核算年度：2024年" means the calendar year.
REFERENCE_YEAR = re.compile(
    rf"(?:{_REFERENCE})\s*:?\s*(?:calendar\s+year\s+|year\s+)?(?P<year>\d{{4}})"
    r"(?![-/.]\s*\d|\s*年\s*\d|\d)\s*(?:年度?)?"
)
_SINGLE_NAMES = {
    "reference": FieldName.DATE,  # a single date is not a period
    "valid_from": FieldName.VALIDITY_START,
    "validity": FieldName.VALIDITY_END,
    "verification": FieldName.VERIFICATION_DATE,
    "issue": FieldName.ISSUE_DATE,
}
_RANGE_NAMES = {
    "reference": (FieldName.REFERENCE_PERIOD_START, FieldName.REFERENCE_PERIOD_END),
    "valid_from": (FieldName.VALIDITY_START, FieldName.VALIDITY_END),
    "validity": (FieldName.VALIDITY_START, FieldName.VALIDITY_END),
}


@dataclass(frozen=True)
class DateMatch:
    """A date found in text, with its span."""

    start: int
    end: int
    value: date


def iter_dates(text: str, start: int = 0, end: int | None = None) -> Iterator[DateMatch]:
    """Dates in ISO, Chinese, English-month and unambiguous day/month forms (text in lower case).

    `01/03/2025` is skipped: it is 1 March or 3 January depending on the writer's country.
    Only numeric dates where one part exceeds 12 are read that way.
    """
    for match in DATE.finditer(text, start, len(text) if end is None else end):
        value = _to_date(match)
        if value is not None:
            yield DateMatch(match.start(), match.end(), value)


def find_dates(page: PageText) -> list[FoundField]:
    """Dates, named by the label before them; two dates joined by "to"/"至" form a period."""
    found: list[FoundField] = []
    text, number = page.lower, page.number
    dates = [dated for start, end in page.spans for dated in iter_dates(text, start, end)]
    index = 0
    while index < len(dates):
        first = dates[index]
        kind = _label_kind(text, first.start)
        second = dates[index + 1] if index + 1 < len(dates) else None
        is_range = second is not None and _RANGE_JOIN.fullmatch(text[first.end : second.start])
        if second is not None and is_range and kind in _RANGE_NAMES:
            snippet = snippet_at(page.text, first.start, second.end)
            for name, dated in zip(_RANGE_NAMES[kind], (first, second), strict=True):
                found.append(FoundField(name, dated.value.isoformat(), None, None, number, snippet))
            index += 2
            continue
        name = _SINGLE_NAMES.get(kind or "", FieldName.DATE)
        snippet = snippet_at(page.text, first.start, first.end)
        found.append(FoundField(name, first.value.isoformat(), None, None, number, snippet))
        index += 1
    for match in page.finditer(REFERENCE_YEAR):
        year = int(match["year"])
        snippet = snippet_at(page.text, match.start(), match.end())
        for name, value in (
            (FieldName.REFERENCE_PERIOD_START, date(year, 1, 1)),
            (FieldName.REFERENCE_PERIOD_END, date(year, 12, 31)),
        ):
            found.append(FoundField(name, value.isoformat(), None, None, number, snippet))
    return found


def _label_kind(text: str, position: int) -> str | None:
    """The kind of the nearest date label before `position` on its line, if any."""
    labels = list(LABEL.finditer(context_before(text, position, max_chars=60)))
    return labels[-1].lastgroup if labels else None


def _to_date(match: re.Match[str]) -> date | None:
    if match["iy"]:
        parts = (match["iy"], match["im"], match["id"])
    elif match["zy"]:
        parts = (match["zy"], match["zm"], match["zd"])
    elif match["ey"]:
        parts = (match["ey"], str(_MONTHS[match["em"]]), match["ed"])
    elif match["ay"]:
        parts = (match["ay"], str(_MONTHS[match["am"]]), match["ad"])
    else:
        first, second = int(match["na"]), int(match["nb"])
        if first > 12 >= second:
            parts = (match["ny"], match["nb"], match["na"])
        elif second > 12 >= first:
            parts = (match["ny"], match["na"], match["nb"])
        else:
            return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None
