"""ASGI middleware: language, pre-session cookie, security headers, request size bound."""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal import i18n
from portal.config import Settings
from portal.security import PRESESSION_COOKIE

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'self'; "
    "form-action 'self'"
)


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is treated as no cookies
                return {}
            return {key: morsel.value for key, morsel in jar.items()}
    return {}


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _locale(scope: Scope, cookies: dict[str, str]) -> str:
    """The request's language: the chosen one (cookie), else the browser's preference.

    A program calling the API without saying (no cookie, no Accept-Language) gets English,
    the language of its developers' logs; people's browsers always send their preference.
    """
    chosen, accept = cookies.get(i18n.LOCALE_COOKIE), _header(scope, b"accept-language")
    if chosen not in i18n.LOCALES and not accept and str(scope.get("path", "")).startswith("/api/"):
        return "en"
    return i18n.negotiate(chosen, accept)


class PortalMiddleware:
    """Sets the request's language, gives each browser a CSRF pre-session, adds headers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        token = i18n.current_locale.set(_locale(scope, cookies))
        presession = cookies.get(PRESESSION_COOKIE)
        new_presession = None
        if not presession or len(presession) > 64:
            presession = new_presession = secrets.token_urlsafe(32)
        scope.setdefault("state", {})
        scope["state"]["presession"] = presession
        scope["state"]["session_cookie"] = cookies.get("portal_session")
        secure = "; Secure" if self.settings.secure_cookies else ""

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                headers["X-Content-Type-Options"] = "nosniff"
                headers.setdefault("X-Frame-Options", "SAMEORIGIN")
                headers["Referrer-Policy"] = "same-origin"
                headers.setdefault("Cache-Control", "no-store")
                headers.append("Vary", "Cookie, Accept-Language")
                if new_presession:
                    headers.append(
                        "Set-Cookie",
                        f"{PRESESSION_COOKIE}={new_presession}; Path=/; HttpOnly; "
                        f"SameSite=Lax{secure}",
                    )
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            i18n.current_locale.reset(token)


def too_large_message(max_mb: int) -> str:
    """The refusal of an oversized request, in the user's language."""
    return i18n.pick(
        f"请求过大：上限为 {max_mb} MB。", f"Request too large: the limit is {max_mb} MB."
    )


DRAIN_FACTOR = 4  # a body up to this many times the limit is read to its end before refusing


async def _discard_rest(receive: Receive, message: Message, budget: int) -> None:
    """Read and drop the rest of the body (at most BUDGET bytes) so the client gets the answer.

    A server that answers and closes while the client is still sending resets the connection:
    the client, a browser too, then shows a network error instead of the refusal.
    """
    while message.get("more_body", False) and budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))


class BodySizeLimit:
    """Refuses bodies over MAX_BYTES, with or without Content-Length, in the user's language."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        max_mb_shown: int,
        larger: dict[str, int] | None = None,
    ) -> None:
        """LARGER: megabytes allowed instead on these exact paths (ERP exports, say)."""
        self.app = app
        self.max_bytes = max_bytes
        self.max_mb_shown = max_mb_shown
        self.larger = {
            path: BodySizeLimit(app, (mb + 1) * 1024 * 1024, mb)
            for path, mb in (larger or {}).items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        larger = self.larger.get(scope.get("path", ""))
        if larger is not None:
            await larger(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            if int(declared) <= self.max_bytes * DRAIN_FACTOR:
                await _discard_rest(receive, {"more_body": True}, int(declared))
            await self._refuse(scope, receive, send)
            return
        received = 0
        response_started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    await _discard_rest(receive, message, self.max_bytes * (DRAIN_FACTOR - 1))
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # This middleware runs outside PortalMiddleware, so the request's language is not set yet.
        token = i18n.current_locale.set(_locale(scope, _cookies(scope)))
        try:
            message = too_large_message(self.max_mb_shown)
        finally:
            i18n.current_locale.reset(token)
        response: Response = (
            JSONResponse({"detail": message}, status_code=413)
            if scope.get("path", "").startswith("/api/")
            else PlainTextResponse(message, status_code=413)
        )
        await response(scope, receive, send)


class BodyTooLarge(HTTPException):
    """Raised mid-stream; an HTTPException so FastAPI's body parsing lets it through."""

    def __init__(self) -> None:
        super().__init__(status_code=413)
