"""A streaming reader of an XLSX workbook's first sheet: cell values row by row (pure).

Reads what an ERP export holds: shared and inline strings, numbers, booleans, error codes,
dates (numbers in a date format, or ISO dates) and the cached results of formulas. The sheet
is parsed with expat as it is unzipped, so memory holds one row of at most MAX_COLUMNS cells
whatever the cell references in the file claim; a document type declaration is refused.
Every row (empty or not), cell, element and character of text a cell expands to (a shared
string counts each time a cell points at it) is counted against SheetLimits, so a small file
that unpacks to millions of rows or characters is refused early, not read to its end.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from xml.parsers import expat

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
RELATIONSHIP_ID = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships id",
    "http://purl.oclc.org/ooxml/officeDocument/relationships id",
)
OFFICE_DOCUMENT = "/officeDocument"
SHARED_STRINGS = "/sharedStrings"
STYLES = "/styles"
# Built-in number formats that show dates or times (ECMA-376 part 1, 18.8.30).
BUILTIN_DATE_FORMATS = frozenset({*range(14, 23), 45, 46, 47})
_QUOTED_OR_BRACKETED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_DATE_CODES = re.compile(r"[dmyhs]", re.IGNORECASE)
_CELL_REFERENCE = re.compile(r"([A-Z]{1,3})(\d*)")
CHUNK = 64 * 1024


class XlsxUnreadable(ValueError):
    """The file is not a workbook this reader understands."""


class XlsxOverLimit(ValueError):
    """The workbook holds more of WHAT (rows, cells, elements, characters) than LIMIT."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"more than {limit} {what}")
        self.what = what
        self.limit = limit


@dataclass(frozen=True)
class SheetLimits:
    """What one workbook may hold: rows of the sheet (empty or not), cells, XML elements of any
    one part, and characters of the cells read (shared strings expanded at each use)."""

    max_rows: int = 100_000
    max_cells: int = 1_000_000
    max_elements: int = 4_000_000
    max_characters: int = 20_000_000


