"""One measured figure with its floor or target, and the summary table run.py prints."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """An absolute figure, its ratio to a floor or target, and whether it meets the target."""

    area: str  # check API, tracking, PDF reading, import
    measure: str  # what was measured, e.g. "POST /api/v1/checks, closed loop"
    value: str  # the absolute figure with its unit, e.g. "812 req/s"
    ratio: str  # e.g. "0.62× floor"
    target: str  # e.g. "≥ 0.5× floor"
    met: bool | None  # None: shown for context, no target of its own

    @property
    def verdict(self) -> str:
        """ok, MISSED or a dash."""
        return "—" if self.met is None else ("ok" if self.met else "MISSED")


def table(figures: list[Figure]) -> str:
    """The figures as a Markdown table (readable in a terminal, pasteable into the README)."""
    header = ("area", "measure", "absolute", "ratio", "target", "")
    rows = [header] + [(f.area, f.measure, f.value, f.ratio, f.target, f.verdict) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join(
        [line(rows[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        + [line(row) for row in rows[1:]]
    )
