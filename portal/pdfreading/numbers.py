"""Printed numbers in every notation a declaration uses, read as exact decimals.

Runs on normalised text (portal.pdfreading.text.normalise): NFKC has already turned full-width
digits into ASCII and no-break spaces (U+00A0, U+202F) into spaces, and U+2212 into "-".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Thousands groups: "4,200", "4.200", "4 200", "4'200" (and "4’200"); then an optional
# decimal part with the other separator; or a plain number with one decimal separator.
_GROUPED = r"[1-9]\d{0,2}(?:(?P<sep>[,.' ’])\d{3})(?:(?P=sep)\d{3})*(?:[.,]\d+)?"
_PLAIN = r"\d+(?:[.,]\d+)?"
_EXPONENT = r"(?:\s?[eE]\s?[+-]?\d{1,3}|\s?[x×*·]\s?10\^[+-]?\d{1,3}|\s?×\s?10[+-]?\d{1,2})"
NUMBER = re.compile(
    # Not inside a word or a number; right after a Chinese character is fine ("为9.46吨").
    r"(?<![.,'’])(?<![^\W\u3400-\u9fff])(?P<sign>[-+]\s?)?"
    rf"(?P<mantissa>{_GROUPED}|{_PLAIN})(?P<exponent>{_EXPONENT})?"
    r"(?![\d])(?!,\d)(?!\.\d)"
)
# A decimal or grouping mark between digits: unambiguous unless exactly three digits follow
# and no exponent does ("4,200" may be either; "0,62" and "1,28E+03" are decimal commas).
_MARKED = re.compile(r"(?<![\d.,])\d+([.,])(\d+)(?![\d.,])(\s?[eE][+-]?\d)?")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Number:
    """A number as printed and as an exact decimal, with where it is in the text."""

    printed: str
    value: Decimal
    start: int
    end: int


def decimal_comma_document(text: str) -> bool:
    """Whether the text writes decimals with a comma ("0,62", "1,28E+03") more than a point."""
    commas = points = 0
    for mark, digits, exponent in _MARKED.findall(text):
        if len(digits) != 3 or exponent:
            if mark == ",":
                commas += 1
            else:
                points += 1
    return commas > points


def parse_number(printed: str, *, decimal_comma: bool = False) -> Decimal:
    """The value of a printed number; DECIMAL_COMMA says how to read "4,200" and "4.200".

    "4,200" is 4200 and "4.200" is 4.2 in a document that writes decimal points, the other
    way round in one that writes decimal commas; "4 200", "4'200", "4,200.5", "4.200,5",
    "0,62", "4.12E+00", "1,28E+03" and "3.1 × 10^3" have one reading only.
    """
    match = NUMBER.fullmatch(printed.strip())
    if match is None:
        raise ValueError(f"not a number: {printed!r}")
    return _value(match, decimal_comma=decimal_comma)


def find_numbers(text: str, *, decimal_comma: bool = False) -> list[Number]:
    """Every number in TEXT, left to right."""
    if _DIGIT.search(text) is None:
        return []
    found = []
    for match in NUMBER.finditer(text):
        try:
            value = _value(match, decimal_comma=decimal_comma)
        except (InvalidOperation, ValueError):
            continue
        found.append(Number(match[0], value, match.start(), match.end()))
    return found


def _value(match: re.Match[str], *, decimal_comma: bool) -> Decimal:
    mantissa = match["mantissa"]
    separator = match["sep"]
    exponent = match["exponent"]
    if separator is not None:
        groups = mantissa
        decimals = ""
        # A last separator other than the grouping one starts the decimals: "4,200.5".
        last = max(mantissa.rfind(mark) for mark in ".," if mark != separator)
        if last != -1:
            groups, decimals = mantissa[:last], mantissa[last + 1 :]
        grouping_is_decimal = (
            separator in ".,"
            and not decimals
            and groups.count(separator) == 1
            and (exponent is not None or (separator == ",") == decimal_comma)
        )
        if grouping_is_decimal:  # "4,200" in a decimal-comma text, "4.200" in a point one
            whole, decimals = groups.split(separator)
        else:
            whole = groups.replace(separator, "")
        text = whole + ("." + decimals if decimals else "")
    else:
        text = mantissa.replace(",", ".")
    if exponent is not None:
        power = re.sub(r"[\s^]", "", exponent)
        power = re.sub(r"^(?:[eE]|[x×·*]10)", "", power)
        text += "E" + power
    sign = (match["sign"] or "").strip()
    return Decimal(("-" if sign == "-" else "") + text)
