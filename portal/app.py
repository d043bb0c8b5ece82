"""The FastAPI application: middleware, routers, static files, error pages."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from portal import i18n
from portal.accounts.models import User
from portal.api import idempotency
from portal.api.errors import API_ERROR_RESPONSES
from portal.config import PROJECT_DIR, Settings, get_settings
from portal.db import DatabaseBusy, DbSession, is_busy_error
from portal.declarations.leftovers import sweep_in_background
from portal.errors import Busy, NotSignedIn, PortalError
from portal.i18n import _
from portal.inputs_guard import refuse_control_characters
from portal.jobs.runner import start_in_background as start_job_runner
from portal.middleware import BodySizeLimit, PortalMiddleware, too_large_message
from portal.notifications.outbox import start_in_background as start_notification_drain
from portal.pact.errors import PactError, is_pact_path, pact_error_response
from portal.pact.outbox import start_in_background as start_pact_outbox
from portal.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    Principal,
    csrf_valid,
    live_session,
    touch_session,
)
from portal.web import login_url, redirect, render

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PUBLIC_ROUTE_NAMES = {
    "sign_in_form",
    "sign_in",
    "invitation_form",
    "invitation_accept",
    "password_forgot_form",
    "password_forgot",
    "password_reset_form",
    "password_reset",
    "switch_language",
    "healthz",
    "swagger_ui_html",
    "swagger_ui_redirect",
    "openapi",
}


@asynccontextmanager
async def serving(_app: FastAPI) -> AsyncIterator[None]:
    """What a serving process does once it has started, and before it stops."""
    # Files a crash left behind, swept in a thread: it reads the disk and the database.
    _app.state.file_sweep = sweep_in_background(get_settings())
    # Answers owed to other PACT hosts, delivered by a thread (it calls them and the database).
    pact_outbox = start_pact_outbox()
    # Notification emails owed (and the daily expiry sweep), sent by a thread of their own.
    notification_drain = start_notification_drain()
    # Background jobs (large ERP imports), claimed from the jobs table by a thread.
    job_runner = start_job_runner()
    # What is loaded by now lives as long as the process. Left to the collector, every full
    # pass walked it again (~80 ms), and a buyer's check that met one waited that long. Not
    # in tests: they start an app per test, and each freeze would walk the whole test run.
    freeze = get_settings().env != "test"
    if freeze:
        gc.collect()
        gc.freeze()
    try:
        yield
    finally:
        if pact_outbox is not None:
            pact_outbox.close()
        if notification_drain is not None:
            notification_drain.close()
        if job_runner is not None:
            job_runner.close()
        if freeze:
            gc.unfreeze()


async def load_session(request: Request, db: DbSession) -> None:
    """Attach the browser's live session and user to the request, in its transaction.

    A coroutine that goes to the thread pool only when there is a session cookie to look up:
    an API call with a bearer token (or a visitor without a cookie) costs no hop.
    """
    request.state.web_session = None
    request.state.csrf_secret = None
    request.state.principal = None
    session_id = getattr(request.state, "session_cookie", None)
    if not session_id or request.headers.get("authorization"):
        return
    await run_in_threadpool(_load_session, request, db, session_id)


def _load_session(request: Request, db: Session, session_id: str) -> None:
    web_session = live_session(db, session_id, get_settings())
    if web_session is None:
        return
    user = db.get(User, web_session.user_id)
    if user is None or not user.is_active:
        return
    touch_session(db, web_session)
    # Detached copies, so error pages can still show them after the transaction rolls back.
    db.flush()
    db.expunge(user)
    request.state.web_session = web_session
    request.state.csrf_secret = web_session.csrf_secret
    request.state.principal = Principal(user=user)


def _same_origin(request: Request) -> bool:
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        return origin.split("://", 1)[-1] == host
    return origin != "null"


async def csrf_protect(request: Request) -> None:
    """Refuse state changes from other sites and forms without this browser's token."""
    if request.method not in UNSAFE_METHODS:
        return
    if is_pact_path(request.url.path):
        return  # PACT callers prove themselves in headers (Basic, Bearer), never by cookies
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return  # tokens are not sent ambiently by browsers, so CSRF cannot ride on them
    if request.url.path.startswith("/api/") and request.state.web_session is None:
        return  # no session to ride on: the request is refused as not signed in instead
    if not _same_origin(request):
        raise CsrfRefused()
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not csrf_valid(request, submitted):
        raise CsrfRefused()


async def at_the_door(request: Request, db: DbSession) -> None:
    """What every request passes first, in order: text check, session, CSRF.

    One dependency rather than three: FastAPI's cost per dependency was more than the work
    of each of these on an API call.
    """
    await refuse_control_characters(request)
    await load_session(request, db)
    await csrf_protect(request)


