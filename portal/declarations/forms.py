"""Reading a declaration from a web form or API JSON, naming each bad field in the user's language.

Numbers: a point is the decimal mark; a comma is accepted only as a thousands separator in
complete groups of three digits before the point ("4,200" and "1,234.5" are read as 4200 and
1234.5; "4,2", "4,20" and "4.200,5" are refused rather than guessed). Full-width digits and
punctuation from Chinese input methods are read like their ASCII forms. No exponents, no
spaces inside a number, at most 6 decimals (3 for percentages) so the stored value is exactly
what was typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from portal import textrules
from portal.checking import DeclarationFacts, RuleSet
from portal.checking.facts import (
    ELECTRICITY_SOURCES,
    KG_PER_UNIT,
    STANDARDS,
    Boundary,
    RecycledMethod,
)
from portal.clock import plant_today
from portal.i18n import _

TEXT_LIMITS = {
    "product_name": 200,
    "site_name": 200,
    "electricity_instrument": 200,
    "verifier_name": 200,
    "verification_statement_number": 100,
    "comment": 2000,
}
MULTILINE_FIELDS = frozenset({"comment"})  # the rest are one line (see portal.textrules)
PERCENT_FIELDS = (
    "primary_data_share_pct",
    "recycled_pre_consumer_pct",
    "recycled_post_consumer_pct",
)
DATE_FIELDS = (
    "reference_period_start",
    "reference_period_end",
    "validity_period_end",
    "verification_date",
)
# What was measured and verified lies in the past; only the validity may run into the future.
PAST_DATE_FIELDS = ("reference_period_start", "reference_period_end", "verification_date")
REQUIRED = (
    "material_code",
    "product_name",
    "declared_unit_of_measurement",
    "declared_unit_amount",
    "pcf_excluding_biogenic",
    "boundary",
    "reference_period_start",
    "reference_period_end",
)
FIELD_NAMES = (
    "material_code",
    "product_name",
    "site_name",
    "geography_country",
    "declared_unit_of_measurement",
    "declared_unit_amount",
    "pcf_excluding_biogenic",
    "boundary",
    "standards",
    "reference_period_start",
    "reference_period_end",
    "validity_period_end",
    "primary_data_share_pct",
    "recycled_pre_consumer_pct",
    "recycled_post_consumer_pct",
    "recycled_method",
    "electricity_source",
    "low_carbon_electricity_claimed",
    "electricity_instrument",
    "verifier_name",
    "verification_statement_number",
    "verification_date",
    "comment",
)
SET_BY_PORTAL = ("submitted_on", "attachments")
FILE_FIELDS = {
    "declaration_pdf": "declaration",
    "recycled_evidence_pdf": "recycled_evidence",
    "verification_pdf": "verification",
}
MAX_DECIMALS = 6
MAX_PERCENT_DECIMALS = 3
MAX_INTEGER_DIGITS = 12  # Numeric(18, 6) in the database
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
HUNDRED = Decimal(100)
TRUE_WORDS = ("true", "on", "1", "yes")
FALSE_WORDS = ("", "false", "off", "0", "no")

_PLAIN = re.compile(r"(?P<int>\d*)(?:\.(?P<frac>\d+))?")
_GROUPED = re.compile(r"(?P<int>\d{1,3}(?:,\d{3})+)(?:\.(?P<frac>\d+))?")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")
_COUNTRY = re.compile(r"[A-Z]{2}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab and line breaks are fine


class FieldInvalid(ValueError):
    """One field's value is wrong; the message is in the user's language."""


@dataclass
class Parsed:
    """Values read so far and the problems found, keyed by field name."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def field_labels() -> dict[str, str]:
    """Every field's label in the user's language (form, error summary, mismatches)."""
    return {
        "material_code": _("Material"),
        "product_name": _("Product name or grade"),
        "site_name": _("Production site or smelter"),
        "geography_country": _("Country of production (ISO code)"),
        "declared_unit_of_measurement": _("Declared unit"),
        "declared_unit_amount": _("Declared unit amount"),
        "pcf_excluding_biogenic": _(
            "Carbon footprint, cradle-to-gate, excluding biogenic (kgCO2e per declared unit)"
        ),
        "pcf": _("Carbon footprint"),
        "boundary": _("System boundary"),
        "standards": _("Standards used"),
        "reference_period_start": _("Reference period start"),
        "reference_period_end": _("Reference period end"),
        "validity_period_end": _("Valid until"),
        "primary_data_share_pct": _("Primary data share (percent)"),
        "recycled_pre_consumer_pct": _("Pre-consumer recycled content (percent)"),
        "recycled_post_consumer_pct": _("Post-consumer recycled content (percent)"),
        "recycled_content_pct": _("Total recycled content (percent)"),
        "recycled_method": _("Recycled content method"),
        "electricity_source": _("Electricity source"),
        "low_carbon_electricity_claimed": _("Low-carbon electricity claimed"),
        "electricity_instrument": _("Instrument for the low-carbon electricity claim"),
        "verifier_name": _("Third-party verifier"),
        "verification_statement_number": _("Verification statement number"),
        "verification_date": _("Verification date"),
        "comment": _("Comment"),
        "declaration_pdf": _("Declaration or CFP study report (PDF)"),
        "recycled_evidence_pdf": _("Recycled-content evidence (PDF)"),
        "verification_pdf": _("Verification statement (PDF)"),
        "text_layer": _("Text layer"),
        "declaration": _("Declaration"),
        "supersedes_id": _("Replaced declaration"),
    }


