"""Recycled-content percentages: pre-consumer, post-consumer and total (ISO 14021)."""

from __future__ import annotations

import re
from decimal import Decimal

from portal.pdfreading.found import FieldName, FoundField
from portal.pdfreading.text import PageText, snippet_at
from portal.pdfreading.units import parse_printed_number

# Patterns are lower case: they run on PageText.lower.
_LABELS = {
    FieldName.RECYCLED_PRE_CONSUMER_PCT: r"pre[-\s]?consumer|post[-\s]?industrial|消费前|工业后",
    FieldName.RECYCLED_POST_CONSUMER_PCT: r"post[-\s]?consumer|消费后",
    FieldName.RECYCLED_CONTENT_PCT: r"recycled\s+(?:content|alumini?um|material|share)"
    r"|scrap[-\s]based\s+share|再生铝(?:含量|比例|占比)?|再生(?:料|材料)?(?:含量|比例|占比)|回收铝含量",
}
LABEL = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _LABELS.items()))
PERCENT = re.compile(r"(?<![\d.,])(?P<number>\d{1,3}(?:[.,]\d+)?)\s*%")
_MAX_GAP = 60


def find_recycled(page: PageText) -> list[FoundField]:
    """Percentages following a recycled-content label on the same line.

    Each label owns the text up to the next label; a total label right after a pre- or
    post-consumer one ("post-consumer recycled content: 35 %") belongs to it.
    """
    found = []
    for line_start, line in page.lines():
        labels = [(m.lastgroup or "", m.start(), m.end()) for m in LABEL.finditer(line)]
        merged: list[tuple[str, int, int]] = []
        for name, start, end in labels:
            if (
                merged
                and name == FieldName.RECYCLED_CONTENT_PCT
                and merged[-1][0] != FieldName.RECYCLED_CONTENT_PCT
                and not re.search(r"\d", line[merged[-1][2] : start])
            ):
                merged[-1] = (merged[-1][0], merged[-1][1], end)
            else:
                merged.append((name, start, end))
        for index, (name, start, end) in enumerate(merged):
            limit = merged[index + 1][1] if index + 1 < len(merged) else len(line)
            percent = PERCENT.search(line, end, min(limit, end + _MAX_GAP))
            if percent is None:
                continue
            value = parse_printed_number(percent["number"])
            if Decimal(value) > 100:
                continue
            snippet = snippet_at(page.text, line_start + start, line_start + percent.end())
            found.append(FoundField(name, value, "%", None, page.number, snippet))
    return found