def first_sheet_rows(
    archive: zipfile.ZipFile, max_columns: int, limits: SheetLimits | None = None
) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of each row of the first sheet; values of cells left of MAX_COLUMNS.

    Values are str, int, float, bool, date or datetime, None for an empty cell; trailing empty
    cells are left out. XlsxOverLimit past any of LIMITS.
    """
    limits = limits or SheetLimits()
    workbook_path = _target(archive, "_rels/.rels", "", OFFICE_DOCUMENT)
    folder = posixpath.dirname(workbook_path)
    relationships_path = posixpath.join(
        folder, "_rels", posixpath.basename(workbook_path) + ".rels"
    )
    sheet_id, date1904 = _first_sheet(archive, workbook_path)
    relationships = _relationships(archive, relationships_path, folder)
    if sheet_id not in relationships:
        raise XlsxUnreadable("the first sheet's part is missing")
    shared = _shared_strings(archive, _of_type(relationships, SHARED_STRINGS), limits)
    date_styles = _date_styles(archive, _of_type(relationships, STYLES))
    epoch = datetime(1904, 1, 1) if date1904 else None
    sheet = _SheetReader(shared, date_styles, epoch, max_columns, limits)
    yield from sheet.rows(archive, relationships[sheet_id][0])


def _counted(start: Callable[..., None], max_elements: int) -> Callable[..., None]:
    """START, refusing the part past MAX_ELEMENTS elements (each costs a call, so time)."""
    count = [0]

    def counting(name: str, attributes: dict[str, str]) -> None:
        count[0] += 1
        if count[0] > max_elements:
            raise XlsxOverLimit("elements", max_elements)
        start(name, attributes)

    return counting


def _parser(
    start: Callable[..., None],
    end: Callable[[str], None] | None = None,
    max_elements: int | None = SheetLimits.max_elements,
) -> Any:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start if max_elements is None else _counted(start, max_elements)
    if end is not None:
        parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.buffer_text = True
    return parser


def _refuse_doctype(*_args: Any) -> None:
    raise XlsxUnreadable("a document type declaration")


_ROW_TAGS = (b"<row ", b"<row>", b"<row/", b":row ", b":row>", b":row/")
_CELL_TAGS = (b"<c ", b"<c>", b"<c/", b":c ", b":c>", b":c/")


def _screen(
    archive: zipfile.ZipFile,
    path: str,
    max_elements: int,
    limits: SheetLimits | None = None,
) -> None:
    """Refuse a part of more than MAX_ELEMENTS tags (a sheet: rows or cells of LIMITS) unparsed.

    Counting runs at the speed of unzipping; parsing costs a Python call per element, so a
    part of millions of tags took seconds to reach the parser's own (exact) count. A tag cut
    in two between chunks goes uncounted here, never counted twice.
    """
    opened = closing = rows = cells = 0
    last = b""
    with archive.open(path) as part:
        while chunk := part.read(16 * CHUNK):
            opened += chunk.count(b"<")
            closing += chunk.count(b"</") + (last == b"<" and chunk[:1] == b"/")
            last = chunk[-1:]
            if opened - closing > max_elements:
                raise XlsxOverLimit("elements", max_elements)
            if limits is None:
                continue
            rows += sum(chunk.count(tag) for tag in _ROW_TAGS)
            if rows > limits.max_rows:
                raise XlsxOverLimit("rows", limits.max_rows)
            cells += sum(chunk.count(tag) for tag in _CELL_TAGS)
            if cells > limits.max_cells:
                raise XlsxOverLimit("cells", limits.max_cells)


def _feed(
    archive: zipfile.ZipFile,
    path: str,
    parser: Any,
    max_elements: int = SheetLimits.max_elements,
    sheet_limits: SheetLimits | None = None,
) -> Iterator[None]:
    """Parse the part as it is unzipped, pausing after each chunk."""
    try:
        _screen(archive, path, max_elements, sheet_limits)
        with archive.open(path) as part:
            while chunk := part.read(CHUNK):
                parser.Parse(chunk, False)
                yield
            parser.Parse(b"", True)
    except KeyError:
        raise XlsxUnreadable(f"missing part {path}") from None
    except expat.ExpatError as error:
        raise XlsxUnreadable(f"{path}: {error}") from None


def _parse(
    archive: zipfile.ZipFile,
    path: str,
    parser: Any,
    max_elements: int = SheetLimits.max_elements,
) -> None:
    for _chunk in _feed(archive, path, parser, max_elements):
        pass


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def _relationships(archive: zipfile.ZipFile, path: str, folder: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (part path in the archive, type)."""
    found: dict[str, tuple[str, str]] = {}

    def start(name: str, attributes: dict[str, str]) -> None:
        if _local(name) == "Relationship" and attributes.get("TargetMode") != "External":
            target = attributes.get("Target", "")
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            found[attributes.get("Id", "")] = (path, attributes.get("Type", ""))

    _parse(archive, path, _parser(start))
    return found


def _of_type(relationships: dict[str, tuple[str, str]], kind: str) -> str | None:
    return next((path for path, type_ in relationships.values() if type_.endswith(kind)), None)


def _target(archive: zipfile.ZipFile, path: str, folder: str, kind: str) -> str:
    target = _of_type(_relationships(archive, path, folder), kind)
    if target is None:
        raise XlsxUnreadable("no workbook in the package")
    return target