class CsrfRefused(PortalError):
    """The form's token is missing, stale or from another browser."""

    status_code = 403


def _wants_json(request: Request) -> bool:
    return (
        request.url.path.startswith("/api/")
        or "application/json" in request.headers.get("accept", "").split(",")[0]
    )


def _error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    response: Response
    if is_pact_path(request.url.path):
        return pact_error_response(status, message, headers=headers)
    if _wants_json(request):
        response = JSONResponse({"detail": message}, status_code=status)
    else:
        response = render(request, "error.html", {"status": status, "message": message}, status)
    response.headers.update(headers or {})
    return response


def _default_message(status: int) -> str:
    return {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist, or you do not have access to it."),
        405: _("This action is not available here."),
        409: _("Someone else changed this first. Reload the page and try again."),
        413: _("The upload is too large."),
    }.get(status, _("Something went wrong. The error has been logged."))


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _child = route.matches(request.scope)
        if match is not Match.NONE and getattr(route, "methods", None):
            methods |= set(route.methods)
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    """Clear pages (or JSON) for every error, leaking nothing about what exists.

    Plain functions, so Starlette runs them in the thread pool: an error page reads its
    template from disk, and nothing blocking may run on the event loop.
    """

    @app.exception_handler(NotSignedIn)
    def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if exc.api or _wants_json(request):
            return JSONResponse(
                {"detail": _("A valid bearer token is required.")},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        path = request.url.path + (("?" + request.url.query) if request.url.query else "")
        return redirect(login_url(path), request)

    @app.exception_handler(CsrfRefused)
    def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return _error_response(
            request,
            403,
            _("The form has expired or came from another site. Reload the page and try again."),
        )

    @app.exception_handler(PortalError)
    def portal_error(request: Request, exc: PortalError) -> Response:
        message = exc.message if exc.status_code not in (403, 404) else ""
        message = message or _default_message(exc.status_code)
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, Busy) else {}
        if is_pact_path(request.url.path):
            return pact_error_response(exc.status_code, message, headers=headers)
        if _wants_json(request):
            body: dict[str, Any] = {"detail": message}
            if exc.field:
                body["field"] = exc.field
            return JSONResponse(body, status_code=exc.status_code, headers=headers)
        return render(
            request,
            "error.html",
            {"status": exc.status_code, "message": message},
            exc.status_code,
            headers=headers,
        )

    @app.exception_handler(DBAPIError)
    def database_gave_up(request: Request, exc: DBAPIError) -> Response:
        if not is_busy_error(exc):
            raise exc
        return portal_error(request, DatabaseBusy())

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 413:
            return _error_response(request, 413, too_large_message(get_settings().max_upload_mb))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return _error_response(request, exc.status_code, _default_message(exc.status_code), headers)

    @app.exception_handler(PactError)
    async def pact_error(request: Request, exc: PactError) -> Response:
        return pact_error_response(exc.status, exc.message, exc.code)

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if is_pact_path(request.url.path):
            return pact_error_response(400, "; ".join(validation_message(e) for e in exc.errors()))
        problems = [
            {
                "field": ".".join(
                    str(part) for part in error["loc"] if part not in ("body", "query", "path")
                ),
                "message": validation_message(error),
            }
            for error in exc.errors()
        ]
        if not _wants_json(request):
            text = "; ".join(f"{problem['field']}: {problem['message']}" for problem in problems)
            return render(request, "error.html", {"status": 422, "message": text}, 422)
        return JSONResponse({"detail": _("Invalid input."), "errors": problems}, status_code=422)


def validation_message(error: Any) -> str:
    """A pydantic validation error in the user's language."""
    context = error.get("ctx") or {}
    messages = {
        "missing": _("This field is required."),
        "string_too_long": _("At most %(n)s characters.") % {"n": context.get("max_length")},
        "string_too_short": _("At least %(n)s characters.") % {"n": context.get("min_length")},
        "greater_than": _("Must be greater than %(n)s.") % {"n": context.get("gt")},
        "greater_than_equal": _("Must be at least %(n)s.") % {"n": context.get("ge")},
        "less_than": _("Must be less than %(n)s.") % {"n": context.get("lt")},
        "less_than_equal": _("Must be at most %(n)s.") % {"n": context.get("le")},
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_type": _("Enter a date as YYYY-MM-DD."),
        "decimal_parsing": _("Enter a number."),
        "decimal_type": _("Enter a number."),
        "float_parsing": _("Enter a number."),
        "int_parsing": _("Enter a whole number."),
        "literal_error": _("Choose one of: %(options)s.") % {"options": context.get("expected")},
        "enum": _("Choose one of: %(options)s.") % {"options": context.get("expected")},
        "extra_forbidden": _("This field is not allowed."),
    }
    return str(messages.get(error.get("type"), error.get("msg", _("Invalid input."))))


