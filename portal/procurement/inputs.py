"""Reading what buyers and ERP files type: quantities, dates, product lines, PO numbers (pure).

The web form, the API and the ERP import all read through these functions, so "1,200" or
"2027-12-31T20:00:00Z" mean the same whichever door they come through.

Numbers: a point is the decimal mark; a comma only groups thousands, in complete groups of
three before the point ("1,200" and "1,234.5" are 1200 and 1234.5; "1,2" and "12,5" are
refused rather than guessed; "1.200" is 1.2), the rule of the declaration form. Full-width
digits and punctuation from Chinese input methods read like their ASCII forms.

Dates: YYYY-MM-DD (or / or . between the parts), optionally with a time. A time with `Z` or
an offset is converted to the plant's date (Shanxi, UTC+8); a time without one is plant time.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from portal import textrules
from portal.checking import RuleSet
from portal.clock import PLANT_TIME
from portal.procurement.decision import ProductLine

MAX_QUANTITY_T = Decimal(1_000_000)
QUANTITY_PLACES = 6
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
MAX_PO_NUMBER = 64
MAX_PO_LINE = 999_999
MAX_REASON = 2000
PRODUCT_LINE_NAMES = {
    "alloy": ProductLine.ALLOY,
    "铝合金": ProductLine.ALLOY,
    "合金": ProductLine.ALLOY,
    "extrusion": ProductLine.EXTRUSION,
    "铝挤压": ProductLine.EXTRUSION,
    "挤压": ProductLine.EXTRUSION,
}
_DATE_PATTERN = re.compile(
    r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"(?:(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d{1,9})?)?"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?",
    re.IGNORECASE,
)
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class BadValue(ValueError):
    """A value that cannot be used; CODE says why (see messages.problem_text)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def number(value: str | Decimal | int | float | None) -> Decimal:
    """A number as typed (see the module docstring); BadValue `missing` or `not_a_number`."""
    if isinstance(value, bool):
        raise BadValue("not_a_number")
    if isinstance(value, int | float | Decimal):
        found = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    elif value is not None and not isinstance(value, str):
        raise BadValue("not_a_number")
    else:
        text = unicodedata.normalize("NFKC", value or "").strip()
        if not text:
            raise BadValue("missing")
        if "," in text:
            unsigned = text[1:] if text[:1] in "+-" else text
            if _GROUPED.fullmatch(unsigned) is None:
                raise BadValue("not_a_number")
            text = text.replace(",", "")
        try:
            found = Decimal(text)
        except InvalidOperation:
            raise BadValue("not_a_number") from None
    if not found.is_finite():
        raise BadValue("not_a_number")
    return found


def quantity(value: str | Decimal | int | float | None) -> Decimal:
    """Tonnes: a positive number up to 1,000,000 with at most six decimals."""
    found = number(value)
    if found <= 0:
        raise BadValue("not_positive")
    if found > MAX_QUANTITY_T:
        raise BadValue("too_large")
    exponent = found.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -QUANTITY_PLACES:
        raise BadValue("too_precise")
    return found


def day(value: str | date | None) -> date:
    """The plant's date (UTC+8) of a date or time stamp (see the module docstring), 2000–2099."""
    if isinstance(value, datetime):
        found = _plant_date(value)
    elif isinstance(value, date):
        found = value
    elif value is not None and not isinstance(value, str):
        raise BadValue("not_a_date")
    else:
        text = unicodedata.normalize("NFKC", value or "").strip()
        if not text:
            raise BadValue("missing")
        match = _DATE_PATTERN.fullmatch(text)
        if not match:
            raise BadValue("not_a_date")
        try:
            y, m, d, hh, mm, ss = (int(match[name] or 0) for name in ("y", "m", "d", "H", "M", "S"))
            found = _plant_date(datetime(y, m, d, hh, mm, ss, tzinfo=_zone(match["zone"])))
        except ValueError:
            raise BadValue("not_a_date") from None
    if not EARLIEST_DATE <= found <= LATEST_DATE:
        raise BadValue("date_out_of_range")
    return found


def _zone(text: str | None) -> timezone | None:
    """The offset written after a time (None: none written, so plant time)."""
    if not text:
        return None
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 14 or minutes > 59:  # no place on earth is further from UTC
        raise ValueError(text)
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if text[0] == "-" else offset)


def _plant_date(moment: datetime) -> date:
    """The date at the plant of MOMENT; a moment without an offset is plant time already."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.date()
    return moment.astimezone(PLANT_TIME).date()


def product_line(value: str | None) -> ProductLine:
    """`alloy` or `extrusion` (also 铝合金 / 铝挤压)."""
    text = (value or "").strip().lower()
    if not text:
        raise BadValue("missing")
    try:
        return PRODUCT_LINE_NAMES[text]
    except KeyError:
        raise BadValue("unknown_product_line") from None


def po_number(value: str | None) -> str:
    """A purchase-order number: 1–64 printable characters."""
    text = (value or "").strip()
    if not text:
        raise BadValue("missing")
    if len(text) > MAX_PO_NUMBER:
        raise BadValue("too_long")
    if _CONTROL.search(text):
        raise BadValue("not_printable")
    return text


def po_line(value: str | int | None) -> int:
    """A purchase-order line number (1 when not given)."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return 1
    if re.fullmatch(r"\d{1,7}(\.0+)?", text) is None:
        raise BadValue("not_a_line_number")
    number = int(text.split(".")[0])
    if not 1 <= number <= MAX_PO_LINE:
        raise BadValue("not_a_line_number")
    return number


def exception_reason(value: str | None) -> str | None:
    """The buyer's reason for buying despite a failed check (None when blank)."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > MAX_REASON:
        raise BadValue("too_long")
    if textrules.problem(text, multiline=True):
        raise BadValue("not_printable")
    return text


def supplier_code(value: str | None) -> str:
    """A supplier code as stored (upper case)."""
    text = (value or "").strip().upper()
    if not text:
        raise BadValue("missing")
    if len(text) > 32 or _CONTROL.search(text):
        raise BadValue("unknown_supplier")
    return text


def material_code(value: str | None, ruleset: RuleSet) -> str:
    """A catalog material code, also found by its exact Chinese or English name."""
    text = (value or "").strip()
    if not text:
        raise BadValue("missing")
    if text in ruleset.materials:
        return text
    lowered = text.lower()
    for material in ruleset.materials.values():
        if lowered in (material.code.lower(), material.name_en.lower()) or text == material.name_zh:
            return material.code
    raise BadValue("unknown_material")
