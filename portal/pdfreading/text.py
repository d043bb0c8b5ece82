"""Page text as extracted, made uniform enough for patterns to match."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
# Some PDFs place each CJK glyph on its own and pypdf puts a space between them ("碳 足 迹").
# Only such alternating runs are joined: a single space between two words is a table gap.
_SPACED_OUT_CJK = re.compile(rf"(?:[{_CJK}] ){{2,}}[{_CJK}]")
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


def normalise(text: str) -> str:
    """NFKC (full-width to ASCII, CO₂ to CO2), one kind of dash, spaced-out Chinese joined."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return _SPACED_OUT_CJK.sub(lambda run: run[0].replace(" ", ""), text)


def context_before(text: str, position: int, *, max_chars: int = 80) -> str:
    """The text before `position` on its line; the previous line too when the line starts there."""
    line_start = text.rfind("\n", 0, position) + 1
    before = text[line_start:position]
    if not before.strip() and line_start > 0:
        previous_start = text.rfind("\n", 0, line_start - 1) + 1
        before = text[previous_start : line_start - 1] + " " + before
    return before[-max_chars:]


def snippet_at(text: str, start: int, end: int, *, max_chars: int = 120) -> str:
    """The matched text, with the start of its line for context, cut to `max_chars`."""
    line_start = text.rfind("\n", 0, start) + 1
    lead = text[max(line_start, start - 40) : start]
    return " ".join((lead + text[start:end]).split())[:max_chars]


def lowered(text: str) -> str:
    """Lower case with the same length, so spans found in it index the original text."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


# A field's line holds a digit, "%", ":" or Chinese, or one of these words; other lines
# (running prose) are skipped, which keeps reading a long report fast.
_FIELD_CHARACTER = re.compile(rf"[\d%:{_CJK}]")
_FIELD_WORDS = ("verif", "assur", "pact", "pathfinder", "partnership", "ghg", "life cycle")


@dataclass(frozen=True)
class PageText:
    """One page's normalised text, its lower-case twin, and the spans that may hold fields."""

    number: int  # 1-based
    text: str
    lower: str  # patterns run on this (faster than case-insensitive matching)
    spans: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, number: int, extracted: str) -> PageText:
        """Normalise what pypdf extracted from page `number`."""
        text = normalise(extracted)
        lower = lowered(text)
        return cls(number, text, lower, _field_spans(lower))

    def finditer(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Matches of `pattern` (lower case) within the spans that may hold fields."""
        for start, end in self.spans:
            yield from pattern.finditer(self.lower, start, end)

    def lines(self) -> Iterator[tuple[int, str]]:
        """(offset, line) of each line within the spans, lower case."""
        for start, end in self.spans:
            for line in self.lower[start:end].split("\n"):
                yield start, line
                start += len(line) + 1


def _field_spans(lower: str) -> tuple[tuple[int, int], ...]:
    """Lines that may hold a field, each with the line after it (a unit may wrap), merged."""
    starts = [0] + [m.end() for m in re.finditer("\n", lower)]
    ends = [s - 1 for s in starts[1:]] + [len(lower)]
    chosen = {bisect_right(starts, m.start()) - 1 for m in _FIELD_CHARACTER.finditer(lower)}
    for word in _FIELD_WORDS:
        position = lower.find(word)
        while position != -1:
            chosen.add(bisect_right(starts, position) - 1)
            position = lower.find(word, position + 1)
    spans: list[tuple[int, int]] = []
    for line in sorted(chosen):
        start, end = starts[line], ends[min(line + 1, len(ends) - 1)]
        if spans and start <= spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return tuple(spans)
