"""Sign-in, sign-out, invitations and user administration pages."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import col, select
from starlette.background import BackgroundTask

from portal.accounts import devices, queries, service
from portal.accounts.mail import send_guessing_warning
from portal.accounts.models import ApiToken, Role, User
from portal.accounts.self_service import account_context
from portal.config import get_settings
from portal.db import DbSession
from portal.errors import InvalidInput
from portal.listing import ListQuery
from portal.security import (
    SESSION_COOKIE,
    Principal,
    end_session,
    require_roles,
    start_session,
)
from portal.suppliers.models import Supplier
from portal.web import redirect, render, role_label, safe_next

router = APIRouter()
AdminOnly = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
AnyRole = Annotated[Principal, Depends(require_roles(*Role))]


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _signed_in_response(request: Request, db: DbSession, user: User, next_url: str) -> Response:
    """Start a fresh session (new id at every sign-in) and set its cookie."""
    old = getattr(request.state, "session_cookie", None)
    if old:
        end_session(db, old)
    session_id = start_session(db, user)
    response = redirect(safe_next(next_url), request)
    settings = get_settings()
    assert user.id is not None
    # This browser is now a device the user signed in from: guessers cannot lock it out.
    response.set_cookie(
        devices.DEVICE_COOKIE,
        devices.remembered(request.cookies.get(devices.DEVICE_COOKIE), user.id, settings),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=devices.DEVICE_COOKIE_DAYS * 86400,
        path="/",
    )
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
    )
    return response


@router.get("/login", name="sign_in_form")
def sign_in_form(request: Request, next: str = "/") -> Response:
    """The sign-in page."""
    if request.state.principal is not None:
        return redirect(safe_next(next))
    return render(request, "accounts/sign_in.html", {"next": safe_next(next), "email": ""})


@router.post("/login", name="sign_in")
def sign_in(
    request: Request,
    db: DbSession,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the credentials and start a session."""
    settings = get_settings()
    try:
        user = service.authenticate(
            db,
            email=email,
            password=password,
            ip=_client_ip(request),
            settings=settings,
            device=request.cookies.get(devices.DEVICE_COOKIE),
        )
    except service.SignInRefused as refused:
        page = render(
            request,
            "accounts/sign_in.html",
            {"next": safe_next(next), "email": email, "error": refused.message},
            401,
        )
        if refused.warning is not None:  # mailed once the answer is sent, outside the lock
            page.background = BackgroundTask(send_guessing_warning, refused.warning, settings)
        return page
    return _signed_in_response(request, db, user, next)


@router.post("/logout", name="sign_out")
def sign_out(request: Request, db: DbSession, principal: AnyRole) -> Response:
    """End the session server-side and drop the cookie."""
    session_id = getattr(request.state, "session_cookie", None)
    if session_id:
        end_session(db, session_id)
    from portal import audit

    audit.record(
        db,
        actor=principal.actor(request),
        action="auth.signed_out",
        entity_type="user",
        entity_id=principal.user.id,
    )
    response = redirect("/login", request)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/invite/{token}", name="invitation_form")
def invitation_form(request: Request, db: DbSession, token: str) -> Response:
    """The page where an invited person sets a password."""
    _invitation, user = service.open_invitation(db, token)
    return render(request, "accounts/invitation.html", {"token": token, "invitee": user})


@router.post("/invite/{token}", name="invitation_accept")
def invitation_accept(
    request: Request,
    db: DbSession,
    token: str,
    password: Annotated[str, Form()] = "",
    password_confirm: Annotated[str, Form()] = "",
) -> Response:
    """Set the password, use up the invitation and sign the person in."""
    try:
        user = service.accept_invitation(
            db,
            token=token,
            password=password,
            confirmation=password_confirm,
            ip=_client_ip(request),
        )
    except InvalidInput as invalid:
        _invitation, invitee = service.open_invitation(db, token)
        return render(
            request,
            "accounts/invitation.html",
            {"token": token, "invitee": invitee, "errors": {invalid.field: invalid.message}},
            422,
        )
    return _signed_in_response(request, db, user, "/")


def _users_page(request: Request, db: DbSession, **extra: object) -> Response:
    suppliers = db.exec(select(Supplier).order_by(Supplier.code)).all()
    tokens = db.exec(
        select(ApiToken, User)
        .join(User, col(ApiToken.user_id) == User.id)
        .order_by(col(ApiToken.created_at).desc())
    ).all()
    query = ListQuery.read(request, sorts=queries.SORTS, default="-created")
    # A form posted elsewhere renders this list too: its links lead back to the list itself.
    query = replace(query, path="/admin/users")
    labels = {role.value: role_label(role.value) for role in Role}
    found = queries.list_users(db, query, role_labels=labels)
    context: dict[str, object] = {
        "users": found.rows,
        "list_page": found,
        "suppliers": suppliers,
        "roles": list(Role),
        "tokens": tokens,
        "form": {},
        "errors": {},
    }
    context.update(extra)
    status = 422 if extra.get("errors") else 200
    return render(request, "accounts/users.html", context, status)


@router.get("/admin/users", name="users")
def users(request: Request, db: DbSession, _admin: AdminOnly) -> Response:
    """The users, searched, sorted and paged; the invitation form and API tokens."""
    return _users_page(request, db)


@router.post("/admin/users/invite", name="invite_user")
def invite_user(
    request: Request,
    db: DbSession,
    admin: AdminOnly,
    email: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    supplier_id: Annotated[str, Form()] = "",
) -> Response:
    """Invite a user and show the single-use link once, for the admin to pass on."""
    form = {"email": email, "full_name": full_name, "role": role, "supplier_id": supplier_id}
    try:
        user, token = service.invite_user(
            db,
            actor=admin.actor(request),
            email=email,
            full_name=full_name,
            role=role,
            supplier_id=int(supplier_id) if supplier_id.isdigit() else None,
            settings=get_settings(),
        )
    except InvalidInput as invalid:
        return _users_page(request, db, form=form, errors={invalid.field: invalid.message})
    link = f"{get_settings().base_url}/invite/{token}"
    from portal.accounts.mail import send_invitation

    mailed = send_invitation(user.email, link, get_settings())
    return _users_page(request, db, invitation_link=link, invited=user, mailed=mailed)


@router.post("/admin/users/{user_id}/active", name="set_user_active")
def set_user_active(
    request: Request,
    db: DbSession,
    admin: AdminOnly,
    user_id: int,
    active: Annotated[str, Form()] = "false",
) -> Response:
    """Deactivate or reactivate a user."""
    try:
        service.set_active(db, actor=admin.actor(request), user_id=user_id, active=active == "true")
    except InvalidInput as invalid:
        return _users_page(request, db, errors={"user": invalid.message})
    return redirect("/admin/users", request)


@router.post("/admin/tokens/{token_id}/revoke", name="revoke_token")
def revoke_token(request: Request, db: DbSession, admin: AdminOnly, token_id: int) -> Response:
    """Revoke an API token."""
    service.revoke_token(db, actor=admin.actor(request), token_id=token_id)
    return redirect("/admin/users#tokens", request)


@router.get("/account", name="account")
def account(request: Request, db: DbSession, principal: AnyRole) -> Response:
    """The signed-in user's own details, API tokens and password."""
    return render(request, "accounts/account.html", account_context(db, principal))
