"""Reading what buyers and ERP files type: quantities, dates, product lines, PO numbers (pure)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from portal import textrules
from portal.checking import RuleSet
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
_DATE_PATTERN = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class BadValue(ValueError):
    """A value that cannot be used; CODE says why (see messages.problem_text)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def quantity(value: str | Decimal | int | float | None) -> Decimal:
    """Tonnes: a positive number up to 1,000,000 with at most six decimals."""
    text = str(value).strip() if value is not None else ""
    if not text:
        raise BadValue("missing")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise BadValue("not_a_number") from None
    if not number.is_finite():
        raise BadValue("not_a_number")
    if number <= 0:
        raise BadValue("not_positive")
    if number > MAX_QUANTITY_T:
        raise BadValue("too_large")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -QUANTITY_PLACES:
        raise BadValue("too_precise")
    return number


def day(value: str | date | None) -> date:
    """A date written YYYY-MM-DD (also / or . between the parts) within 2000–2099."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        found = value
    else:
        text = (value or "").strip()
        if not text:
            raise BadValue("missing")
        match = _DATE_PATTERN.match(text.split("T")[0].split(" ")[0])
        if not match:
            raise BadValue("not_a_date")
        try:
            found = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise BadValue("not_a_date") from None
    if not EARLIEST_DATE <= found <= LATEST_DATE:
        raise BadValue("date_out_of_range")
    return found


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