def _first_sheet(archive: zipfile.ZipFile, path: str) -> tuple[str, bool]:
    sheets: list[str] = []
    date1904 = [False]

    def start(name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if local == "sheet":
            sheets.append(next((attributes[k] for k in RELATIONSHIP_ID if k in attributes), ""))
        elif local == "workbookPr":
            date1904[0] = attributes.get("date1904", "0").lower() in ("1", "true")

    _parse(archive, path, _parser(start))
    if not sheets:
        raise XlsxUnreadable("the workbook has no sheet")
    return sheets[0], date1904[0]


def _shared_strings(archive: zipfile.ZipFile, path: str | None, limits: SheetLimits) -> list[str]:
    strings: list[str] = []
    if path is None:
        return strings
    parts: list[str] = []
    state = {"text": False, "phonetic": 0, "characters": 0, "pending": 0}

    def start(name: str, _attributes: dict[str, str]) -> None:
        local = _local(name)
        if local == "si":
            parts.clear()
            state["pending"] = 0
        elif local == "rPh":  # the reading of East Asian text, not part of the value
            state["phonetic"] += 1
        elif local == "t" and not state["phonetic"]:
            state["text"] = True

    def end(name: str) -> None:
        local = _local(name)
        if local == "si":
            text = "".join(parts)
            state["characters"] += len(text)
            if state["characters"] > limits.max_characters:
                raise XlsxOverLimit("characters", limits.max_characters)
            if len(strings) >= limits.max_cells:
                raise XlsxOverLimit("cells", limits.max_cells)
            strings.append(text)
        elif local == "rPh":
            state["phonetic"] -= 1
        elif local == "t":
            state["text"] = False

    def characters(data: str) -> None:
        if state["text"]:
            # Counted as it comes: one string of 100 MB would fill memory before it ended.
            state["pending"] += len(data)
            if state["characters"] + state["pending"] > limits.max_characters:
                raise XlsxOverLimit("characters", limits.max_characters)
            parts.append(data)

    parser = _parser(start, end, limits.max_elements)
    parser.CharacterDataHandler = characters
    _parse(archive, path, parser, limits.max_elements)
    return strings


def is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or a time (quoted text and colours aside)."""
    return bool(_DATE_CODES.search(_QUOTED_OR_BRACKETED.sub("", code)))


def _date_styles(archive: zipfile.ZipFile, path: str | None) -> frozenset[int]:
    """Indexes of the cell formats (a cell's s attribute) that show dates."""
    if path is None:
        return frozenset()
    custom: dict[int, str] = {}
    formats: list[int] = []
    depth = {"cellXfs": 0}

    def start(name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if local == "numFmt":
            custom[_int(attributes.get("numFmtId"))] = attributes.get("formatCode", "")
        elif local == "cellXfs":
            depth["cellXfs"] += 1
        elif local == "xf" and depth["cellXfs"]:
            formats.append(_int(attributes.get("numFmtId")))

    def end(name: str) -> None:
        if _local(name) == "cellXfs":
            depth["cellXfs"] -= 1

    _parse(archive, path, _parser(start, end))
    return frozenset(
        index
        for index, number_format in enumerate(formats)
        if (number_format in custom and is_date_format(custom[number_format]))
        or (number_format not in custom and number_format in BUILTIN_DATE_FORMATS)
    )


def _int(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        return -1


def column_index(letters: str) -> int:
    """0 for A, 25 for Z, 26 for AA."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def from_serial(serial: float, epoch: datetime | None) -> date | datetime:
    """The date (or date and time) a spreadsheet day number stands for."""
    if epoch is None:  # the 1900 system counts a 29 February 1900 that never was
        epoch = datetime(1899, 12, 31) if serial < 60 else datetime(1899, 12, 30)
    moment = epoch + timedelta(days=serial)
    return moment.date() if moment.time() == datetime.min.time() else moment


class _SheetReader:
    """Turns expat events of a worksheet into rows of values."""

    def __init__(
        self,
        shared: list[str],
        date_styles: frozenset[int],
        epoch: datetime | None,
        max_columns: int,
        limits: SheetLimits,
    ) -> None:
        self.limits = limits
        self.rows_seen = 0
        self.cells_seen = 0
        self.elements_seen = 0
        self.characters = 0
        self.shared = shared
        self.date_styles = date_styles
        self.epoch = epoch
        self.max_columns = max_columns
        self.done: list[tuple[int, list[Any]]] = []
        self.row: list[Any] = []
        self.row_number = 0
        self.column = -1
        self.cell_type = "n"
        self.cell_style = -1
        self.text: list[str] = []
        self.text_length = 0  # characters of the cell being read, as they come
        self.collecting = False
        self.phonetic = 0

    def rows(self, archive: zipfile.ZipFile, path: str) -> Iterator[tuple[int, list[Any]]]:
        """Parse the sheet part chunk by chunk, yielding the rows finished in each chunk."""
        # Counted in _start itself: a wrapper's call per element costs a fifth of the time.
        parser = _parser(self._start, self._end, max_elements=None)
        parser.CharacterDataHandler = self._characters
        for _chunk in _feed(archive, path, parser, self.limits.max_elements, self.limits):
            yield from self._take()
        yield from self._take()

    def _take(self) -> list[tuple[int, list[Any]]]:
        done, self.done = self.done, []
        return done

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self.elements_seen += 1
        if self.elements_seen > self.limits.max_elements:
            raise XlsxOverLimit("elements", self.limits.max_elements)
        local = name[name.rfind(" ") + 1 :]
        if local == "c":
            self.cells_seen += 1
            if self.cells_seen > self.limits.max_cells:
                raise XlsxOverLimit("cells", self.limits.max_cells)
            reference = _CELL_REFERENCE.match(attributes.get("r", ""))
            self.column = column_index(reference.group(1)) if reference else self.column + 1
            self.cell_type = attributes.get("t", "n")
            self.cell_style = _int(attributes.get("s", "0"))
            self.text.clear()
            self.text_length = 0
        elif local in ("v", "t"):
            self.collecting = not self.phonetic
        elif local == "row":
            self.rows_seen += 1  # empty ones too: each costs reading, whatever it holds
            if self.rows_seen > self.limits.max_rows:
                raise XlsxOverLimit("rows", self.limits.max_rows)
            number = _int(attributes.get("r"))
            self.row_number = number if number > 0 else self.row_number + 1
            self.row = []
            self.column = -1
        elif local == "rPh":
            self.phonetic += 1

    def _characters(self, data: str) -> None:
        if self.collecting:
            self.text.append(data)
            self.text_length += len(data)
            if self.characters + self.text_length > self.limits.max_characters:
                raise XlsxOverLimit("characters", self.limits.max_characters)

    def _end(self, name: str) -> None:
        local = name[name.rfind(" ") + 1 :]
        if local in ("v", "t"):
            self.collecting = False
        elif local == "c":
            if 0 <= self.column < self.max_columns:
                value = self._value("".join(self.text))
                if value is not None:
                    if len(self.row) <= self.column:
                        self.row.extend([None] * (self.column + 1 - len(self.row)))
                    self.row[self.column] = value
        elif local == "row":
            self.done.append((self.row_number, self.row))
        elif local == "rPh":
            self.phonetic -= 1

    def _value(self, text: str) -> Any:
        kind = self.cell_type
        if kind in ("s", "str", "inlineStr", "e"):
            if kind != "s":
                self._count(len(text))
                return text
            index = _int(text)
            if not 0 <= index < len(self.shared):
                raise XlsxUnreadable(f"shared string {text!r} does not exist")
            value = self.shared[index]
            self._count(len(value))
            return value
        if not text:
            return None
        self._count(len(text))
        if kind == "b":
            return text.strip() in ("1", "true")
        try:
            if kind == "d":
                return datetime.fromisoformat(text.strip().removesuffix("Z"))
            number: int | float = int(text) if text.isdigit() else float(text)
            if self.cell_style in self.date_styles:
                return from_serial(float(number), self.epoch)
        except (ValueError, OverflowError):
            return text  # the line's check names the field and says what is wrong
        return number

    def _count(self, characters: int) -> None:
        self.characters += characters
        if self.characters > self.limits.max_characters:
            raise XlsxOverLimit("characters", self.limits.max_characters)
