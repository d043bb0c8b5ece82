"""Positioned text: the runs pypdf shows while extracting, rebuilt into lines and cells.

A table row is a line whose cells stand apart; a column is the cells that line up under a
header cell. Widths are estimated from the font size (pypdf does not report them), which is
enough to tell a word gap from a column gap.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from portal.pdfreading.text import lowered, normalise

# A gap wider than this many font sizes starts a new cell.
CELL_GAP_EM = 1.2
# Runs whose baselines differ by less than this many font sizes share a line (sub/superscripts).
LINE_TOLERANCE_EM = 0.45
MAX_RUNS_PER_PAGE = 50_000  # a page with more is read from its plain text only


@dataclass
class RunCollector:
    """A pypdf `visitor_text` that records each run's position and size."""

    runs: list[tuple[float, float, float, str]] = field(default_factory=list)
    overflow: bool = False

    def __call__(self, text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if not text or text.isspace():
            return
        if len(self.runs) >= MAX_RUNS_PER_PAGE:
            self.overflow = True
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[2] * cm[1] + tm[3] * cm[3]) or abs(tm[0] * cm[0] + tm[1] * cm[2]) or 1.0
        self.runs.append((float(x), float(y), float(size) * float(scale), text))


@dataclass(frozen=True)
class Cell:
    """Text that stands apart on its line: one table cell, or a run of prose."""

    x: float
    x_end: float  # estimated
    text: str  # normalised
    lower: str


@dataclass(frozen=True)
class Line:
    """Cells sharing a baseline, left to right."""

    y: float
    size: float
    cells: tuple[Cell, ...]

    @property
    def text(self) -> str:
        """The cells' text, separated by wide gaps."""
        return "   ".join(cell.text for cell in self.cells)


@dataclass(frozen=True)
class PageLayout:
    """One page's lines, top to bottom."""

    number: int
    lines: tuple[Line, ...]


@cache
def _char_em(char: str) -> float:
    if char == " ":
        return 0.28
    if unicodedata.east_asian_width(char) in "WF":
        return 1.0
    if char.isupper() or char in "mwMW%":
        return 0.68
    if char.isdigit():
        return 0.556
    return 0.5


def estimated_width(text: str, size: float) -> float:
    """Width of TEXT at font size SIZE, from average glyph widths."""
    if text.isascii():  # most runs: counted in C, not per character in Python
        return size * (0.53 * len(text) - 0.25 * text.count(" "))
    return size * sum(_char_em(char) for char in text)


def page_layout(number: int, runs: Sequence[tuple[float, float, float, str]]) -> PageLayout:
    """Lines and cells from the runs of page NUMBER."""
    pieces: list[tuple[float, float, float, str]] = []
    for x, y, size, text in runs:
        for index, part in enumerate(text.split("\n")):
            if part.strip():
                pieces.append((x, y - index * size * 1.2, size or 1.0, part))
    pieces.sort(key=lambda piece: (-piece[1], piece[0]))
    grouped: list[list[tuple[float, float, float, str]]] = []
    for piece in pieces:
        if grouped:
            last = grouped[-1][0]
            if abs(last[1] - piece[1]) <= LINE_TOLERANCE_EM * max(last[2], piece[2]):
                grouped[-1].append(piece)
                continue
        grouped.append([piece])
    return PageLayout(number, tuple(_line(group) for group in grouped))


def _line(pieces: list[tuple[float, float, float, str]]) -> Line:
    pieces.sort(key=lambda piece: piece[0])
    cells: list[Cell] = []
    parts: list[str] = []
    start = end = 0.0
    size = max(piece[2] for piece in pieces)
    for x, _y, piece_size, text in pieces:
        if parts and x - end > CELL_GAP_EM * piece_size:
            cells.append(_cell(start, end, parts))
            parts = []
        if not parts:
            start = x
        elif x - end > 0.15 * piece_size and not parts[-1].endswith(" "):
            parts.append(" ")
        first = not parts
        parts.append(text)
        run_end = x + estimated_width(text, piece_size)
        end = run_end if first else max(end, run_end)
    if parts:
        cells.append(_cell(start, end, parts))
    baseline = sum(piece[1] for piece in pieces) / len(pieces)
    return Line(baseline, size, tuple(cells))


def _cell(start: float, end: float, parts: list[str]) -> Cell:
    text = " ".join(normalise("".join(parts)).split())
    return Cell(start, end, text, lowered(text))


# Control characters, private-use code points and U+FFFD: what unmapped glyph codes become.
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")


# What documents in Chinese, English and other European languages are written in: Latin,
# Greek, Cyrillic, punctuation, symbols (units, maths, arrows, ①, shapes, ✓), CJK punctuation,
# the CJK unified ideographs and full-width forms. Glyph ids read as code points (a CJK font
# without ToUnicode) land mostly elsewhere: CJK extension A, Yi, Ethiopic, Braille, APL.
_EXPECTED = re.compile(
    "[\t-\r -~\u00a0-\u024f\u0370-\u04ff\u2000-\u22ff\u2460-\u27bf\u3000-\u30ff"
    "\u4e00-\u9fff\uff00-\uffef]"
)


def garbled(text: str) -> bool:
    """Whether extracted text is mostly not text: NULs between characters, unmapped codes,
    or code points of scripts no declaration is written in (glyph ids, not characters)."""
    visible = len(text) - sum(text.count(space) for space in " \n\t\r")
    if visible < 8:
        return False
    if len(_UNREADABLE.findall(text)) > 0.1 * visible:
        return True
    unexpected = len(text) - len(_EXPECTED.findall(text))
    return unexpected > 0.1 * visible


@dataclass
class CodeCollector:
    """A pypdf `visitor_operand_before` that keeps each shown string's raw codes as UTF-16.

    Some CJK fonts carry no usable ToUnicode map, so pypdf decodes their two-byte codes one
    byte at a time (NULs between characters). When the codes are Unicode code points, as
    many Chinese producers write them, reading them as UTF-16 gives the text back.
    """

    runs: list[tuple[float, float, float, str]] = field(default_factory=list)
    size: float = 1.0

    def __call__(self, operator: bytes, operands: Any, cm: Any, tm: Any) -> None:
        if operator == b"Tf" and len(operands) >= 2:
            try:
                self.size = float(operands[1])
            except (TypeError, ValueError):
                self.size = 1.0
            return
        if operator in (b"Tj", b"'", b'"') and operands:
            strings = [operands[-1]]
        elif operator == b"TJ" and operands:
            strings = [item for item in operands[0] if isinstance(item, (str, bytes))]
        else:
            return
        raw = b"".join(_raw_bytes(item) for item in strings)
        if len(raw) % 2 or len(self.runs) >= MAX_RUNS_PER_PAGE:
            return
        try:
            text = raw.decode("utf-16-be")
        except UnicodeDecodeError:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[3] * cm[3]) or 1.0
        self.runs.append((float(x), float(y), self.size * float(scale), text))


def _raw_bytes(item: Any) -> bytes:
    original = getattr(item, "original_bytes", None)
    if isinstance(original, bytes):
        return original
    if isinstance(item, bytes):
        return bytes(item)
    return str(item).encode("latin-1", "replace")
