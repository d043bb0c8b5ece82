"""Quarterly equipment review: specific energy per tonne against the baseline (ISO 50006 EnPI).

For each key equipment and medium: the quarter's energy ÷ the tonnes its product line made in
the quarter (its share of them when shared), against the same indicator over the plan's
baseline year, the change since the previous quarter, and the CO2e the energy stands for.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_targets
from portal.db import utcnow
from portal.energy import rollups
from portal.energy.emissions import months_of
from portal.energy.meters import line_shares
from portal.energy.models import Meter, Production, ReviewNote
from portal.energy.rules import energy_rules
from portal.errors import InvalidInput
from portal.exportcolumns import BOM, Headers, formula_safe
from portal.i18n import _

QUARTER = re.compile(r"^(20\d\d)-Q([1-4])$")
MAX_NOTE = 2000


def parse_quarter(text: str) -> tuple[int, int]:
    """(year, quarter) of "2023-Q4", or InvalidInput naming the field."""
    match = QUARTER.match(text.strip())
    if not match:
        raise InvalidInput(_("Enter a quarter as YYYY-Qn, e.g. 2023-Q4."), field="quarter")
    return int(match.group(1)), int(match.group(2))


def quarter_months(year: int, quarter: int) -> list[str]:
    """The three month keys of a quarter."""
    return months_of(year)[(quarter - 1) * 3 : quarter * 3]


def previous(year: int, quarter: int) -> tuple[int, int]:
    """The quarter before."""
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def specific(energy: float, tonnes: float) -> float | None:
    """Energy per tonne, or None without production."""
    return energy / tonnes if tonnes > 0 else None


def change(now: float | None, then: float | None) -> float | None:
    """The relative change from THEN to NOW."""
    if now is None or then is None or then == 0:
        return None
    return now / then - 1


def equipment_of(meter: Meter) -> str:
    """How the review names a meter's equipment: workshop / line / equipment."""
    return " / ".join(part for part in (meter.workshop, meter.line, meter.equipment) if part)


@dataclass(frozen=True)
class ReviewRow:
    """One equipment and medium in the quarter."""

    equipment: str
    meter: Meter
    energy: float
    tonnes: float
    specific: float | None
    baseline: float | None
    vs_baseline: float | None
    previous: float | None
    vs_previous: float | None
    tco2e: float


def _tonnes(db: Session, months: list[str]) -> dict[str, float]:
    rows = db.exec(
        select(Production).where(
            col(Production.month) >= months[0], col(Production.month) <= months[-1]
        )
    ).all()
    out: dict[str, float] = {}
    for row in rows:
        out[row.product_line] = out.get(row.product_line, 0.0) + float(row.tonnes)
    return out


def indicator(
    db: Session, meters: list[Meter], months: list[str]
) -> dict[int, tuple[float, float]]:
    """Per meter: its energy in MONTHS and the tonnes its lines made (by its shares)."""
    sums = rollups.totals(db, grain="m", first=months[0], last=months[-1])
    tonnes = _tonnes(db, months)
    out: dict[int, tuple[float, float]] = {}
    for meter in meters:
        energy = sum(sum(values) for (meter_id, _m), values in sums.items() if meter_id == meter.id)
        made = sum(tonnes.get(line, 0.0) * share for line, share in line_shares(meter).items())
        out[meter.id or 0] = (energy, made)
    return out


def key_meters(db: Session) -> list[Meter]:
    """Meters of key equipment: consuming, on a named equipment, serving product lines."""
    return [
        meter
        for meter in db.exec(select(Meter).order_by(col(Meter.workshop), col(Meter.code))).all()
        if meter.role == "consumption" and meter.equipment and line_shares(meter)
    ]


