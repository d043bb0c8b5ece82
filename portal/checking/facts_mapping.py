"""Building DeclarationFacts from plain data (JSON, form fields), naming every bad field."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from portal.checking.facts import (
    ELECTRICITY_SOURCES,
    KG_PER_UNIT,
    STANDARDS,
    AttachmentKind,
    Boundary,
    DeclarationFacts,
    RecycledMethod,
)

HUNDRED = Decimal(100)


class FactsError(ValueError):
    """Some fields of a declaration are missing or invalid; `errors` maps field → reason."""

    def __init__(self, errors: Iterable[tuple[str, str]]) -> None:
        self.errors = tuple(errors)
        self.field = self.errors[0][0] if self.errors else ""
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in self.errors))


class _Invalid(Exception):
    """One field's value is wrong (internal; collected into FactsError)."""


Parser = Callable[[object], Any]


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"must be text, not {type(value).__name__}")
    return value.strip()


def _code(value: object) -> str:
    text = _text(value)
    if not text:
        raise _Invalid("must not be empty")
    return text


def _optional_text(value: object) -> str | None:
    return _text(value) or None


def _one_of(choices: Iterable[str]) -> Parser:
    allowed = tuple(choices)

    def parse(value: object) -> str:
        text = _text(value)
        if text not in allowed:
            raise _Invalid(f"'{text}' is not one of: {', '.join(allowed)}")
        return text

    return parse


def _optional_one_of(choices: Iterable[str]) -> Parser:
    parse = _one_of(choices)
    return lambda value: parse(value) if _text(value) else None


def _several_of(choices: Iterable[str]) -> Parser:
    parse = _one_of(choices)

    def parse_all(value: object) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
            raise _Invalid("must be a list")
        return tuple(dict.fromkeys(parse(item) for item in value))

    return parse_all


def _number(value: object) -> Decimal:
    if isinstance(value, bool):
        raise _Invalid("must be a number, not true/false")
    if isinstance(value, float):
        value = str(value)  # the shortest text that gives this float, i.e. what was typed
    if isinstance(value, str):
        value = value.strip()
        # "15,1" may mean 15.1 or 151 depending on who typed it: refuse rather than guess.
        if "," in value:
            raise _Invalid(f"'{value}' is not a number; use . for decimals, no separators")
    if not isinstance(value, int | str | Decimal):
        raise _Invalid(f"must be a number, not {type(value).__name__}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise _Invalid(f"'{value}' is not a number") from None
    if not number.is_finite():
        raise _Invalid("must be a finite number")
    return number


def _positive(value: object) -> Decimal:
    number = _number(value)
    if number <= 0:
        raise _Invalid(f"must be greater than 0, not {number}")
    return number


def _not_negative(value: object) -> Decimal:
    number = _number(value)
    if number < 0:
        raise _Invalid(f"must not be negative, not {number}")
    return number


def _percent(value: object) -> Decimal:
    number = _number(value)
    if not 0 <= number <= HUNDRED:
        raise _Invalid(f"must be a percentage from 0 to 100, not {number}")
    return number


def _day(value: object) -> date:
    if isinstance(value, datetime):
        raise _Invalid("must be a date without time")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_text(value))
    except ValueError:
        raise _Invalid(f"'{value}' is not a date like 2025-01-31") from None


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("must be true or false")
    return value


def _attachments(value: object) -> frozenset[str]:
    return frozenset(_several_of(kind.value for kind in AttachmentKind)(value))


PARSERS: dict[str, Parser] = {
    "material_code": _code,
    "declared_unit_of_measurement": _one_of(KG_PER_UNIT),
    "declared_unit_amount": _positive,
    "pcf_excluding_biogenic": _not_negative,
    "boundary": _one_of(boundary.value for boundary in Boundary),
    "standards": _several_of(STANDARDS),
    "reference_period_start": _day,
    "reference_period_end": _day,
    "submitted_on": _day,
    "validity_period_end": _day,
    "product_name": _text,
    "site_name": _text,
    "geography_country": _text,
    "primary_data_share_pct": _percent,
    "recycled_pre_consumer_pct": _percent,
    "recycled_post_consumer_pct": _percent,
    "recycled_method": _optional_one_of(method.value for method in RecycledMethod),
    "electricity_source": _optional_one_of(ELECTRICITY_SOURCES),
    "low_carbon_electricity_claimed": _flag,
    "electricity_instrument": _optional_text,
    "verifier_name": _optional_text,
    "verification_statement_number": _optional_text,
    "verification_date": _day,
    "attachments": _attachments,
}

REQUIRED_FIELDS = tuple(
    f.name
    for f in fields(DeclarationFacts)
    if f.default is MISSING and f.default_factory is MISSING
)


def facts_from_mapping(data: Mapping[str, object]) -> DeclarationFacts:
    """DeclarationFacts from field-name keyed data; FactsError names every bad field."""
    errors: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    for name in data:
        if name not in PARSERS:
            errors.append((name, "unknown field"))
    for name, parse in PARSERS.items():
        raw = data.get(name)
        if raw is None:
            if name in REQUIRED_FIELDS:
                errors.append((name, "missing"))
            continue
        try:
            values[name] = parse(raw)
        except _Invalid as error:
            errors.append((name, str(error)))
    errors.extend(_inconsistencies(values))
    if errors:
        raise FactsError(errors)
    return DeclarationFacts(**values)


def _inconsistencies(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    errors = []
    start, end = values.get("reference_period_start"), values.get("reference_period_end")
    if start is not None and end is not None and end < start:
        errors.append(("reference_period_end", f"{end} is before reference_period_start {start}"))
    pre = values.get("recycled_pre_consumer_pct") or Decimal(0)
    post = values.get("recycled_post_consumer_pct") or Decimal(0)
    if pre + post > HUNDRED:
        errors.append(
            ("recycled_post_consumer_pct", f"pre- plus post-consumer is {pre + post} %, over 100 %")
        )
    return errors