def unit_labels() -> dict[str, str]:
    """Declared units in the user's language."""
    return {"kilogram": _("kg"), "tonne": _("t (tonne)")}


def boundary_labels() -> dict[str, str]:
    """System boundaries in the user's language."""
    return {
        Boundary.CRADLE_TO_GATE.value: _("cradle-to-gate"),
        Boundary.CRADLE_TO_GRAVE.value: _("cradle-to-grave"),
        Boundary.GATE_TO_GATE.value: _("gate-to-gate"),
    }


def method_labels() -> dict[str, str]:
    """Recycled-content methods in the user's language."""
    return {
        RecycledMethod.SEGREGATED.value: _("segregated (physically separate)"),
        RecycledMethod.MASS_BALANCE.value: _("mass balance (e.g. ASI Chain of Custody)"),
    }


def electricity_labels() -> dict[str, str]:
    """Electricity sources in the user's language."""
    labels = {
        "grid": _("grid"),
        "hydro": _("hydropower"),
        "wind": _("wind"),
        "solar": _("solar"),
        "mixed_renewable": _("mixed renewable"),
        "captive_coal": _("captive coal power plant"),
        "other": _("other"),
    }
    return {source: labels.get(source, source) for source in ELECTRICITY_SOURCES}


def parse_decimal(raw: object, *, places: int = MAX_DECIMALS) -> Decimal:
    """A number under the rule in this module's docstring; FieldInvalid says what is wrong."""
    if isinstance(raw, bool):
        raise FieldInvalid(_("Enter a number such as 4.2 or 4,200."))
    if isinstance(raw, int | float | Decimal):
        try:
            number = Decimal(str(raw)) if isinstance(raw, float) else Decimal(raw)
        except InvalidOperation:
            raise FieldInvalid(_("Enter a number such as 4.2 or 4,200.")) from None
        if not number.is_finite():
            raise FieldInvalid(_("Enter a number such as 4.2 or 4,200."))
        return _bounded(number, places)
    if not isinstance(raw, str):
        raise FieldInvalid(_("Enter a number such as 4.2 or 4,200."))
    text = unicodedata.normalize("NFKC", raw).strip()
    negative = text.startswith("-")
    if text[:1] in "+-" and text:
        text = text[1:]
    match = _PLAIN.fullmatch(text) or _GROUPED.fullmatch(text)
    if match is None or not (match["int"] or match["frac"]):
        if _DECIMAL_COMMA.fullmatch(text):
            raise FieldInvalid(
                _("Use a point for decimals (4.2); a comma only separates thousands (4,200).")
            )
        raise FieldInvalid(_("Enter a number such as 4.2 or 4,200."))
    digits = (match["int"] or "0").replace(",", "")
    number = Decimal(
        ("-" if negative else "") + digits + ("." + match["frac"] if match["frac"] else "")
    )
    return _bounded(number, places)