def quarter_review(db: Session, *, quarter: str) -> dict[str, object]:
    """The review of QUARTER: a row per equipment and medium, with the notes."""
    year, number = parse_quarter(quarter)
    rules = energy_rules()
    meters = key_meters(db)
    baseline_year = min(line.baseline.year for line in get_targets().lines.values())
    now = indicator(db, meters, quarter_months(year, number))
    before = indicator(db, meters, quarter_months(*previous(year, number)))
    base = indicator(db, meters, months_of(baseline_year))
    grid, _proxy = rules.grid_for(year)
    rows = []
    for meter in meters:
        energy, tonnes = now[meter.id or 0]
        medium = rules.media.get(meter.medium)
        if meter.medium == "electricity":
            kg = float(grid.location_kg_per_kwh) if grid else 0.0
        else:
            kg = float(medium.kg_per_unit) if medium and medium.kg_per_unit else 0.0
        value = specific(energy, tonnes)
        baseline = specific(*base[meter.id or 0])
        earlier = specific(*before[meter.id or 0])
        rows.append(
            ReviewRow(
                equipment=equipment_of(meter),
                meter=meter,
                energy=energy,
                tonnes=tonnes,
                specific=value,
                baseline=baseline,
                vs_baseline=change(value, baseline),
                previous=earlier,
                vs_previous=change(value, earlier),
                tco2e=energy * kg / 1000,
            )
        )
    notes = {
        note.equipment: note
        for note in db.exec(select(ReviewNote).where(ReviewNote.quarter == quarter)).all()
    }
    return {
        "quarter": f"{year}-Q{number}",
        "baseline_year": baseline_year,
        "rows": rows,
        "notes": notes,
        "equipments": sorted({row.equipment for row in rows}),
    }


def save_note(db: Session, *, actor: Actor, quarter: str, equipment: str, note: str) -> ReviewNote:
    """The quarter's note on an equipment's maintenance or upgrades; audited."""
    year, number = parse_quarter(quarter)
    quarter = f"{year}-Q{number}"
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": MAX_NOTE}, field="note")
    known = {equipment_of(meter) for meter in db.exec(select(Meter)).all()}
    if equipment not in known:
        raise InvalidInput(_("Choose an equipment of the meter tree."), field="equipment")
    row = db.exec(
        select(ReviewNote).where(ReviewNote.quarter == quarter, ReviewNote.equipment == equipment)
    ).first()
    before = {"note": row.note} if row else None
    row = row or ReviewNote(quarter=quarter, equipment=equipment, note=note)
    row.note = note
    row.updated_at = utcnow()
    row.updated_by_id = actor.user_id
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="energy_review_note.saved",
        entity_type="energy_review_note",
        entity_id=row.id,
        before=before,
        after={"quarter": quarter, "equipment": equipment, "note": note},
    )
    return row


REVIEW_COLUMNS = (
    "quarter", "equipment", "meter", "medium", "unit", "energy", "tonnes", "specific_per_t",
    "baseline_per_t", "vs_baseline", "previous_per_t", "vs_previous", "tco2e", "note",
)  # fmt: skip


def review_csv(review: dict[str, object], headers: Headers) -> str:
    """The review as CSV."""
    buffer = io.StringIO()
    if not headers.keys:
        buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers.row(REVIEW_COLUMNS))
    notes = review["notes"]
    assert isinstance(notes, dict)
    rows = review["rows"]
    assert isinstance(rows, list)
    for row in rows:
        note = notes.get(row.equipment)
        writer.writerow(
            [
                review["quarter"], formula_safe(row.equipment), row.meter.code, row.meter.medium,
                row.meter.unit, round(row.energy, 3), round(row.tonnes, 3),
                _round(row.specific), _round(row.baseline), _round(row.vs_baseline),
                _round(row.previous), _round(row.vs_previous), round(row.tco2e, 3),
                formula_safe(note.note) if note else "",
            ]
        )  # fmt: skip
    return buffer.getvalue()


def _round(value: float | None) -> str:
    return "" if value is None else f"{Decimal(value):.4f}"
