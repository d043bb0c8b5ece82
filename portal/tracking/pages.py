"""What each tracking page shows, gathered in one call per page (the routes stay thin)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session, col, select

from portal.accounts.models import User
from portal.catalog import get_ruleset, get_targets
from portal.db import utcnow
from portal.declarations.models import Declaration, EvidenceFile
from portal.energy.green import green_share_of_year
from portal.errors import InvalidInput, NotFound
from portal.i18n import _, pick
from portal.listing import ListQuery, Page
from portal.procurement.models import BuyerCheck, FactorSource, Purchase
from portal.suppliers.models import Supplier
from portal.tracking import queries, service
from portal.tracking.figures import LineFigures
from portal.tracking.queries import PurchaseFilter
from portal.tracking.service import YearFigures

CATEGORIES = ("raw_material", "packaging")
FACTOR_SOURCES = tuple(source.value for source in FactorSource)


def invalid_choice() -> str:
    """The message for a filter value that is not one of the choices."""
    return _("Choose one of the listed values.")


def invalid_range() -> str:
    """The message for a year range that ends before it starts."""
    return _("The last year must not come before the first.")


def choice(value: str, allowed: Sequence[str], field: str) -> str | None:
    """VALUE if it is one of ALLOWED, None if blank, else InvalidInput naming FIELD."""
    value = value.strip()
    if not value:
        return None
    if value not in allowed:
        raise InvalidInput(invalid_choice(), field=field)
    return value


def line_names() -> dict[str, str]:
    """Each product line's name in the user's language."""
    return {code: pick(line.name_zh, line.name_en) for code, line in get_targets().lines.items()}


def material_name(code: str) -> str:
    """A material's name in the user's language, else its code."""
    material = get_ruleset().materials.get(code)
    return pick(material.name_zh, material.name_en) if material else code


def category_name(category: str) -> str:
    """A material category's name in the user's language."""
    return {"raw_material": _("raw material"), "packaging": _("packaging")}.get(category, category)


def source_name(source: str) -> str:
    """A factor source's name in the user's language."""
    return {
        "declaration": _("supplier-specific"),
        "default": _("material default"),
    }.get(source, source)


def link(path: str, **params: object) -> str:
    """PATH with the non-blank PARAMS as its query string."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{path}?{query}" if query else path


def purchases_link(year: int, line: str | None = None, **params: object) -> str:
    """The drill-down list of the purchases behind a figure."""
    return link("/tracking/purchases", year=year, line=line, **params)


def declarations_link(year: int, line: str | None = None, **params: object) -> str:
    """The declarations whose factors a figure's purchases used."""
    return link("/tracking/declarations", year=year, line=line, **params)


def _common() -> dict[str, Any]:
    return {
        "line_names": line_names(),
        "material_name": material_name,
        "category_name": category_name,
        "source_name": source_name,
        "reason_text": service.reason_text,
        "purchases_link": purchases_link,
        "declarations_link": declarations_link,
    }


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _percent(value: Decimal | None) -> float | None:
    return None if value is None else float(value * 100)


def chart_data(trend: list[YearFigures]) -> dict[str, Any]:
    """What the charts draw (tracking.js reads it from a JSON block; the tables show the same)."""
    labels = [figures.year for figures in trend]
    names = line_names()
    charts: dict[str, Any] = {}
    for code in service.lines():
        series = [figures.line(code) for figures in trend]
        charts[f"intensity-{code}"] = {
            "unit": "tCO2e/t",
            "labels": labels,
            "links": [purchases_link(line.year, code) for line in series],
            "datasets": [
                {
                    "label": _("%(line)s: Scope 3.1 intensity") % {"line": names[code]},
                    "kind": "actual",
                    "data": [_number(line.scope3_cat1_intensity) for line in series],
                },
                {
                    "label": _("Target (plan)"),
                    "kind": "target",
                    "data": [_number(line.scope3_cat1_target) for line in series],
                },
            ],
        }
        charts[f"scope12-{code}"] = {
            "unit": "tCO2e/t",
            "labels": labels,
            "links": ["/tracking/inputs" for _line in series],
            "datasets": [
                {
                    "label": _("%(line)s: Scope 1+2 intensity") % {"line": names[code]},
                    "kind": "actual",
                    "data": [_number(line.scope12_intensity) for line in series],
                },
                {
                    "label": _("Target (plan)"),
                    "kind": "target",
                    "data": [_number(line.scope12_target) for line in series],
                },
            ],
        }
        if series and series[0].tracks_recycled:
            charts[f"recycled-{code}"] = {
                "unit": "%",
                "labels": labels,
                "links": [
                    purchases_link(line.year, code, category="raw_material") for line in series
                ],
                "datasets": [
                    {
                        "label": _("%(line)s: recycled share") % {"line": names[code]},
                        "kind": "actual",
                        "data": [_percent(line.recycled_share) for line in series],
                    },
                    {
                        "label": _("Goal (plan)"),
                        "kind": "target",
                        "data": [_percent(line.recycled_goal) for line in series],
                    },
                ],
            }
    return charts


