"""Server-rendered pages: Jinja2 with gettext, htmx partials, flash-free redirects."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlsplit

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from portal import exportcolumns, i18n, labels
from portal.config import PROJECT_DIR
from portal.security import CSRF_FIELD, CSRF_HEADER, csrf_token

TEMPLATE_DIR = PROJECT_DIR / "templates"
HTMX_VERSION = "2.0.11"
CHARTJS_VERSION = "4.6.1"


def format_decimal(value: Decimal | float | int | None, places: int = 2) -> str:
    """A number with thousands separators and PLACES decimals; blank for None."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.{places}f}"


def format_percent(fraction: Decimal | float | None, places: int = 1) -> str:
    """A fraction 0–1 shown as a percentage."""
    if fraction is None:
        return "—"
    return f"{Decimal(fraction) * 100:.{places}f} %"


def format_date(value: date | datetime | None) -> str:
    """ISO date (both languages read it the same way)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def role_label(role: str) -> str:
    """A role's name in the user's language."""
    labels = {
        "supplier": i18n.gettext("Supplier"),
        "buyer": i18n.gettext("Buyer"),
        "esg": i18n.gettext("ESG team"),
        "admin": i18n.gettext("Administrator"),
    }
    return labels.get(role, role)


def url_path(url: str) -> str:
    """The path of URL (an export form's action)."""
    return urlsplit(url).path


def query_pairs(url: str) -> list[tuple[str, str]]:
    """The query parameters of URL, in order (an export form's hidden fields)."""
    return parse_qsl(urlsplit(url).query)


def export_headers(headers: Annotated[str, Query(max_length=16)] = "") -> exportcolumns.Headers:
    """An export's `?headers=zh|en|keys`; the user's language when absent."""
    return exportcolumns.headers_for(headers)


ExportHeaders = Annotated[exportcolumns.Headers, Depends(export_headers)]


@lru_cache
def environment() -> Environment:
    """The Jinja2 environment, autoescaping everything, with gettext bound to the request."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.filters["num"] = format_decimal
    env.filters["pct"] = format_percent
    env.filters["day"] = format_date
    env.globals.update(
        pick=i18n.pick,
        role_label=role_label,
        status_label=labels.status_label,
        line_label=labels.line_label,
        verdict_label=labels.verdict_label,
        medium_label=labels.medium_label,
        material_label=labels.material_label,
        energy_label=labels.energy_label,
        scope2_method=labels.scope2_method,
        url_path=url_path,
        query_pairs=query_pairs,
        htmx_version=HTMX_VERSION,
        chartjs_version=CHARTJS_VERSION,
        csrf_field=CSRF_FIELD,
        csrf_header=CSRF_HEADER,
    )
    return env


def is_htmx(request: Request) -> bool:
    """Whether htmx sent this request (it wants a fragment, not a page)."""
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """TEMPLATE rendered for this request's user, language and CSRF token."""
    principal = getattr(request.state, "principal", None)
    full_context = {
        "request": request,
        "principal": principal,
        "user": principal.user if principal else None,
        "locale": i18n.current_locale.get(),
        "csrf_token": csrf_token(request),
        "current_path": request.url.path,
        "current_url": str(request.url.path)
        + (("?" + request.url.query) if request.url.query else ""),
    }
    full_context.update(context or {})
    html = environment().get_template(template).render(full_context)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def redirect(url: str, request: Request | None = None) -> RedirectResponse | HTMLResponse:
    """A 303 to URL; for htmx an HX-Redirect, so the whole page changes."""
    if request is not None and is_htmx(request):
        return HTMLResponse("", headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def safe_next(next_url: str | None, default: str = "/") -> str:
    """NEXT_URL if it is a path on this site, else DEFAULT (no open redirects)."""
    if (
        next_url
        and next_url.startswith("/")
        and not next_url.startswith("//")
        and "\\" not in next_url
    ):
        return next_url
    return default


def login_url(next_path: str) -> str:
    """The sign-in page that returns to NEXT_PATH."""
    return "/login?next=" + quote(next_path, safe="/")
