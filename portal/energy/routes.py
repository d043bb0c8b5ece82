"""Energy pages: live plant, monthly analysis, meters, entries, alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response

from portal.accounts.models import Role
from portal.clock import plant_today
from portal.db import DbSession
from portal.energy import alerts, entries, meters, pages, review
from portal.energy.models import GreenInstrument
from portal.errors import InvalidInput
from portal.security import Principal, require_roles
from portal.textrules import MULTILINE
from portal.tracking import service as tracking
from portal.web import ExportHeaders, is_htmx, redirect, render

router = APIRouter()
EsgOrAdmin = Annotated[Principal, Depends(require_roles(Role.ESG, Role.ADMIN))]
EsgOnly = Annotated[Principal, Depends(require_roles(Role.ESG))]
AdminOnly = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
YearQuery = Annotated[int | None, Query(ge=tracking.YEAR_MIN, le=tracking.YEAR_MAX)]
Short = Annotated[str, Form(max_length=200)]
MAX_METER_FILE = 2 * 1024 * 1024


@router.get("/energy", name="energy_live")
def live(request: Request, db: DbSession, _who: EsgOrAdmin) -> Response:
    """The plant now: flow per line, today's energy and CO2e, silent and flagged meters."""
    context = pages.live(db)
    if is_htmx(request):
        return render(request, "energy/_live.html", context)
    return render(request, "energy/live.html", context)


@router.get("/energy/analysis", name="energy_analysis")
def analysis(request: Request, db: DbSession, _who: EsgOrAdmin, year: YearQuery = None) -> Response:
    """Energy and Scope 1+2 per line by month, quarter and year, against the target."""
    return render(
        request, "energy/analysis.html", pages.analysis(db, year=year or tracking.current_year())
    )


@router.get("/energy/analysis.csv", name="energy_analysis_csv")
def analysis_csv(
    db: DbSession, _who: EsgOrAdmin, headers: ExportHeaders, year: YearQuery = None
) -> Response:
    """The analysis table as CSV."""
    chosen = year or tracking.current_year()
    context = pages.analysis(db, year=chosen)
    return Response(
        pages.analysis_csv(context["energy"], context["tables"], headers),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="energy-{chosen}.csv"'},
    )


@router.get("/energy/meters", name="energy_meters")
def meter_list(request: Request, db: DbSession, _who: EsgOrAdmin) -> Response:
    """The meter tree; admins add and change meters here."""
    return render(
        request, "energy/meters.html", {"meters": meters.all_meters(db), "errors": {}, "form": {}}
    )


@router.post("/energy/meters", name="energy_save_meter")
def save_meter(
    request: Request,
    db: DbSession,
    admin: AdminOnly,
    code: Short = "",
    name: Short = "",
    site: Short = "",
    workshop: Short = "",
    line: Short = "",
    equipment: Short = "",
    medium: Short = "",
    kind: Short = "",
    interval_s: Short = "",
    multiplier: Short = "",
    rollover_at: Short = "",
    max_rate_per_h: Short = "",
    product_line: Short = "",
    split_key: Short = "",
    role: Short = "",
    in_service_from: Short = "",
    in_service_to: Short = "",
) -> Response:
    """Create or update a meter, or show what is wrong with the form."""
    form = {
        "code": code, "name": name, "site": site, "workshop": workshop, "line": line,
        "equipment": equipment, "medium": medium, "kind": kind, "interval_s": interval_s,
        "multiplier": multiplier, "rollover_at": rollover_at, "max_rate_per_h": max_rate_per_h,
        "product_line": product_line, "split_key": split_key, "role": role,
        "in_service_from": in_service_from, "in_service_to": in_service_to,
    }  # fmt: skip
    try:
        meters.save(db, actor=admin.actor(request), data=form)
    except InvalidInput as error:
        return render(
            request,
            "energy/meters.html",
            {
                "meters": meters.all_meters(db),
                "errors": {error.field or "code": error.message},
                "form": form,
            },
            422,
        )
    return redirect("/energy/meters?saved=1", request)


@router.post("/energy/meters/file", name="energy_load_meters")
def load_meters(request: Request, db: DbSession, admin: AdminOnly, file: UploadFile) -> Response:
    """Load meters from a TOML or CSV file: all of them, or none with every problem listed."""
    content = file.file.read(MAX_METER_FILE + 1)
    problems: list[meters.LoadProblem] = []
    error_text = ""
    if len(content) > MAX_METER_FILE:
        error_text = "file"
        problems = [meters.LoadProblem(0, "", "file", "2 MB at most")]
    else:
        try:
            _counts, problems = meters.load_file(
                db, actor=admin.actor(request), name=file.filename or "", content=content
            )
        except InvalidInput as error:
            problems = [meters.LoadProblem(0, "", error.field, error.message)]
    if problems:
        return render(
            request,
            "energy/meters.html",
            {
                "meters": meters.all_meters(db),
                "errors": {},
                "form": {},
                "file_problems": problems,
                "file_error": error_text,
            },
            422,
        )
    return redirect("/energy/meters?loaded=1", request)


def _entries_context(db: DbSession) -> dict[str, object]:
    from sqlmodel import col, select

    return {
        "manual_meters": [m for m in meters.all_meters(db) if m.kind == "manual"],
        "lines": tracking.lines(),
        "instruments": db.exec(
            select(GreenInstrument).order_by(col(GreenInstrument.id).desc()).limit(50)
        ).all(),
        "errors": {},
        "form": {},
        "kinds": entries.INSTRUMENT_KINDS,
        "generation_types": entries.GENERATION_TYPES,
    }