def _bounded(number: Decimal, places: int) -> Decimal:
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > places:
        raise FieldInvalid(_("At most %(n)d decimal places.") % {"n": places})
    if abs(number) >= Decimal(10) ** MAX_INTEGER_DIGITS:
        raise FieldInvalid(_("The number is too large."))
    return number


def _text(raw: object) -> str:
    if not isinstance(raw, str):
        raise FieldInvalid(_("Enter text."))
    wrong = textrules.problem(raw, multiline=True)  # line breaks: see _parse_one
    if wrong is not None:
        raise FieldInvalid(wrong)
    return unicodedata.normalize("NFC", raw).strip()


def _day(raw: object) -> date:
    if isinstance(raw, date):
        day = raw
    else:
        try:
            day = date.fromisoformat(_text(raw))
        except ValueError:
            raise FieldInvalid(_("Enter a date as YYYY-MM-DD.")) from None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise FieldInvalid(
            _("Enter a date between %(first)d and %(last)d.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    return day


def _flag(raw: object, *, strict: bool) -> bool:
    if isinstance(raw, bool):
        return raw
    if not strict and isinstance(raw, str):
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise FieldInvalid(_("Choose true or false."))


def _choice(raw: object, allowed: Mapping[str, str] | tuple[str, ...]) -> str:
    text = _text(raw)
    if text not in allowed:
        raise FieldInvalid(_("Choose one of: %(options)s.") % {"options": ", ".join(allowed)})
    return text


def _standards(raw: object) -> tuple[str, ...]:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise FieldInvalid(_("Give the standards as a list."))
    chosen: list[str] = []
    for item in items:
        name = _text(item)
        if not name:
            continue
        if name not in STANDARDS:
            raise FieldInvalid(_("Choose one of: %(options)s.") % {"options": ", ".join(STANDARDS)})
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _parse_one(name: str, raw: object, ruleset: RuleSet, *, strict: bool) -> Any:
    if name == "material_code":
        code = _text(raw)
        if code not in ruleset.materials:
            raise FieldInvalid(_("Choose a material from the catalog."))
        return code
    if name == "declared_unit_of_measurement":
        return _choice(raw, tuple(KG_PER_UNIT))
    if name == "boundary":
        return _choice(raw, tuple(boundary.value for boundary in Boundary))
    if name == "recycled_method":
        return _choice(raw, tuple(method.value for method in RecycledMethod))
    if name == "electricity_source":
        return _choice(raw, ELECTRICITY_SOURCES)
    if name == "standards":
        return _standards(raw)
    if name == "low_carbon_electricity_claimed":
        return _flag(raw, strict=strict)
    if name in DATE_FIELDS:
        return _day(raw)
    if name == "declared_unit_amount":
        number = parse_decimal(raw)
        if number <= 0:
            raise FieldInvalid(_("Must be greater than %(n)s.") % {"n": 0})
        return number
    if name == "pcf_excluding_biogenic":
        number = parse_decimal(raw)
        if number < 0:
            raise FieldInvalid(_("Must not be negative."))
        return number
    if name in PERCENT_FIELDS:
        number = parse_decimal(raw, places=MAX_PERCENT_DECIMALS)
        if not 0 <= number <= HUNDRED:
            raise FieldInvalid(_("Enter a percentage from 0 to 100."))
        return number
    if name == "geography_country":
        country = _text(raw).upper()
        if not _COUNTRY.fullmatch(country):
            raise FieldInvalid(_("The country must be a two-letter ISO code, e.g. CN."))
        return country
    text = _text(raw)
    wrong = textrules.problem(text, multiline=name in MULTILINE_FIELDS)
    if wrong is not None:
        raise FieldInvalid(wrong)
    limit = TEXT_LIMITS[name]
    if len(text) > limit:
        raise FieldInvalid(_("At most %(n)s characters.") % {"n": limit})
    return text


def parse_fields(
    raw: Mapping[str, object],
    ruleset: RuleSet,
    *,
    strict: bool = False,
    partial: bool = False,
    today: date | None = None,
) -> Parsed:
    """Read every declaration field of RAW; STRICT for JSON (types matter, unknown keys refused).

    PARTIAL (checking as the supplier types) leaves out "required" errors for empty fields.
    TODAY (default: today at the plant) is the last day a past date can be.
    """
    parsed = Parsed()
    if strict:
        for name in raw:
            if name in SET_BY_PORTAL:
                parsed.errors[name] = _("Set by the portal; leave this field out.")
            elif name not in FIELD_NAMES:
                parsed.errors[name] = _("This field is not allowed.")
    for name in FIELD_NAMES:
        value = raw.get(name)
        if _blank(value) or (name == "standards" and value in ([], ())):
            if name in REQUIRED and not partial:
                parsed.errors[name] = _("This field is required.")
            continue
        try:
            parsed.values[name] = _parse_one(name, value, ruleset, strict=strict)
        except FieldInvalid as invalid:
            parsed.errors[name] = str(invalid)
    _check_together(parsed, today or plant_today())
    return parsed


def _check_together(parsed: Parsed, today: date) -> None:
    values, errors = parsed.values, parsed.errors
    for name in PAST_DATE_FIELDS:
        day = values.get(name)
        if day is not None and day > today:
            errors.setdefault(
                name, _("This date is after today (%(today)s).") % {"today": today.isoformat()}
            )
    start, end = values.get("reference_period_start"), values.get("reference_period_end")
    if start and end and end < start:
        errors.setdefault(
            "reference_period_end", _("The reference period must end on or after its start.")
        )
    validity = values.get("validity_period_end")
    if validity and end and validity < end:
        errors.setdefault(
            "validity_period_end",
            _("The validity must end on or after the end of the reference period."),
        )
    pre = values.get("recycled_pre_consumer_pct") or Decimal(0)
    post = values.get("recycled_post_consumer_pct") or Decimal(0)
    if pre + post > HUNDRED:
        errors.setdefault(
            "recycled_post_consumer_pct",
            _("Pre- plus post-consumer recycled content is %(total)s percent, more than 100.")
            % {"total": pre + post},
        )
    unit, amount, pcf = (
        values.get("declared_unit_of_measurement"),
        values.get("declared_unit_amount"),
        values.get("pcf_excluding_biogenic"),
    )
    if unit and amount and pcf is not None:
        t_per_t = pcf / (amount * KG_PER_UNIT[unit])
        if t_per_t >= Decimal(10) ** MAX_INTEGER_DIGITS:
            errors.setdefault(
                "pcf_excluding_biogenic",
                _(
                    "The footprint per tonne is too large to be real; "
                    "check the value and the declared unit."
                ),
            )


def facts_from(
    values: Mapping[str, Any], *, submitted_on: date, attachments: frozenset[str]
) -> DeclarationFacts:
    """The engine's facts from parsed values (which must have no errors)."""
    optional = {name: values[name] for name in FIELD_NAMES if name in values and name != "comment"}
    optional.setdefault("standards", ())
    optional["standards"] = tuple(optional["standards"])
    return DeclarationFacts(submitted_on=submitted_on, attachments=attachments, **optional)


def form_values(raw: Mapping[str, object]) -> dict[str, Any]:
    """What was typed, to show again in a re-rendered form."""
    shown: dict[str, Any] = {}
    for name in FIELD_NAMES:
        value = raw.get(name)
        if name == "standards":
            items = [value] if isinstance(value, str) else (value or [])
            shown[name] = [str(item) for item in items] if isinstance(items, list | tuple) else []
        elif name == "low_carbon_electricity_claimed":
            shown[name] = value is True or (
                isinstance(value, str) and value.strip().lower() in TRUE_WORDS
            )
        elif value is None:
            shown[name] = ""
        else:
            shown[name] = str(value)
    return shown