def _trend_context(db: Session, *, year: int) -> dict[str, Any]:
    years = service.trend_years(None, year, service.current_year())
    plan_years = service.trend_years(None, service.current_year())
    all_figures = service.figures_for_years(db, years=years)
    trend = [figures for figures in all_figures if figures.year in plan_years]
    current = next(figures for figures in all_figures if figures.year == year)
    series: dict[str, list[LineFigures]] = {
        code: [figures.line(code) for figures in trend] for code in service.lines()
    }
    return {
        "year": year,
        "current": current,
        "trend": trend,
        "series": series,
        "charts": chart_data(trend),
        "targets_source": get_targets().source,
        "plan_years": plan_years,
    }


def dashboard(db: Session, *, year: int | None) -> dict[str, Any]:
    """The dashboard: the chosen year's figures per line and the trend 2023–2030."""
    chosen = year or service.current_year()
    return {
        **_common(),
        **_trend_context(db, year=chosen),
        "green": green_share_of_year(db, year=chosen),
    }


def inputs(
    db: Session,
    *,
    errors: dict[tuple[str, int], dict[str, str]] | None = None,
    form: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The inputs page: production and Scope 1+2 for each line and year of the plan."""
    rows = service.input_rows(db, years=service.trend_years())
    editors = {row.stored.updated_by_id for row in rows if row.stored and row.stored.updated_by_id}
    users = (
        {user.id: user.email for user in db.exec(select(User).where(col(User.id).in_(editors)))}
        if editors
        else {}
    )
    return {
        **_common(),
        "rows": rows,
        "editors": users,
        "errors": errors or {},
        "form": form or {},
    }


def _by_id(db: Session, model: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {item.id: item for item in db.exec(select(model).where(col(model.id).in_(ids)))}


def cursor_text(purchase: Purchase) -> str:
    """Where a page starts or ends, as a query value: the purchase's date and id."""
    return f"{purchase.purchase_date.isoformat()}.{purchase.id}"


def read_cursor(value: str, field: str) -> queries.Cursor | None:
    """A cursor from the query string (blank: none), or InvalidInput naming FIELD."""
    value = value.strip()
    if not value:
        return None
    day, _dot, number = value.partition(".")
    try:
        found = (date.fromisoformat(day), int(number))
    except ValueError:
        raise InvalidInput(invalid_choice(), field=field) from None
    if not 0 < found[1] < 2**31:
        raise InvalidInput(invalid_choice(), field=field)
    return found


def purchases(
    db: Session,
    purchase_filter: PurchaseFilter,
    *,
    query: ListQuery,
    page: int = 1,
    after: queries.Cursor | None = None,
    before: queries.Cursor | None = None,
) -> dict[str, Any]:
    """A page of the purchases behind a figure, searched and sorted, with the totals of them all."""
    # Oldest first (the default order) pages by keyset from the row AFTER or BEFORE it, as fast
    # at the end of a long year as at its start; any other order by LIMIT and OFFSET.
    # The cursors belong to one page: sorting, searching or filtering starts from the first.
    query = replace(
        query, params=tuple(item for item in query.params if item[0] not in ("after", "before"))
    )
    search = queries.search_condition(query)
    if search is None:
        totals = queries.purchase_totals(db, purchase_filter)
    else:
        totals = queries.searched_totals(db, purchase_filter, search)
    page_size = query.per_page
    pages = max(1, -(-totals.purchases // page_size))
    keyset = query.sort == queries.DEFAULT_SORT and not query.descending
    if keyset:
        rows = queries.purchase_page(
            db, purchase_filter, limit=page_size, after=after, before=before, search=search
        )
        if (after is None and before is None) or (before is not None and len(rows) < page_size):
            # The first page (a page before the first is the first).
            page = 1
            if before is not None:
                rows = queries.purchase_page(db, purchase_filter, limit=page_size, search=search)
        page = min(page, pages)
        query = replace(query, page=page)  # a keyset page's number may pass MAX_PAGE
    else:
        rows = queries.sorted_page(db, purchase_filter, query, search)

    def page_link(number: int) -> str:
        if not keyset:
            return query.link(page=number)
        if number < page and rows:
            return query.link(page=number, before=cursor_text(rows[0]))
        if number > page and rows:
            return query.link(page=number, after=cursor_text(rows[-1]))
        return query.link(page=None)

    filters = purchase_filter.query()
    searched = {**filters, "q": query.q}
    return {
        **_common(),
        "filter": purchase_filter,
        "totals": totals,
        "purchases": rows,
        "list_page": Page(rows, totals.purchases, query),
        "suppliers": _by_id(db, Supplier, {row.supplier_id for row in rows}),
        "declarations": _by_id(
            db, Declaration, {row.declaration_id for row in rows if row.declaration_id}
        ),
        "page_link": page_link,
        "export_link": lambda fmt: link(f"/tracking/export/purchases.{fmt}", **searched),
        "declarations_here": link("/tracking/declarations", **filters),
        "lines": service.lines(),
        "categories": CATEGORIES,
        "factor_sources": FACTOR_SOURCES,
        "materials": sorted(get_ruleset().materials),
    }


def purchase(db: Session, purchase_id: int) -> dict[str, Any]:
    """One purchase with the declaration, check and rule-set revision behind its factor."""
    found = db.get(Purchase, purchase_id)
    if found is None:
        raise NotFound()
    declaration = db.get(Declaration, found.declaration_id) if found.declaration_id else None
    evidence = (
        db.exec(
            select(EvidenceFile)
            .where(EvidenceFile.declaration_id == declaration.id)
            .order_by(col(EvidenceFile.kind))
        ).all()
        if declaration is not None
        else []
    )
    return {
        **_common(),
        "purchase": found,
        "supplier": db.get(Supplier, found.supplier_id),
        "check": db.get(BuyerCheck, found.check_id),
        "declaration": declaration,
        "evidence": evidence,
        "current_revision": get_ruleset().revision,
    }


def declarations(db: Session, purchase_filter: PurchaseFilter) -> dict[str, Any]:
    """The declarations behind a figure and the rule-set revisions its purchases were checked by."""
    return {
        **_common(),
        "filter": purchase_filter,
        **_declarations_used(db, purchase_filter),
    }


def _declarations_used(db: Session, purchase_filter: PurchaseFilter) -> dict[str, Any]:
    uses = queries.declarations_used(db, purchase_filter)
    found = _by_id(db, Declaration, {use.declaration_id for use in uses})
    suppliers = _by_id(db, Supplier, {item.supplier_id for item in found.values()})
    return {
        "uses": [(use, found.get(use.declaration_id)) for use in uses],
        "suppliers": suppliers,
        "revisions": queries.revisions_used(db, purchase_filter),
        "current_revision": get_ruleset().revision,
    }


def report(db: Session, *, year: int) -> dict[str, Any]:
    """The printable yearly report."""
    return {
        **_common(),
        **_trend_context(db, year=year),
        **_declarations_used(db, PurchaseFilter(year=year)),
        "filter": PurchaseFilter(year=year),
        "generated_at": utcnow(),
        "green": green_share_of_year(db, year=year),
    }