@router.get("/energy/entries", name="energy_entries")
def entries_page(request: Request, db: DbSession, _esg: EsgOnly) -> Response:
    """Monthly entries without telemetry, production per line and month, green power."""
    return render(request, "energy/entries.html", _entries_context(db))


def _entry_error(request: Request, db: DbSession, form: str, error: InvalidInput) -> Response:
    context = _entries_context(db)
    context["errors"] = {f"{form}.{error.field}": error.message}
    return render(request, "energy/entries.html", context, 422)


@router.post("/energy/entries/manual", name="energy_enter_month")
def enter_month(
    request: Request,
    db: DbSession,
    esg: EsgOnly,
    meter: Short = "",
    month: Short = "",
    quantity: Short = "",
    note: Short = "",
) -> Response:
    """Enter a month's quantity for a meter without telemetry."""
    try:
        entries.enter_month(
            db,
            actor=esg.actor(request),
            meter_code=meter,
            month=month,
            quantity=quantity,
            note=note,
        )
    except InvalidInput as error:
        return _entry_error(request, db, "manual", error)
    return redirect("/energy/entries?saved=manual", request)


@router.post("/energy/entries/production", name="energy_save_production")
def save_production(
    request: Request,
    db: DbSession,
    esg: EsgOnly,
    line: Short = "",
    month: Short = "",
    tonnes: Short = "",
    source: Short = "",
) -> Response:
    """Enter the tonnes a line produced in a month."""
    try:
        entries.save_production(
            db, actor=esg.actor(request), line=line, month=month, tonnes=tonnes, source=source
        )
    except InvalidInput as error:
        return _entry_error(request, db, "production", error)
    return redirect("/energy/entries?saved=production", request)


@router.post("/energy/entries/green", name="energy_add_green")
def add_green(
    request: Request,
    db: DbSession,
    esg: EsgOnly,
    kind: Short = "",
    reference: Short = "",
    mwh: Short = "",
    month_from: Short = "",
    month_to: Short = "",
    generation_type: Short = "",
    numbers: Annotated[str, Form(max_length=2_000_000, json_schema_extra=MULTILINE)] = "",
) -> Response:
    """Record a green power contract or a batch of green certificates."""
    try:
        entries.add_instrument(
            db,
            actor=esg.actor(request),
            kind=kind,
            reference=reference,
            mwh=mwh,
            month_from=month_from,
            month_to=month_to,
            generation_type=generation_type,
            numbers=numbers.replace(",", "\n").split(),
        )
    except InvalidInput as error:
        return _entry_error(request, db, "green", error)
    return redirect("/energy/entries?saved=green", request)


@router.get("/energy/alerts", name="energy_alerts")
def alert_list(request: Request, db: DbSession, _who: EsgOrAdmin) -> Response:
    """Open alerts to acknowledge, and the last acknowledged ones with their comments."""
    return render(
        request,
        "energy/alerts.html",
        {
            "open": alerts.open_alerts(db),
            "done": alerts.recent_acknowledged(db),
            "errors": {},
        },
    )


@router.post("/energy/alerts/{alert_id}/acknowledge", name="energy_acknowledge")
def acknowledge(
    request: Request,
    db: DbSession,
    who: EsgOrAdmin,
    alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    comment: Annotated[str, Form(max_length=2000, json_schema_extra=MULTILINE)] = "",
) -> Response:
    """Acknowledge an alert with a comment."""
    try:
        alerts.acknowledge(db, actor=who.actor(request), alert_id=alert_id, comment=comment)
    except InvalidInput as error:
        return render(
            request,
            "energy/alerts.html",
            {
                "open": alerts.open_alerts(db),
                "done": alerts.recent_acknowledged(db),
                "errors": {alert_id: error.message},
            },
            422,
        )
    return redirect("/energy/alerts?acknowledged=1", request)


QuarterQuery = Annotated[str, Query(max_length=7)]


def _default_quarter() -> str:
    today = plant_today()
    year, number = (today.year, (today.month - 1) // 3) if today.month > 3 else (today.year - 1, 4)
    return f"{year}-Q{number}"  # the last complete quarter


@router.get("/energy/review", name="energy_review")
def review_page(
    request: Request, db: DbSession, _who: EsgOrAdmin, quarter: QuarterQuery = ""
) -> Response:
    """The quarterly review of the key equipment: specific energy against the baseline."""
    context = review.quarter_review(db, quarter=quarter or _default_quarter())
    return render(request, "energy/review.html", {**context, "errors": {}})


@router.get("/energy/review.csv", name="energy_review_csv")
def review_export(
    db: DbSession, _who: EsgOrAdmin, headers: ExportHeaders, quarter: QuarterQuery = ""
) -> Response:
    """The quarterly review as CSV."""
    context = review.quarter_review(db, quarter=quarter or _default_quarter())
    return Response(
        review.review_csv(context, headers),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="review-{context["quarter"]}.csv"'},
    )


@router.post("/energy/review/note", name="energy_review_note")
def review_note(
    request: Request,
    db: DbSession,
    esg: EsgOnly,
    quarter: Short = "",
    equipment: Annotated[str, Form(max_length=300)] = "",
    note: Annotated[str, Form(max_length=4000, json_schema_extra=MULTILINE)] = "",
) -> Response:
    """Save the quarter's note on an equipment's maintenance or upgrades."""
    try:
        saved = review.save_note(
            db, actor=esg.actor(request), quarter=quarter, equipment=equipment, note=note
        )
    except InvalidInput as error:
        context = review.quarter_review(db, quarter=quarter or _default_quarter())
        return render(
            request, "energy/review.html", {**context, "errors": {equipment: error.message}}, 422
        )
    return redirect(f"/energy/review?quarter={saved.quarter}&saved=1", request)
