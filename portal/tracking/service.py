"""Tracking against the plan: the ESG inputs and the yearly figures built from SQL sums."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_targets
from portal.checking.targets import Targets
from portal.clock import plant_today
from portal.db import utcnow
from portal.errors import Conflict, InvalidInput
from portal.i18n import _
from portal.tracking import queries
from portal.tracking.figures import Inputs, LineFigures, Missing, Sums, line_figures, plan_for
from portal.tracking.models import LineYear

YEAR_MIN = 2000
YEAR_MAX = 2100
TREND_LAST_YEAR = 2030  # the plan's horizon
MAX_TONNES = Decimal("999999999999.999")  # what Numeric(18, 3) holds
BASELINE_SOURCE = "plan baseline {year} (rules/targets.toml)"


def lines(targets: Targets | None = None) -> list[str]:
    """The plant's product lines, in the plan's order."""
    return list((targets or get_targets()).lines)


def trend_years(targets: Targets | None = None, *also: int) -> list[int]:
    """The baseline year to 2030, widened to include ALSO."""
    targets = targets or get_targets()
    first = min(baseline.year for baseline in targets.baseline.values())
    return list(range(min([first, *also]), max([TREND_LAST_YEAR, *also]) + 1))


def check_year(year: int, field: str = "year") -> int:
    """YEAR, or InvalidInput when it lies outside what the portal tracks."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InvalidInput(
            _("Enter a year from %(first)d to %(last)d.") % {"first": YEAR_MIN, "last": YEAR_MAX},
            field=field,
        )
    return year


def check_line(line: str, field: str = "line") -> str:
    """LINE, or InvalidInput when the plan has no such product line."""
    if line not in get_targets().lines:
        raise InvalidInput(_("Choose a product line."), field=field)
    return line


# --- ESG inputs: production and Scope 1+2 -------------------------------------------------


def line_inputs(db: Session, *, first_year: int, last_year: int) -> dict[tuple[str, int], Inputs]:
    """Entered production and Scope 1+2 per (line, year); the plan's baseline where none is."""
    rows = db.exec(
        select(LineYear).where(col(LineYear.year) >= first_year, col(LineYear.year) <= last_year)
    ).all()
    found = {
        (row.product_line, row.year): Inputs(row.production_t, row.scope12_t, row.source)
        for row in rows
    }
    for code, baseline in get_targets().baseline.items():
        if first_year <= baseline.year <= last_year and (code, baseline.year) not in found:
            found[(code, baseline.year)] = Inputs(
                production_t=baseline.production_t,
                scope12_t=baseline.scope12_tco2e,
                source=BASELINE_SOURCE.format(year=baseline.year),
                from_plan=True,
            )
    return found


@dataclass(frozen=True)
class InputRow:
    """One line-year of the inputs page: what is entered, and when and by whom."""

    line: str
    year: int
    inputs: Inputs
    stored: LineYear | None


def input_rows(db: Session, *, years: list[int]) -> list[InputRow]:
    """Every line and year of YEARS with its inputs, for the inputs page."""
    stored = {
        (row.product_line, row.year): row
        for row in db.exec(
            select(LineYear).where(col(LineYear.year) >= years[0], col(LineYear.year) <= years[-1])
        ).all()
    }
    inputs = line_inputs(db, first_year=years[0], last_year=years[-1])
    return [
        InputRow(
            line=line,
            year=year,
            inputs=inputs.get((line, year), Inputs(None, None)),
            stored=stored.get((line, year)),
        )
        for line in lines()
        for year in years
    ]


def input_row(db: Session, *, line: str, year: int) -> InputRow:
    """The inputs of one line and year."""
    check_line(line)
    check_year(year)
    return next(row for row in input_rows(db, years=[year]) if row.line == line)


