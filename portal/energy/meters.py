"""The meter tree: define meters one by one or from a TOML/CSV file, every change audited."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_targets
from portal.db import utcnow
from portal.energy import core
from portal.energy.models import Meter
from portal.energy.rules import energy_rules
from portal.errors import InvalidInput
from portal.i18n import _

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
ROLES = ("consumption", "generation")
FIELDS = (
    "code",
    "name",
    "site",
    "workshop",
    "line",
    "equipment",
    "medium",
    "unit",
    "kind",
    "interval_s",
    "multiplier",
    "rollover_at",
    "max_rate_per_h",
    "product_line",
    "split_key",
    "role",
    "in_service_from",
    "in_service_to",
)
REQUIRED = ("code", "name", "site", "medium", "kind", "in_service_from")
MAX_FILE_METERS = 5000


def _text(data: dict[str, Any], key: str, limit: int, *, required: bool = False) -> str:
    value = data.get(key)
    text = "" if value is None else " ".join(str(value).split())
    if required and not text:
        raise InvalidInput(_("This field is required."), field=key)
    if len(text) > limit:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": limit}, field=key)
    return text


def _number(
    data: dict[str, Any], key: str, *, default: float | None, minimum: float
) -> float | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        number = float(str(value).strip())
    except ValueError:
        raise InvalidInput(_("Enter a number."), field=key) from None
    if not number == number or number in (float("inf"), float("-inf")):
        raise InvalidInput(_("Enter a number."), field=key)
    if number <= minimum:
        raise InvalidInput(_("Must be greater than %(n)s.") % {"n": minimum}, field=key)
    return number


def _day(data: dict[str, Any], key: str) -> date | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(_("Enter a date as YYYY-MM-DD."), field=key) from None


def clean(data: dict[str, Any]) -> dict[str, Any]:
    """The meter's fields from DATA (a form, a TOML table or a CSV row), or InvalidInput."""
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InvalidInput(_("This field is not allowed."), field=unknown[0])
    code = _text(data, "code", 64, required=True)
    if not CODE.match(code):
        raise InvalidInput(
            _("Letters, digits, '.', '_' and '-' only, starting with a letter or digit."),
            field="code",
        )
    rules = energy_rules()
    medium = _text(data, "medium", 32, required=True)
    if medium not in rules.media:
        raise InvalidInput(
            _("Choose one of: %(options)s.") % {"options": ", ".join(rules.media)}, field="medium"
        )
    unit = _text(data, "unit", 16) or rules.media[medium].unit
    if unit != rules.media[medium].unit:
        raise InvalidInput(
            _("A %(medium)s meter reads %(unit)s.")
            % {"medium": medium, "unit": rules.media[medium].unit},
            field="unit",
        )
    kind = _text(data, "kind", 16, required=True)
    if kind not in core.KINDS:
        raise InvalidInput(
            _("Choose one of: %(options)s.") % {"options": ", ".join(core.KINDS)}, field="kind"
        )
    role = _text(data, "role", 16) or "consumption"
    if role not in ROLES:
        raise InvalidInput(
            _("Choose one of: %(options)s.") % {"options": ", ".join(ROLES)}, field="role"
        )
    interval = _number(data, "interval_s", default=900, minimum=0)
    assert interval is not None
    if interval != int(interval) or not 60 <= interval <= 31 * 86400:
        raise InvalidInput(_("A whole number of seconds from 60 to 2678400."), field="interval_s")
    lines = list(get_targets().lines)
    product_line = _text(data, "product_line", 16) or None
    split_key = _text(data, "split_key", 200)
    if product_line and split_key:
        raise InvalidInput(_("Give a product line or a split key, not both."), field="split_key")
    if product_line and product_line not in lines:
        raise InvalidInput(_("Choose a product line."), field="product_line")
    if split_key:
        try:
            shares = core.parse_split(split_key)
        except ValueError as error:
            raise InvalidInput(
                _("Split key: %(problem)s.") % {"problem": error}, field="split_key"
            ) from None
        unknown_lines = sorted(set(shares) - set(lines))
        if unknown_lines:
            raise InvalidInput(
                _("Split key: no product line '%(line)s'.") % {"line": unknown_lines[0]},
                field="split_key",
            )
        split_key = ",".join(f"{line}:{share:g}" for line, share in shares.items())
    start = _day(data, "in_service_from")
    if start is None:
        raise InvalidInput(_("This field is required."), field="in_service_from")
    end = _day(data, "in_service_to")
    if end is not None and end < start:
        raise InvalidInput(_("The end lies before the start."), field="in_service_to")
    return {
        "code": code,
        "name": _text(data, "name", 200, required=True),
        "site": _text(data, "site", 100, required=True),
        "workshop": _text(data, "workshop", 100),
        "line": _text(data, "line", 100),
        "equipment": _text(data, "equipment", 100),
        "medium": medium,
        "unit": unit,
        "kind": kind,
        "interval_s": int(interval),
        "multiplier": _number(data, "multiplier", default=1.0, minimum=0),
        "rollover_at": _number(data, "rollover_at", default=None, minimum=0),
        "max_rate_per_h": _number(data, "max_rate_per_h", default=None, minimum=0),
        "product_line": product_line,
        "split_key": split_key,
        "role": role,
        "in_service_from": start,
        "in_service_to": end,
    }


