"""What people enter by hand: monthly quantities without telemetry, production, green power."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.db import utcnow
from portal.energy import readings, rollups
from portal.energy.models import Certificate, GreenInstrument, Meter, Production, Reading
from portal.errors import InvalidInput
from portal.i18n import _
from portal.tracking.service import check_line, parse_tonnes

INSTRUMENT_KINDS = ("contract", "certificate")
GENERATION_TYPES = ("wind", "solar", "hydro", "biomass", "other")
CERTIFICATE_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,63}$")
MAX_CERTIFICATES = 100_000


def _quantity(raw: str | float | Decimal, field: str) -> float:
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except ArithmeticError:
        raise InvalidInput(_("Enter a number."), field=field) from None
    if not value.is_finite():
        raise InvalidInput(_("Enter a number."), field=field)
    if value < 0:
        raise InvalidInput(_("Must be at least %(n)s.") % {"n": 0}, field=field)
    return float(value)


def enter_month(
    db: Session,
    *,
    actor: Actor,
    meter_code: str,
    month: str,
    quantity: str | float | Decimal,
    note: str = "",
) -> Reading:
    """A month's quantity for a meter without telemetry (diesel deliveries, gas invoices);
    entering it again corrects it. Audited."""
    meter = db.exec(select(Meter).where(Meter.code == meter_code)).first()
    if meter is None:
        raise InvalidInput(
            _("No meter with code '%(code)s'.") % {"code": meter_code}, field="meter"
        )
    if meter.kind != "manual":
        raise InvalidInput(
            _("Meter '%(code)s' sends readings; only manual meters take monthly entries.")
            % {"code": meter.code},
            field="meter",
        )
    month = readings.parse_month(month)
    value = _quantity(quantity, "quantity")
    note = " ".join(note.split())[:200]
    start_s, end_s = readings.month_bounds(month)
    existing = db.exec(
        select(Reading).where(Reading.meter_id == meter.id, Reading.at_s == end_s)
    ).first()
    before = {"value": existing.value, "note": existing.note} if existing else None
    if existing is not None:
        if existing.value == value and existing.note == note:
            return existing
        rollups.apply(db, {meter.id or 0: _negated(rollups.reading_parts(existing))})
        db.execute(delete(Reading).where(col(Reading.id) == existing.id))
        db.expunge(existing)
    result = readings.ingest(
        db,
        items=[
            readings.RawReading(meter=meter.code, at_s=end_s, value=value, period_start_s=start_s)
        ],
        source="manual",
        now_s=max(end_s, int(utcnow().timestamp())),
    )
    if result.errors:
        error = result.errors[0]
        raise InvalidInput(error.message, field=error.field)
    reading = db.exec(
        select(Reading).where(Reading.meter_id == meter.id, Reading.at_s == end_s)
    ).one()
    if note:
        reading.note = note
        db.add(reading)
        db.flush()
    audit.record(
        db,
        actor=actor,
        action="energy_entry.created" if before is None else "energy_entry.corrected",
        entity_type="energy_reading",
        entity_id=reading.id,
        before=before,
        after={"meter": meter.code, "month": month, "value": value, "note": note},
    )
    return reading


def _negated(
    parts: dict[tuple[str, str], tuple[float, float, float]],
) -> dict[tuple[str, str], list[float]]:
    return {key: [-value for value in values] for key, values in parts.items()}


def save_production(
    db: Session,
    *,
    actor: Actor,
    line: str,
    month: str,
    tonnes: str | Decimal,
    source: str = "",
) -> Production:
    """Tonnes LINE produced in MONTH; audited with before and after."""
    check_line(line)
    month = readings.parse_month(month)
    amount = parse_tonnes(tonnes, "tonnes")
    if amount is None:
        raise InvalidInput(_("This field is required."), field="tonnes")
    source = " ".join(source.split())[:200] or f"entered by {actor.label}"[:200]
    row = db.exec(
        select(Production).where(Production.product_line == line, Production.month == month)
    ).first()
    before = {"tonnes": row.tonnes, "source": row.source} if row else None
    if row is not None and (row.tonnes, row.source) == (amount, source):
        return row
    row = row or Production(product_line=line, month=month, tonnes=amount)
    row.tonnes = amount
    row.source = source
    row.updated_at = utcnow()
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="energy_production.saved",
        entity_type="energy_production",
        entity_id=row.id,
        before=before,
        after={"line": line, "month": month, "tonnes": amount, "source": source},
    )
    return row


def add_instrument(
    db: Session,
    *,
    actor: Actor,
    kind: str,
    reference: str,
    mwh: str | Decimal,
    month_from: str,
    month_to: str,
    generation_type: str = "",
    numbers: list[str] | None = None,
) -> GreenInstrument:
    """Record a green power contract or a batch of certificates; each certificate counts once."""
    if kind not in INSTRUMENT_KINDS:
        raise InvalidInput(
            _("Choose one of: %(options)s.") % {"options": ", ".join(INSTRUMENT_KINDS)},
            field="kind",
        )
    reference = " ".join(reference.split())
    if not reference or len(reference) > 100:
        raise InvalidInput(_("Enter a reference of at most 100 characters."), field="reference")
    amount = parse_tonnes(mwh, "mwh")  # the same rule: non-negative, three decimals
    if amount is None or amount <= 0:
        raise InvalidInput(_("Must be greater than %(n)s.") % {"n": 0}, field="mwh")
    first = readings.parse_month(month_from, "month_from")
    last = readings.parse_month(month_to, "month_to")
    if last < first:
        raise InvalidInput(_("The end lies before the start."), field="month_to")
    if generation_type and generation_type not in GENERATION_TYPES:
        raise InvalidInput(
            _("Choose one of: %(options)s.") % {"options": ", ".join(GENERATION_TYPES)},
            field="generation_type",
        )
    numbers = [number.strip() for number in numbers or [] if number.strip()]
    if kind == "certificate":
        if len(numbers) > MAX_CERTIFICATES:
            raise InvalidInput(_("Too many certificate numbers."), field="numbers")
        bad = next((n for n in numbers if not CERTIFICATE_NUMBER.match(n)), None)
        if bad is not None:
            raise InvalidInput(
                _("'%(number)s' is not a certificate number.") % {"number": bad[:64]},
                field="numbers",
            )
        if len(set(numbers)) != len(numbers):
            raise InvalidInput(_("A certificate number is listed twice."), field="numbers")
        if Decimal(len(numbers)) != amount:
            raise InvalidInput(
                _("One certificate is one MWh: %(n)s numbers for %(mwh)s MWh.")
                % {"n": len(numbers), "mwh": amount},
                field="numbers",
            )
        taken = (
            db.exec(
                select(Certificate.number).where(col(Certificate.number).in_(numbers[:1000]))
            ).first()
            if numbers
            else None
        )
        if taken is None and len(numbers) > 1000:
            for start in range(1000, len(numbers), 1000):
                taken = db.exec(
                    select(Certificate.number).where(
                        col(Certificate.number).in_(numbers[start : start + 1000])
                    )
                ).first()
                if taken:
                    break
        if taken:
            raise InvalidInput(
                _("Certificate %(number)s is already counted.") % {"number": taken}, field="numbers"
            )
    row = GreenInstrument(
        kind=kind,
        reference=reference,
        mwh=amount,
        month_from=first,
        month_to=last,
        generation_type=generation_type,
    )
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
            if numbers:
                db.add_all([Certificate(number=n, instrument_id=row.id or 0) for n in numbers])
                db.flush()
    except IntegrityError:
        raise InvalidInput(_("A certificate number is already counted."), field="numbers") from None
    audit.record(
        db,
        actor=actor,
        action="energy_green.created",
        entity_type="energy_green",
        entity_id=row.id,
        after=_instrument_fields(row, len(numbers)),
    )
    return row


def _instrument_fields(row: GreenInstrument, count: int) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "reference": row.reference,
        "mwh": row.mwh,
        "month_from": row.month_from,
        "month_to": row.month_to,
        "generation_type": row.generation_type,
        "certificates": count,
    }
