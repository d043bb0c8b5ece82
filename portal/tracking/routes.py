"""Tracking pages: dashboard, ESG inputs, drill-downs, the printable report and exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlmodel import Session

from portal.accounts.models import Role
from portal.db import DbSession, get_engine
from portal.errors import InvalidInput
from portal.listing import ListQuery
from portal.security import Principal, require_roles
from portal.tracking import exports, pages, queries, service
from portal.tracking.queries import PurchaseFilter
from portal.web import ExportHeaders, redirect, render

router = APIRouter()
EsgOnly = Annotated[Principal, Depends(require_roles(Role.ESG))]
YearQuery = Annotated[int | None, Query(ge=service.YEAR_MIN, le=service.YEAR_MAX)]
YearPath = Annotated[int, Path(ge=service.YEAR_MIN, le=service.YEAR_MAX)]
MAX_ID = 2**31 - 1  # database integer keys
Text = Annotated[str, Query(max_length=64)]
PAGE_SIZE = 50


def filter_from_query(
    year: YearQuery = None,
    line: Text = "",
    material: Text = "",
    category: Text = "",
    source: Text = "",
    declaration: Text = "",
) -> PurchaseFilter:
    """The drill-down filter from the query parameters; blanks mean any."""
    if declaration and not (declaration.isdigit() and int(declaration) <= MAX_ID):
        raise InvalidInput(pages.invalid_choice(), field="declaration")
    return PurchaseFilter(
        year=year or service.current_year(),
        line=pages.choice(line, service.lines(), "line"),
        material_code=material.strip() or None,
        category=pages.choice(category, pages.CATEGORIES, "category"),
        factor_source=pages.choice(source, pages.FACTOR_SOURCES, "source"),
        declaration_id=int(declaration) if declaration else None,
    )


FilterQuery = Annotated[PurchaseFilter, Depends(filter_from_query)]


@router.get("/tracking", name="tracking_dashboard")
def dashboard(request: Request, db: DbSession, _esg: EsgOnly, year: YearQuery = None) -> Response:
    """Where each product line stands against the plan: this year and the trend to 2030."""
    return render(request, "tracking/dashboard.html", pages.dashboard(db, year=year))


@router.get("/tracking/inputs", name="tracking_inputs")
def inputs(request: Request, db: DbSession, _esg: EsgOnly) -> Response:
    """Production and Scope 1+2 per product line and year, as entered by the ESG team."""
    return render(request, "tracking/inputs.html", pages.inputs(db))


@router.post("/tracking/inputs/{line}/{year}", name="tracking_save_inputs")
def save_inputs(
    request: Request,
    db: DbSession,
    esg: EsgOnly,
    line: Annotated[str, Path(max_length=16)],
    year: YearPath,
    production_t: Annotated[str, Form(max_length=40)] = "",
    scope12_t: Annotated[str, Form(max_length=40)] = "",
    source: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Save a line-year's production and Scope 1+2, or show what is wrong with them."""
    try:
        service.save_line_year(
            db,
            actor=esg.actor(request),
            line=line,
            year=year,
            production_t=production_t,
            scope12_t=scope12_t,
            source=source,
        )
    except InvalidInput as invalid:
        if invalid.field in ("line", "year"):
            raise
        submitted = {"production_t": production_t, "scope12_t": scope12_t, "source": source}
        context = pages.inputs(
            db, errors={(line, year): {invalid.field or "": invalid.message}}, form=submitted
        )
        return render(request, "tracking/inputs.html", context, 422)
    return redirect(f"/tracking/inputs?saved={line}-{year}#row-{line}-{year}", request)


def _list_query(request: Request) -> ListQuery:
    return ListQuery.read(
        request, sorts=queries.SORTS, default=queries.DEFAULT_SORT, per_page=PAGE_SIZE
    )


@router.get("/tracking/purchases", name="tracking_purchases")
def purchases(
    request: Request,
    db: DbSession,
    _esg: EsgOnly,
    purchase_filter: FilterQuery,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    after: Annotated[str, Query(max_length=40)] = "",
    before: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The purchases behind a figure, searched and sorted, with their totals, page by page."""
    context = pages.purchases(
        db,
        purchase_filter,
        query=_list_query(request),
        page=page,
        after=pages.read_cursor(after, "after"),
        before=pages.read_cursor(before, "before"),
    )
    return render(request, "tracking/purchases.html", context)


@router.get("/tracking/purchases/{purchase_id}", name="tracking_purchase")
def purchase(
    request: Request,
    db: DbSession,
    _esg: EsgOnly,
    purchase_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Response:
    """One purchase: its factor, its declaration and the rule-set revision that checked it."""
    return render(request, "tracking/purchase.html", pages.purchase(db, purchase_id))


@router.get("/tracking/declarations", name="tracking_declarations")
def declarations(
    request: Request,
    db: DbSession,
    _esg: EsgOnly,
    purchase_filter: FilterQuery,
) -> Response:
    """The declarations whose factors a figure's purchases used."""
    return render(request, "tracking/declarations.html", pages.declarations(db, purchase_filter))


@router.get("/tracking/report/{year}", name="tracking_report")
def report(
    request: Request,
    db: DbSession,
    _esg: EsgOnly,
    year: YearPath,
) -> Response:
    """The printable yearly report: charts, tables and the declarations used."""
    return render(request, "tracking/report.html", pages.report(db, year=year))


@router.get("/tracking/export/figures.{fmt}", name="tracking_export_figures")
def export_figures(
    db: DbSession,
    _esg: EsgOnly,
    fmt: Literal["csv", "xlsx"],
    headers: ExportHeaders,
    first: YearQuery = None,
    last: YearQuery = None,
) -> Response:
    """The yearly figures of every line, from FIRST to LAST (default: the plan's years)."""
    years = service.trend_years()
    first, last = first or years[0], last or years[-1]
    if last < first:
        raise InvalidInput(pages.invalid_range(), field="last")
    figures = service.figures_for_years(db, years=list(range(first, last + 1)))
    name = f"tracking-figures-{first}-{last}.{fmt}"
    if fmt == "csv":
        body = exports.figures_csv(figures, headers).encode("utf-8-sig")
        return _download(body, exports.CSV_TYPE, name)
    return _download(exports.figures_xlsx(figures, headers), exports.XLSX_TYPE, name)


@router.get("/tracking/export/purchases.{fmt}", name="tracking_export_purchases")
def export_purchases(
    request: Request,
    db: DbSession,
    _esg: EsgOnly,
    fmt: Literal["csv", "xlsx"],
    purchase_filter: FilterQuery,
    headers: ExportHeaders,
) -> Response:
    """The purchases behind a figure (those its search finds), every one of them."""
    name = f"tracking-purchases-{purchase_filter.year}.{fmt}"
    search = queries.search_condition(_list_query(request))

    def stream() -> Iterator[str | bytes]:
        # The request's session is closed once this function returns, so streaming uses its own.
        with Session(get_engine()) as stream_db:
            if fmt == "xlsx":
                yield from exports.purchases_xlsx_chunks(
                    stream_db, purchase_filter, headers, search
                )
                return
            yield "\ufeff"
            yield from exports.purchases_csv_chunks(stream_db, purchase_filter, headers, search)

    return StreamingResponse(
        stream(),
        media_type=exports.XLSX_TYPE if fmt == "xlsx" else exports.CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _download(content: bytes, media_type: str, name: str) -> Response:
    disposition = f'attachment; filename="{name}"'
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