def _fields(meter: Meter) -> dict[str, Any]:
    return {name: getattr(meter, name) for name in FIELDS}


def save(db: Session, *, actor: Actor, data: dict[str, Any]) -> tuple[Meter, str]:
    """Create the meter or update the one with the same code; audited. ('created' etc.)"""
    fields = clean(data)
    meter = db.exec(select(Meter).where(Meter.code == fields["code"])).first()
    before = _fields(meter) if meter else None
    if meter is not None and before == fields:
        return meter, "unchanged"
    if meter is not None and fields["kind"] != meter.kind:
        from portal.energy.models import Reading

        if db.exec(select(Reading.id).where(Reading.meter_id == meter.id).limit(1)).first():
            raise InvalidInput(
                _("The meter has readings; its kind cannot change. Define a new meter."),
                field="kind",
            )
    meter = meter or Meter(**fields)
    for name, value in fields.items():
        setattr(meter, name, value)
    meter.updated_at = utcnow()
    db.add(meter)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="energy_meter.created" if before is None else "energy_meter.updated",
        entity_type="energy_meter",
        entity_id=meter.id,
        before=before,
        after=_fields(meter),
    )
    return meter, "created" if before is None else "updated"


@dataclass(frozen=True)
class LoadProblem:
    """What is wrong with entry NUMBER of a meters file."""

    number: int
    code: str
    field: str | None
    message: str


def parse_file(name: str, content: bytes) -> list[dict[str, Any]]:
    """The meter entries of a TOML ([[meters]] tables) or CSV (header row) file."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text."), field="file") from None
    if name.lower().endswith(".toml"):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise InvalidInput(
                _("Not valid TOML: %(problem)s") % {"problem": error}, field="file"
            ) from None
        entries = data.get("meters")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise InvalidInput(_("The file has no [[meters]] tables."), field="file")
    elif name.lower().endswith(".csv"):
        reader = csv.DictReader(io.StringIO(text))
        entries = [
            {key.strip(): value for key, value in row.items() if key and value not in (None, "")}
            for row in reader
        ]
    else:
        raise InvalidInput(_("Give a .toml or .csv file."), field="file")
    if len(entries) > MAX_FILE_METERS:
        raise InvalidInput(
            _("At most %(n)s meters per file.") % {"n": MAX_FILE_METERS}, field="file"
        )
    return entries


def load_file(
    db: Session, *, actor: Actor, name: str, content: bytes
) -> tuple[dict[str, int], list[LoadProblem]]:
    """Save every meter of the file, or none if any entry is wrong (all problems listed)."""
    entries = parse_file(name, content)
    problems: list[LoadProblem] = []
    for number, entry in enumerate(entries, start=1):
        try:
            clean(entry)
        except InvalidInput as error:
            problems.append(
                LoadProblem(number, str(entry.get("code", "")), error.field, error.message)
            )
    codes = [str(entry.get("code", "")) for entry in entries]
    for number, code in enumerate(codes, start=1):
        if code and codes.index(code) != number - 1:
            problems.append(LoadProblem(number, code, "code", _("Listed twice in the file.")))
    if problems:
        return {}, problems
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for entry in entries:
        _meter, outcome = save(db, actor=actor, data=entry)
        counts[outcome] += 1
    return counts, []


def all_meters(db: Session) -> list[Meter]:
    """Every meter, in tree order."""
    return list(
        db.exec(
            select(Meter).order_by(
                col(Meter.site),
                col(Meter.workshop),
                col(Meter.line),
                col(Meter.equipment),
                col(Meter.code),
            )
        ).all()
    )


def line_shares(meter: Meter) -> dict[str, float]:
    """Which product lines the meter's energy belongs to, with their shares."""
    return shares_of(meter.product_line, meter.split_key)


def shares_of(product_line: str | None, split_key: str) -> dict[str, float]:
    """The product lines (and shares) of a meter serving PRODUCT_LINE or split by SPLIT_KEY."""
    if product_line:
        return {product_line: 1.0}
    if split_key:
        return core.parse_split(split_key)
    return {}
