"""Pages a person uses for their own account: API tokens, changing and resetting the password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.background import BackgroundTask

from portal.accounts import passwords, tokens
from portal.accounts.models import Role
from portal.config import get_settings
from portal.db import DbSession
from portal.errors import InvalidInput
from portal.security import Principal, require_roles
from portal.web import redirect, render

router = APIRouter()
AnyRole = Annotated[Principal, Depends(require_roles(*Role))]


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def account_context(db: DbSession, principal: Principal, **extra: Any) -> dict[str, Any]:
    """What the account page shows: the person, their tokens, the password form."""
    assert principal.user.id is not None
    context: dict[str, Any] = {
        "own_tokens": tokens.tokens_of(db, principal.user.id),
        "token_errors": {},
        "password_errors": {},
        "new_token": None,
        "token_name": "",
        "password_changed": None,
        "signed_in_by_token": principal.via_api_token,
    }
    context.update(extra)
    return context


def _account_page(
    request: Request, db: DbSession, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    return render(request, "accounts/account.html", account_context(db, principal, **extra), status)


@router.post("/account/tokens", name="create_own_token")
def create_own_token(
    request: Request, db: DbSession, principal: AnyRole, name: Annotated[str, Form()] = ""
) -> Response:
    """Create an API token; its value is shown on this page once, and never again."""
    try:
        token, plain = tokens.create_own(
            db, actor=principal.actor(request), user=principal.user, name=name
        )
    except InvalidInput as invalid:
        return _account_page(
            request,
            db,
            principal,
            422,
            token_errors={invalid.field or "name": invalid.message},
            token_name=name,
        )
    # Not a redirect: the value exists only in this answer, which no cache may keep.
    page = _account_page(request, db, principal, new_token=plain, new_token_row=token)
    page.headers["Cache-Control"] = "no-store"
    return page


@router.post("/account/tokens/{token_id}/revoke", name="revoke_own_token")
def revoke_own_token(
    request: Request, db: DbSession, principal: AnyRole, token_id: int
) -> Response:
    """Revoke one of one's own tokens (another person's is not found)."""
    tokens.revoke(db, actor=principal.actor(request), token_id=token_id, owner_id=principal.user.id)
    return redirect("/account#tokens", request)


@router.post("/account/password", name="change_password")
def change_password(
    request: Request,
    db: DbSession,
    principal: AnyRole,
    current_password: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_confirm: Annotated[str, Form()] = "",
) -> Response:
    """Change the password (the current one is asked); other signed-in browsers are signed out."""
    try:
        ended = passwords.change_password(
            db,
            actor=principal.actor(request),
            user=principal.user,
            current=current_password,
            password=password,
            confirmation=password_confirm,
            session_id=getattr(request.state, "session_cookie", None),
        )
    except InvalidInput as invalid:
        return _account_page(
            request,
            db,
            principal,
            422,
            password_errors={invalid.field or "password": invalid.message},
        )
    return _account_page(request, db, principal, password_changed=ended)


@router.get("/password/forgot", name="password_forgot_form")
def password_forgot_form(request: Request, email: str = "") -> Response:
    """The form to ask for a reset link."""
    return render(request, "accounts/password_forgot.html", {"email": email[:254], "sent": False})


@router.post("/password/forgot", name="password_forgot")
def password_forgot(
    request: Request, db: DbSession, email: Annotated[str, Form()] = ""
) -> Response:
    """Mail a reset link if the address has an account; the answer is the same either way."""
    settings = get_settings()
    mail = passwords.request_reset(db, email=email, ip=_client_ip(request), settings=settings)
    page = render(request, "accounts/password_forgot.html", {"email": email[:254], "sent": True})
    if mail is not None:  # mailed once the answer is sent: no wait, and no timing to tell
        page.background = BackgroundTask(passwords.send_reset_mail, mail, settings)
    return page


@router.get("/password/reset/{token}", name="password_reset_form")
def password_reset_form(request: Request, db: DbSession, token: str) -> Response:
    """The page where a reset link's owner sets a new password."""
    _reset, user = passwords.open_reset(db, token)
    page = render(request, "accounts/password_reset.html", {"token": token, "owner": user})
    page.headers["Referrer-Policy"] = "no-referrer"
    return page


@router.post("/password/reset/{token}", name="password_reset")
def password_reset(
    request: Request,
    db: DbSession,
    token: str,
    password: Annotated[str, Form()] = "",
    password_confirm: Annotated[str, Form()] = "",
) -> Response:
    """Set the new password and use up the link; then sign in with it."""
    try:
        passwords.complete_reset(
            db,
            token=token,
            password=password,
            confirmation=password_confirm,
            ip=_client_ip(request),
        )
    except InvalidInput as invalid:
        _reset, user = passwords.open_reset(db, token)
        return render(
            request,
            "accounts/password_reset.html",
            {"token": token, "owner": user, "errors": {invalid.field: invalid.message}},
            422,
        )
    return redirect("/login?reset=done", request)
