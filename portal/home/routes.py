"""The start page, language switch, health check and API documentation page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from portal.accounts.models import Role
from portal.db import DbSession
from portal.i18n import LOCALE_COOKIE, LOCALES
from portal.security import Principal, require_roles
from portal.web import redirect, render, safe_next

router = APIRouter()
AnyRole = Annotated[Principal, Depends(require_roles(*Role))]

SWAGGER_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


@router.get("/", name="home")
def home(request: Request, db: DbSession, principal: AnyRole) -> Response:
    """Each role's start page, with what waits for this person."""
    from portal.home.inbox import inbox_for

    return render(
        request,
        "home/index.html",
        {"role": principal.role.value, "inbox": inbox_for(db, principal)},
    )


@router.get("/lang/{code}", name="switch_language")
def switch_language(request: Request, code: str, next: str = "/") -> Response:
    """Remember the chosen language in a cookie and go back to the page."""
    response = redirect(safe_next(next))
    if code in LOCALES:
        response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


@router.get("/healthz", name="healthz")
def healthz(db: DbSession) -> JSONResponse:
    """Liveness and database reachability, for the load balancer."""
    db.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/docs", name="swagger_ui_html", include_in_schema=False)
def api_docs(request: Request) -> Response:
    """Interactive documentation of the JSON API (Swagger UI, vendored)."""
    response = render(request, "home/api_docs.html", {})
    response.headers["Content-Security-Policy"] = SWAGGER_CSP
    return response