def parse_tonnes(raw: str | Decimal | None, field: str) -> Decimal | None:
    """A non-negative amount in tonnes with at most three decimals; blank means not known."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(raw.strip().replace(",", "") if isinstance(raw, str) else raw)
    except InvalidOperation:
        raise InvalidInput(_("Enter a number."), field=field) from None
    if not value.is_finite():
        raise InvalidInput(_("Enter a number."), field=field)
    if value < 0:
        raise InvalidInput(_("Must be at least %(n)s.") % {"n": 0}, field=field)
    if value > MAX_TONNES:
        raise InvalidInput(_("Must be at most %(n)s.") % {"n": MAX_TONNES}, field=field)
    if value != value.quantize(Decimal("0.001")):
        raise InvalidInput(_("At most three decimals (kilograms)."), field=field)
    return value.quantize(Decimal("0.001"))


def _fields(row: LineYear | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "product_line": row.product_line,
        "year": row.year,
        "production_t": row.production_t,
        "scope12_t": row.scope12_t,
        "source": row.source,
    }


def save_line_year(
    db: Session,
    *,
    actor: Actor,
    line: str,
    year: int,
    production_t: Decimal | str | None,
    scope12_t: Decimal | str | None,
    source: str = "",
) -> LineYear:
    """Set the line's production and Scope 1+2 for the year; audited with before and after."""
    check_line(line)
    check_year(year)
    production = parse_tonnes(production_t, "production_t")
    scope12 = parse_tonnes(scope12_t, "scope12_t")
    source = " ".join(source.split())
    if len(source) > 200:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": 200}, field="source")
    baseline = get_targets().baseline.get(line)
    if (
        baseline is not None
        and source == BASELINE_SOURCE.format(year=year)
        and (production, scope12) != (baseline.production_t, baseline.scope12_tco2e)
    ):
        source = ""  # changed figures are no longer the plan's
    source = source or f"entered by {actor.label}"[:200]
    row = db.exec(
        select(LineYear).where(LineYear.product_line == line, LineYear.year == year)
    ).first()
    before = _fields(row)
    if row is None:
        row = LineYear(product_line=line, year=year)
    elif (row.production_t, row.scope12_t, row.source) == (production, scope12, source):
        return row
    row.production_t = production
    row.scope12_t = scope12
    row.source = source
    row.updated_at = utcnow()
    row.updated_by_id = actor.user_id
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        raise Conflict(
            _("Someone else saved this line and year first. Reload and try again.")
        ) from None
    audit.record(
        db,
        actor=actor,
        action="line_year.created" if before is None else "line_year.updated",
        entity_type="line_year",
        entity_id=row.id,
        before=before,
        after=_fields(row),
    )
    return row


def prefill_baseline(db: Session, *, actor: Actor) -> list[str]:
    """Store the plan's baseline production and Scope 1+2 where no row exists (idempotent)."""
    added = []
    for code, baseline in get_targets().baseline.items():
        exists = db.exec(
            select(LineYear.id).where(LineYear.product_line == code, LineYear.year == baseline.year)
        ).first()
        if exists is None:
            save_line_year(
                db,
                actor=actor,
                line=code,
                year=baseline.year,
                production_t=baseline.production_t,
                scope12_t=baseline.scope12_tco2e,
                source=BASELINE_SOURCE.format(year=baseline.year),
            )
            added.append(f"line_year {code} {baseline.year}")
    return added


# --- figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearFigures:
    """The figures of every product line in one year."""

    year: int
    lines: list[LineFigures]

    def line(self, code: str) -> LineFigures:
        """The figures of product line CODE."""
        return next(figures for figures in self.lines if figures.line == code)


def figures_for_years(db: Session, *, years: list[int]) -> list[YearFigures]:
    """Figures for each of YEARS (consecutive), from one aggregate query and the inputs."""
    targets = get_targets()
    first, last = years[0], years[-1]
    sums = queries.purchase_sums(db, first_year=first, last_year=last)
    by_year: dict[int, list[Sums]] = {}
    for row in sums:
        by_year.setdefault(row.year, []).append(row)
    inputs = with_metered(db, line_inputs(db, first_year=first, last_year=last), first, last)
    return [
        YearFigures(
            year=year,
            lines=[
                line_figures(
                    year,
                    code,
                    by_year.get(year, ()),
                    inputs.get((code, year)),
                    plan_for(targets, code, year),
                )
                for code in targets.lines
            ],
        )
        for year in years
    ]


def with_metered(
    db: Session, inputs: dict[tuple[str, int], Inputs], first_year: int, last_year: int
) -> dict[tuple[str, int], Inputs]:
    """INPUTS with Scope 1+2 from the plant's meters where they measured the line's year."""
    from portal.energy.emissions import metered_line_years

    out = dict(inputs)
    metered = metered_line_years(db, first_year=first_year, last_year=last_year)
    for key, found in metered.items():
        entered = inputs.get(key)
        production = entered.production_t if entered else None
        out[key] = Inputs(
            production_t=production if production is not None else found.production_t,
            scope12_t=found.scope12_t,
            source=found.source,
        )
    return out


def year_figures(db: Session, *, year: int) -> YearFigures:
    """The figures of every product line in YEAR."""
    check_year(year)
    return figures_for_years(db, years=[year])[0]


def current_year() -> int:
    """This calendar year (the dashboard's default)."""
    return plant_today().year


def reason_text(reason: Missing | None) -> str:
    """Why a figure is missing, in the user's language."""
    if reason is None:
        return ""
    return {
        Missing.NO_PRODUCTION: _(
            "No production has been entered for this line and year, so no intensity can be given."
        ),
        Missing.ZERO_PRODUCTION: _("Production is zero, so no intensity can be given."),
        Missing.NO_PURCHASES: _("No purchases are recorded for this line and year."),
        Missing.NO_SCOPE12: _("No Scope 1+2 emissions have been entered for this line and year."),
        Missing.NO_RAW_MATERIALS: _("No raw materials are recorded for this line and year."),
        Missing.NO_EMISSIONS: _("No emissions are recorded for this line and year."),
    }[reason]
