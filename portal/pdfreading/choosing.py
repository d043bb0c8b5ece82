"""Which figure is the product's footprint: every CO2e-per-mass figure scored by its cues.

A figure's unit comes from the nearest place that states one: its own cell, the row's unit
column, its column header, the table's caption, then the document's declared unit.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from portal.pdfreading import co2e, cues, tables
from portal.pdfreading.candidates import Candidate
from portal.pdfreading.co2e import (
    Co2eUnit,
    DeclaredUnit,
    find_declared_unit,
    find_unit,
    mass_before,
    mass_label,
    other_indicator_unit,
)
from portal.pdfreading.layout import Cell, PageLayout
from portal.pdfreading.numbers import Number, decimal_comma_document, find_numbers

MAX_CANDIDATES = 12
_SHARE = re.compile(r"%|share|proportion|占比|比例|百分比|percent")
_CLAUSE = re.compile(r"[，；。;]|(?<!\d)[,.](?!\d)")
_PLAUSIBLE = (Decimal("0.05"), Decimal(60))


@dataclass
class _Found:
    """A candidate as it is being scored, with where it sits in its table."""

    number: Number
    unit: str
    t_per_t: Decimal
    page: int
    snippet: str
    score: float
    reasons: list[str]
    table: tuple[int, int] | None  # (page, header line index)
    column_x: float
    column: str  # the column header's text
    row_y: float
    row_kind: str  # "ghg", "fossil", "luluc", "" (other)
    numerator_kg: Decimal
    per_kg: Decimal


@dataclass(frozen=True)
class _Context:
    before: str  # the cell's text before the figure, from the start of its clause
    row_label: str
    row_text: str
    header: str
    caption: str
    unit: Co2eUnit | None
    unit_text: str  # where the unit was read, for the denominator's search
    in_table: bool
    shown: str = ""  # row label and column header as printed, for the snippet


def declared_unit_of(layouts: Sequence[PageLayout]) -> DeclaredUnit | None:
    """The first declared or functional unit the document states, on any page."""
    for layout in layouts:
        for line in layout.lines:
            lower = "   ".join(cell.lower for cell in line.cells)
            found = find_declared_unit(lower, layout.number, line.text)
            if found is not None:
                return found
    return None


def choose_footprint(
    layouts: Sequence[PageLayout], *, source: str = "text", ocr_pages: Collection[int] = ()
) -> tuple[Candidate | None, tuple[Candidate, ...]]:
    """The chosen footprint (with its confidence) and the ranked candidates.

    Candidates on OCR_PAGES (read from a scan image) have the source "ocr", others SOURCE.
    """
    text = "\n".join(line.text for layout in layouts for line in layout.lines)
    decimal_comma = decimal_comma_document(text)
    declared = declared_unit_of(layouts)
    found: list[_Found] = []
    for layout in layouts:
        page_lines = tables.PageLines(layout.lines)
        for index, line in enumerate(layout.lines):
            for position, cell in enumerate(line.cells):
                previous_end = 0  # the end of the cell's previous figure with a unit
                for number in find_numbers(cell.text, decimal_comma=decimal_comma):
                    item = _candidate(
                        layout, page_lines, index, position, cell, number, previous_end, declared
                    )
                    if item is not None:
                        found.append(item)
                    if tables.unit_after(cell.lower, number.end) is not None:
                        previous_end = number.end
    found += _fossil_plus_luluc(found)
    return _rank(found, declared, source, frozenset(ocr_pages))


def _candidate(
    layout: PageLayout,
    lines: tables.PageLines,
    index: int,
    position: int,
    cell: Cell,
    number: Number,
    previous_end: int,
    declared: DeclaredUnit | None,
) -> _Found | None:
    lower = cell.lower
    if lower[number.end : number.end + 2].lstrip().startswith("%"):
        return None
    context = _context(lines, index, position, cell, number, previous_end)
    unit = context.unit
    if unit is None or unit.per_other is not None:
        return None
    reasons: list[str] = []
    per_kg = unit.per_kg
    if per_kg is None:
        per_kg = mass_before(context.before + " " + context.unit_text)
    if per_kg is None:
        caption_unit = find_declared_unit(context.caption, layout.number, context.caption)
        if caption_unit is not None:
            per_kg = caption_unit.kg
            reasons.append(f"per declared unit {mass_label(per_kg)} (caption)")
    if per_kg is None and declared is not None:
        per_kg = declared.kg
        reasons.append(f"per declared unit {mass_label(per_kg)} (page {declared.page})")
    if per_kg is None or per_kg <= 0:
        return None
    t_per_t = number.value * unit.numerator_kg / per_kg
    score, row_kind = _score(context, number, reasons)
    if not _PLAUSIBLE[0] <= t_per_t <= _PLAUSIBLE[1]:
        score -= 2.0
        reasons.append(cues.IMPLAUSIBLE)
    table = (layout.number, index) if context.in_table else None
    return _Found(
        number=number,
        unit=f"{mass_label(unit.numerator_kg)}CO2e/{mass_label(per_kg)}",
        t_per_t=t_per_t,
        page=layout.number,
        snippet=_snippet(context, cell, number),
        score=score,
        reasons=reasons,
        table=None if table is None else (table[0], tables.header_index(lines, index)),
        column_x=cell.x,
        column=context.header,
        row_y=round(layout.lines[index].y, 1),
        row_kind=row_kind,
        numerator_kg=unit.numerator_kg,
        per_kg=per_kg,
    )


def _context(
    lines: tables.PageLines,
    index: int,
    position: int,
    cell: Cell,
    number: Number,
    previous_end: int,
) -> _Context:
    line = lines[index]
    lower = cell.lower
    before = lower[previous_end : number.start]
    clauses = list(_CLAUSE.finditer(before))
    if clauses:
        before = before[clauses[-1].end() :]
    unit = tables.unit_after(lower, number.end)
    residue = lower[: number.start] + lower[unit.end if unit else number.end :]
    bare = len(re.sub(r"[^a-z0-9\u3400-\u9fff]", "", residue)) <= 3
    ends_line = len(lower) - (number.end if unit is None else unit.end) <= 12
    bare_unit = unit is not None and unit.per_kg is None and not unit.per_declared
    bare_unit = bare_unit and unit is not None and unit.per_other is None
    if (unit is None or bare_unit) and not bare and ends_line and index + 1 < len(lines):
        wrapped = tables.unit_wrapped(lower[number.end :], cell, lines[index + 1])
        if wrapped is not None and (unit is None or wrapped.per_kg is not None):
            unit = wrapped
    if not before.strip() and index > 0:
        above = tables.aligned(cell, lines[index - 1])
        if above is not None and not find_numbers(above.text):
            before = above.lower[-80:] + " " + before
    if unit is None and co2e.PACT_FIELD.search(before or line.cells[0].lower):
        unit = co2e.PER_DECLARED_KG  # a PACT field: kg CO2e per declared unit, by definition
    if not bare:  # a number in prose: its own clause is its context
        caption = tables.caption(lines, index)
        return _Context(before, "", "", "", caption, unit, lower, False)
    header_line = tables.header_line(lines, index) if len(line.cells) > 1 else None
    header = shown_header = ""
    top = index
    if header_line is not None:
        top = header_line
        # A header may take two lines ("GWP-GHG" over "[kg CO2e]"): read both.
        for head_index in (header_line - 1, header_line):
            if head_index < 0 or (
                head_index < header_line and not tables.header_like(lines, head_index)
            ):
                continue
            if head_index < header_line and lines[head_index].y - lines[header_line].y > (
                tables.TABLE_GAP_EM * max(lines[header_line].size, 1.0)
            ):
                continue
            aligned = tables.column_header(cell, lines[head_index])
            if aligned is not None:
                header = f"{header} {aligned.lower}".strip()
                shown_header = f"{shown_header} {aligned.text}".strip()
                top = min(top, head_index)
    caption = tables.caption(lines, top)
    row_label = line.cells[0].lower if position > 0 else ""
    row_text = " ".join(c.lower for i, c in enumerate(line.cells) if i != position)
    unit_text = lower
    in_table = header_line is not None
    if unit is None:
        if header and _SHARE.search(header) and find_unit(header) is None:
            return _Context(before, row_label, row_text, header, caption, None, "", in_table)
        header_row = lines[header_line] if header_line is not None else None
        row_unit = tables.row_unit(line, position, header_row)
        for text in (row_unit, header, row_label, caption):
            if text and (unit := find_unit(text)) is not None:
                unit_text = text
                break
            if text and text is not caption and other_indicator_unit(text):
                return _Context(before, row_label, row_text, header, caption, None, "", in_table)
    shown = " | ".join(
        part for part in (line.cells[0].text if position > 0 else "", shown_header) if part
    )
    return _Context(before, row_label, row_text, header, caption, unit, unit_text, in_table, shown)


def _score(context: _Context, number: Number, reasons: list[str]) -> tuple[float, str]:
    score = 0.0
    row = context.row_label or context.before[-60:]
    # A table may be transposed (modules as rows, indicators as columns): a module cue is
    # looked for in the row label too, an indicator cue in the column header too.
    module = _first_cue(cues.COLUMN_CUES, context.header) or _first_cue(
        cues.COLUMN_CUES[: cues.MODULE_CUES], row
    )
    indicator = _first_cue(cues.ROW_CUES, row) or _first_cue(
        cues.ROW_CUES[: cues.INDICATOR_CUES], context.header
    )
    if indicator is None:
        indicator = _first_cue((cues.GWP_TOTAL_CUE,), row) or _first_cue(
            (cues.GWP_TOTAL_CUE,), context.header
        )
    for cue in (module, indicator):
        if cue is not None:
            score += cue.weight
            reasons.append(cue.reason)
    reason = "" if indicator is None else indicator.reason
    row_kind = {cues.GWP_GHG: "ghg", cues.GWP_FOSSIL: "fossil", cues.GWP_LULUC: "luluc"}
    row_kind_found = row_kind.get(reason, "")
    caption = context.caption if context.in_table else ""
    around = " ".join((context.before, context.row_label, context.header, caption))
    for cue in cues.CONTEXT_CUES:
        if cue.pattern.search(around):
            score += cue.weight
            reasons.append(cue.reason)
    if cues.THRESHOLD_BEFORE.pattern.search(context.before):
        score += cues.THRESHOLD_BEFORE.weight
        reasons.append(cues.THRESHOLD_BEFORE.reason)
    return score, row_kind_found


def _first_cue(candidates: Sequence[cues.Cue], text: str) -> cues.Cue | None:
    if not text:
        return None
    return next((cue for cue in candidates if cue.pattern.search(text)), None)


def _fossil_plus_luluc(found: Sequence[_Found]) -> list[_Found]:
    """GWP-fossil + GWP-luluc in each column of a table that has no GWP-GHG row."""
    sums = []
    by_column: dict[tuple[tuple[int, int], str, str], dict[str, _Found]] = {}
    for item in found:
        if item.table is not None and item.row_kind:
            # The same column of a table, or the same row of a transposed one.
            column = item.column or str(round(item.column_x / 8))
            for key in (("column", column), ("row", str(item.row_y))):
                by_column.setdefault((item.table, *key), {})[item.row_kind] = item
    for rows in by_column.values():
        if "ghg" in rows or "fossil" not in rows or "luluc" not in rows:
            continue
        fossil, luluc = rows["fossil"], rows["luluc"]
        if (fossil.numerator_kg, fossil.per_kg) != (luluc.numerator_kg, luluc.per_kg):
            continue
        value = fossil.number.value + luluc.number.value
        printed = f"{fossil.number.printed} + {luluc.number.printed}"
        reasons = [r for r in fossil.reasons if r != cues.GWP_FOSSIL] + [cues.GWP_FOSSIL_LULUC]
        sums.append(
            _Found(
                number=Number(printed, value, 0, 0),
                unit=fossil.unit,
                t_per_t=fossil.t_per_t + luluc.t_per_t,
                page=fossil.page,
                snippet=f"{fossil.snippet} + {luluc.snippet}"[:200],
                score=fossil.score + 1.5,
                reasons=reasons,
                table=fossil.table,
                column_x=fossil.column_x,
                column=fossil.column,
                row_y=fossil.row_y,
                row_kind="sum",
                numerator_kg=fossil.numerator_kg,
                per_kg=fossil.per_kg,
            )
        )
    return sums


def _rank(
    found: Sequence[_Found],
    declared: DeclaredUnit | None,
    source: str,
    ocr_pages: frozenset[int] = frozenset(),
) -> tuple[Candidate | None, tuple[Candidate, ...]]:
    best_of_value: dict[Decimal, _Found] = {}
    repeats: dict[Decimal, int] = {}
    for item in found:
        key = item.t_per_t.normalize()
        repeats[key] = repeats.get(key, 0) + 1
        kept = best_of_value.get(key)
        if kept is None or item.score > kept.score:
            best_of_value[key] = item
    ranked = sorted(best_of_value.values(), key=lambda item: (-item.score, item.page))
    candidates = []
    for item in ranked[:MAX_CANDIDATES]:
        reasons = list(item.reasons)
        if repeats[item.t_per_t.normalize()] > 1:
            reasons.append(cues.REPEATED)
        item_source = "ocr" if item.page in ocr_pages else source
        if item_source == "ocr":
            reasons.append(cues.OCR)
        candidates.append(
            Candidate(
                value=str(item.number.value),
                printed=item.number.printed,
                unit=item.unit,
                t_per_t=item.t_per_t,
                page=item.page,
                snippet=item.snippet,
                score=round(item.score, 2),
                reasons=tuple(reasons),
                source=item_source,
            )
        )
    if not candidates:
        return None, ()
    chosen = candidates[0].with_confidence(_confidence(ranked))
    return chosen, (chosen, *candidates[1:])


def _confidence(ranked: Sequence[_Found]) -> float:
    """High when the chosen figure has cues for it and beats the next other figure by a margin.

    Figures within 5 % of the chosen one (GWP-fossil beside GWP-GHG, say) are the same result
    told another way, not rivals.
    """
    chosen = ranked[0]
    top = chosen.score
    rivals = [item for item in ranked[1:] if not _close(item.t_per_t, chosen.t_per_t)]
    if not rivals:
        return 0.9 if top >= 2 else 0.7 if top >= 0 else 0.3
    margin = top - rivals[0].score
    confidence = min(0.95, 0.4 + 0.1 * margin)
    if top < 1:
        confidence *= 0.8
    return max(0.05, confidence)


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= Decimal("0.05") * max(abs(a), abs(b))


def _snippet(context: _Context, cell: Cell, number: Number) -> str:
    if context.in_table or context.row_label:
        return " | ".join(part for part in (context.shown, cell.text) if part)[:160]
    start = max(0, number.start - 70)
    return cell.text[start : number.end + 50]
