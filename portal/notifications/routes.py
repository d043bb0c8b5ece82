"""The in-app notification list, opening one, and each user's notification language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from portal import audit, i18n
from portal.accounts.models import Role, User
from portal.db import READ_ONLY_OPTION, DbSession, get_engine, on_serving_loop_thread
from portal.errors import InvalidInput, NotFound
from portal.i18n import _
from portal.notifications import service
from portal.security import Principal, require_roles
from portal.web import environment, redirect, render, safe_next

router = APIRouter()
AnyRole = Annotated[Principal, Depends(require_roles(*Role))]


def _user_id(principal: Principal) -> int:
    assert principal.user.id is not None
    return principal.user.id


@router.get("/notifications", name="notifications")
def notifications(request: Request, db: DbSession, principal: AnyRole) -> Response:
    """The user's notifications, newest first, unread ones marked."""
    rows = service.list_for(db, _user_id(principal))
    return render(request, "notifications/list.html", {"notifications": rows})


@router.post("/notifications/{notification_id}/open", name="open_notification")
def open_notification(
    request: Request, db: DbSession, principal: AnyRole, notification_id: int
) -> Response:
    """Mark one notification read and go where it is dealt with."""
    row = service.get_own(db, _user_id(principal), notification_id)
    if row is None:
        raise NotFound()
    service.mark_read(db, _user_id(principal), notification_id)
    return redirect(safe_next(row.link, "/notifications"), request)


@router.post("/notifications/read", name="read_all_notifications")
def read_all(request: Request, db: DbSession, principal: AnyRole) -> Response:
    """Mark every notification of the user read."""
    service.mark_read(db, _user_id(principal))
    return redirect("/notifications", request)


@router.post("/account/notification-language", name="notification_language")
def notification_language(
    request: Request,
    db: DbSession,
    principal: AnyRole,
    language: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/account",
) -> Response:
    """Choose the language of one's emails and notifications (audited)."""
    if language not in i18n.LOCALES:
        raise InvalidInput(
            _("Choose one of: %(options)s.") % {"options": "中文 (zh), English (en)"},
            field="language",
        )
    user = db.get(User, _user_id(principal))
    assert user is not None
    before = user.notification_language
    user.notification_language = language
    db.add(user)
    db.flush()
    audit.record(
        db,
        actor=principal.actor(request),
        action="user.notification_language_changed",
        entity_type="user",
        entity_id=user.id,
        before={"notification_language": before},
        after={"notification_language": language},
    )
    return redirect(safe_next(next, "/account"), request)


def unread_for(principal: Principal | None) -> int:
    """The header's count of unread notifications (0 when it cannot be looked up here)."""
    if principal is None or principal.user.id is None or on_serving_loop_thread():
        return 0
    engine = get_engine().execution_options(**{READ_ONLY_OPTION: True})
    with Session(engine) as db:
        return service.unread_count(db, principal.user.id)


environment().globals["unread_notifications"] = unread_for
