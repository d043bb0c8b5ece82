"""Reading an EMS export (CSV or XLSX, Chinese or English headers) into readings (pure, no I/O).

One reading a line: meter code, time, value, and optionally unit and whether the line is the
first reading of a new meter or register. The file is read within the ERP import's limits
(portal.procurement.importfile); each line's text becomes a reading here, or a problem naming
its line number and field. The columns are documented in docs/energy.md and on the import page,
both from COLUMNS.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from portal.energy import core
from portal.energy.readings import RawReading, to_epoch
from portal.exportcolumns import Headers
from portal.i18n import _
from portal.procurement.importfile import (
    ROW,
    FileRefused,
    ImportColumn,
    cell_text,
    normalise_header,
    table_rows,
)

CHINESE_HEADERS = Headers("zh", "zh")  # what an EMS of the plant's own exports
MAX_LINES = 99_999  # within the reader's 100,000 rows: a day of 15-minute data of 1,000 meters

COLUMNS = (
    ImportColumn("meter", "Meter code", "表计编号", True, ("meter", "表计", "仪表编号", "表号")),
    ImportColumn("at", "Time", "时间", True, ("timestamp", "采集时间", "抄表时间", "时间戳")),
    ImportColumn("value", "Value", "读数", True, ("reading", "示数", "数值", "表底")),
    ImportColumn("unit", "Unit", "单位", False),
    ImportColumn("replaced", "New register", "换表", False, ("replaced", "新表")),
)
_HEADER_KEYS = {name: column.key for column in COLUMNS for name in column.names}
_TRUE = {"1", "true", "yes", "y", "是", "x"}
_FALSE = {"", "0", "false", "no", "n", "否"}
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(.*)$")


@dataclass(frozen=True)
class LineProblem:
    """Why line ROW of the file is not a reading: the FIELD and a message for people."""

    row: int
    field: str
    message: str


def ems_cell(value: Any) -> str:
    """A spreadsheet cell as text, keeping a time's hours and minutes (ISO 8601)."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return cell_text(value)


def read_lines(filename: str, data: bytes) -> list[dict[str, Any]]:
    """The file's lines as {column key: text, "row": row number}; FileRefused when the file as
    a whole cannot be used."""
    return _lines(table_rows(filename, data, cell=ems_cell))


def _lines(rows: Iterable[tuple[int, Sequence[str]]]) -> list[dict[str, Any]]:
    iterator = iter(rows)
    header: dict[int, str] | None = None
    for _row, cells in iterator:
        if any(cells):
            header = _header(cells)
            break
    if header is None:
        raise FileRefused("no_header")
    lines: list[dict[str, Any]] = []
    for row, cells in iterator:
        if not any(cells):
            continue
        if len(lines) >= MAX_LINES:
            raise FileRefused("too_many_lines", n=f"{MAX_LINES:,}")
        line: dict[str, Any] = {ROW: row}
        for index, key in header.items():
            line[key] = cells[index] if index < len(cells) else ""
        lines.append(line)
    if not lines:
        raise FileRefused("no_lines")
    return lines


def _header(cells: Sequence[str]) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = _HEADER_KEYS.get(normalise_header(cell))
        if key is None:
            continue  # EMS exports carry more columns (names, status) than a reading needs
        if key in found.values():
            raise FileRefused("duplicate_column", column=cell)
        found[index] = key
    missing = [c for c in COLUMNS if c.required and c.key not in found.values()]
    if missing:
        names = ", ".join(f"{c.english} / {c.chinese}" for c in missing)
        raise FileRefused("missing_columns", columns=names)
    return found


def parse_time(text: str) -> int:
    """Unix seconds of an EMS time: ISO 8601, "2023-01-05 13:15", "2023/1/5 13:15:00"; without
    an offset it is plant time (UTC+8). ValueError if it is none of these."""
    text = text.strip()
    slashed = _SLASHED.match(text)
    if slashed:
        year, month, day, rest = slashed.groups()
        text = f"{year}-{int(month):02d}-{int(day):02d}{rest}"
    if " " in text and "T" not in text:
        day_part, _space, time_part = text.partition(" ")
        text = f"{day_part}T{time_part.strip()}"
    if len(text) == 10:
        text += "T00:00:00"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=core.PLANT_TZ)
    return to_epoch(moment)


def parse_line(line: dict[str, Any]) -> RawReading | LineProblem:
    """One line of the file as a reading, or the problem of its first wrong field."""
    row = int(line[ROW])
    meter = str(line.get("meter", "")).strip()
    if not meter:
        return LineProblem(row, "meter", _("Give the meter's code."))
    if len(meter) > 64:
        return LineProblem(row, "meter", _("At most %(n)s characters.") % {"n": 64})
    at_text = str(line.get("at", ""))
    try:
        at_s = parse_time(at_text)
    except (ValueError, OverflowError):
        return LineProblem(
            row,
            "at",
            _("Give the time as 2023-01-05 13:15 or ISO 8601 (without an offset: plant time)."),
        )
    value_text = str(line.get("value", "")).strip().replace(",", "")
    try:
        value = float(value_text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        return LineProblem(row, "value", _("Enter a number."))
    unit = str(line.get("unit", "")).strip()
    if len(unit) > 16:
        return LineProblem(row, "unit", _("At most %(n)s characters.") % {"n": 16})
    replaced_text = str(line.get("replaced", "")).strip().lower()
    if replaced_text not in _TRUE | _FALSE:
        return LineProblem(row, "replaced", _("Write 1 (yes, 是) or leave it empty."))
    return RawReading(meter, at_s, value, unit or None, replaced_text in _TRUE)


def template_csv(headers: Headers = CHINESE_HEADERS) -> str:
    """An example file with three lines, its header row as HEADERS chooses (Chinese by default)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers.import_row(COLUMNS))
    writer.writerow(["CH-MF1-EL", "2026-03-02 08:00", "123456.5", "kWh", ""])
    writer.writerow(["CH-MF1-EL", "2026-03-02 08:15", "123461.25", "kWh", ""])
    writer.writerow(["CH-MF1-GAS", "2026-03-02 08:15", "88012", "Nm3", ""])
    return buffer.getvalue()
