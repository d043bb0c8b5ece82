"""Tables on a page: which line heads a figure's column, its caption, its unit column."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from portal.pdfreading.co2e import Co2eUnit, find_unit
from portal.pdfreading.layout import Cell, Line
from portal.pdfreading.numbers import find_numbers

TABLE_GAP_EM = 3.2  # a vertical gap wider than this ends a table
_MAX_TABLE_LINES = 60
_UNIT_HEADER = re.compile(r"^\s*(?:units?|einheit|unité|单位|计量单位)\b|^\s*(?:单位|unit)\s*$")


class PageLines:
    """A page's lines with what the table search asks of each, worked out once."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self.lines = lines
        self.has_number = [any(find_numbers(c.text) for c in line.cells) for line in lines]
        self.states_figure = [
            any(
                unit_after(cell.lower, number.end) is not None
                for cell in line.cells
                for number in find_numbers(cell.text)
            )
            if has
            else False
            for line, has in zip(lines, self.has_number, strict=True)
        ]
        self.headers: dict[int, int | None] = {}

    def __getitem__(self, index: int) -> Line:
        return self.lines[index]

    def __len__(self) -> int:
        return len(self.lines)


def unit_wrapped(rest: str, cell: Cell, next_line: Line) -> Co2eUnit | None:
    """A unit that a line break split from its figure ("… is 11.8 t" / "CO2e per tonne.")."""
    below = aligned(cell, next_line)
    if below is None or below.x > cell.x + 12.0:
        return None
    joined = f"{rest} {below.lower}"
    unit = unit_after(joined, 0)
    if unit is None:
        return None
    return replace(unit, start=unit.start + len(cell.lower) - len(rest), end=len(cell.lower))


def unit_after(lower: str, end: int) -> Co2eUnit | None:
    unit = find_unit(lower, end, end + 48)
    if unit is None or lower[end : unit.start].strip(" ([") != "":
        return None
    return unit


def header_line(lines: PageLines, index: int) -> int | None:
    """The nearest line above that looks like a table header (cells, none of them numbers)."""
    if index not in lines.headers:
        lines.headers[index] = _find_header(lines, index)
    return lines.headers[index]


def _find_header(lines: PageLines, index: int) -> int | None:
    below = lines[index]
    for above in range(index - 1, max(-1, index - _MAX_TABLE_LINES), -1):
        line = lines[above]
        if line.y - below.y > TABLE_GAP_EM * max(line.size, 1.0):
            return None
        if len(line.cells) >= 2 and not lines.has_number[above]:
            return above
        if len(line.cells) == 1 and len(line.cells[0].text) > 60:
            return None  # prose, not a table
        if lines.headers.get(above, -1) is not None and above in lines.headers:
            return lines.headers[above]  # the row above belongs to the same table
        below = line
    return None


def header_index(lines: PageLines, index: int) -> int:
    header = header_line(lines, index)
    return index if header is None else header


def caption(lines: PageLines, top: int) -> str:
    """Up to three lines above a table (or a line), stopping at a wide gap."""
    parts = []
    below = lines[top]
    for above in range(top - 1, max(-1, top - 4), -1):
        line = lines[above]
        if line.y - below.y > TABLE_GAP_EM * 1.6 * max(line.size, 1.0):
            break
        if (len(line.cells) > 1 and lines.has_number[above]) or lines.states_figure[above]:
            break  # a row of another table, or a statement of its own figure
        parts.append(" ".join(cell.lower for cell in line.cells))
        below = line
    return " ".join(reversed(parts))


def aligned(cell: Cell, header: Line) -> Cell | None:
    """The header cell over CELL: nearest by left edge, right edge or centre."""
    best, distance = None, float("inf")
    centre = (cell.x + cell.x_end) / 2
    for candidate in header.cells:
        gap = min(
            abs(candidate.x - cell.x),
            abs(candidate.x_end - cell.x_end),
            abs((candidate.x + candidate.x_end) / 2 - centre),
        )
        if gap < distance:
            best, distance = candidate, gap
    limit = max(24.0, (cell.x_end - cell.x))
    return best if distance <= limit else None


def header_like(lines: PageLines, index: int) -> bool:
    return len(lines[index].cells) >= 2 and not lines.has_number[index]


def column_header(cell: Cell, header: Line) -> Cell | None:
    """The header cell whose column (from its start to the next one's) holds CELL's centre.

    This finds the column whether the header and the figures are aligned left, centred or
    right; left of the first header cell, only a nearby one counts.
    """
    centre = (cell.x + cell.x_end) / 2
    heads = sorted(header.cells, key=lambda head: head.x)
    chosen = None
    for head in heads:
        if head.x - 3.0 <= centre:
            chosen = head
    if chosen is None:
        first = heads[0]
        return first if first.x - cell.x_end <= 12.0 else None
    if chosen is heads[-1] and centre > chosen.x_end + 60.0:
        return None
    return chosen


def row_unit(line: Line, position: int, header: Line | None) -> str:
    if header is not None:
        for head in header.cells:
            if _UNIT_HEADER.search(head.lower):
                for index, cell in enumerate(line.cells):
                    if index != position and column_header(cell, header) is head:
                        return cell.lower
    for index, cell in enumerate(line.cells):
        if index != position and find_unit(cell.lower) and not find_numbers(cell.text):
            return cell.lower
    return ""