@dataclass(frozen=True)
class RouteEntry:
    """A route of the portal with the path it is served at."""

    path: str
    route: APIRoute


def _allowed_roles(route: APIRoute) -> tuple[object, ...] | None:
    for dependency in route.dependant.dependencies:
        for candidate in (dependency, *dependency.dependencies):
            roles = getattr(candidate.call, "allowed_roles", None)
            if roles is not None:
                return tuple(roles)
    return None


def route_table(routers: list[tuple[str, APIRouter]]) -> list[RouteEntry]:
    """Every route of ROUTERS, refusing any that neither names its roles nor is public."""
    table: list[RouteEntry] = []
    for prefix, router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                # A router included in another is listed lazily, not as its routes, and so
                # would escape this check: feature routers are included in the app only.
                raise RuntimeError(f"{type(route).__name__} in a feature router ({prefix!r})")
            if route.name not in PUBLIC_ROUTE_NAMES and _allowed_roles(route) is None:
                raise RuntimeError(f"route {route.path} ({route.name}) has no role requirement")
            table.append(RouteEntry(prefix + route.path, route))
    return table


def create_app(settings: Settings | None = None) -> FastAPI:
    """The portal application."""
    settings = settings or get_settings()
    from portal.accounts.routes import router as accounts_router
    from portal.accounts.self_service import router as own_account_router
    from portal.api import docs as api_docs
    from portal.api.routes import router as api_router
    from portal.auditlog.routes import router as auditlog_router
    from portal.catalog.routes import router as catalog_router
    from portal.datarequests.routes import router as datarequests_router
    from portal.declarations.api import router as declarations_api
    from portal.declarations.routes import router as declarations_router
    from portal.energy.api import router as energy_api
    from portal.energy.import_routes import router as energy_import_router
    from portal.energy.routes import router as energy_router
    from portal.home.routes import router as home_router
    from portal.logistics.api import router as logistics_api
    from portal.logistics.routes import router as logistics_router
    from portal.notifications.routes import router as notifications_router
    from portal.pact.host import router as pact_host
    from portal.pact.pages import router as pact_pages
    from portal.procurement.api import router as procurement_api
    from portal.procurement.routes import router as procurement_router
    from portal.suppliers.api import router as suppliers_api
    from portal.suppliers.routes import router as suppliers_router
    from portal.tracking.api import router as tracking_api
    from portal.tracking.routes import router as tracking_router

    app = FastAPI(
        title="Supplier Carbon Portal API",
        version="1",
        description=(
            "Product carbon-footprint declarations, purchase checks and Scope 3.1 tracking. "
            "Authenticate with `Authorization: Bearer <token>` (create one with "
            "`portal tokens create`)."
        ),
        dependencies=[Depends(at_the_door)],
        lifespan=serving,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
    )
    install_error_handlers(app)
    html_routers = [
        home_router,
        accounts_router,
        own_account_router,
        suppliers_router,
        catalog_router,
        declarations_router,
        procurement_router,
        tracking_router,
        logistics_router,
        energy_router,
        energy_import_router,
        pact_pages,
        auditlog_router,
        notifications_router,
        datarequests_router,
    ]
    api_routers = [
        api_router,
        suppliers_api,
        declarations_api,
        procurement_api,
        tracking_api,
        logistics_api,
        energy_api,
    ]
    # Deny by default: building the table refuses a route without a role requirement. The
    # PACT host's routes name no portal role (an empty one): PACT's own credentials let in.
    app.state.route_table = route_table(
        [("", router) for router in [*html_routers, pact_host]]
        + [("/api/v1", router) for router in api_routers]
    )
    # The API's routers first: routes are matched in order, and the ERP's calls are the ones
    # that come by the hundred a second (no page's path starts with /api/v1).
    for router in api_routers:
        app.include_router(
            router,
            prefix="/api/v1",
            responses=API_ERROR_RESPONSES,
            dependencies=[Depends(idempotency.claim_idempotency_key)],
        )
    for router in [*html_routers, pact_host]:
        app.include_router(router, include_in_schema=False)
    api_docs.install(app)  # the bearer scheme, readable summaries, a link back (/docs)
    app.mount("/static", StaticFiles(directory=PROJECT_DIR / "static"), name="static")
    idempotency.install(app)  # inside PortalMiddleware: its refusals speak the user's language
    app.add_middleware(PortalMiddleware, settings=settings)
    app.add_middleware(
        BodySizeLimit,  # the whole body: files plus form fields
        max_bytes=(settings.max_upload_mb + 1) * 1024 * 1024,
        max_mb_shown=settings.max_upload_mb,
        larger={"/purchases/import": settings.max_import_mb},
    )
    _ = i18n  # catalogs load lazily on first use
    return app
