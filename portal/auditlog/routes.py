"""The audit-trail page for the ESG team and administrators."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from portal.accounts.models import Role
from portal.auditlog import service
from portal.clock import PLANT_TIME
from portal.db import DbSession
from portal.errors import InvalidInput
from portal.i18n import _
from portal.listing import ListQuery, Page
from portal.security import Principal, require_roles
from portal.web import is_htmx, render

router = APIRouter()
Readers = Annotated[Principal, Depends(require_roles(Role.ESG, Role.ADMIN))]
LONGEST = {"entity_type": 64, "entity_id": 64, "actor": 254, "action": 64}


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("Enter a date as YYYY-MM-DD."), field=field) from None


def _filters(
    entity_type: str, entity_id: str, actor: str, action: str, date_from: str, date_to: str
) -> service.Filters:
    texts = {
        "entity_type": entity_type.strip(),
        "entity_id": entity_id.strip(),
        "actor": actor.strip(),
        "action": action.strip(),
    }
    for field, value in texts.items():
        if len(value) > LONGEST[field]:
            message = _("At most %(n)s characters.") % {"n": LONGEST[field]}
            raise InvalidInput(message, field=field)
    start, end = _day(date_from.strip(), "from"), _day(date_to.strip(), "to")
    if start and end and end < start:
        raise InvalidInput(_("The end date is before the start date."), field="to")
    return service.Filters(**texts, date_from=start, date_to=end)


@router.get("/audit", name="audit_trail")
def audit_trail(
    request: Request,
    db: DbSession,
    principal: Readers,
    entity_type: str = "",
    entity_id: str = "",
    actor: str = "",
    action: str = "",
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
    page: str = "1",
) -> Response:
    """Audit entries filtered by entity, actor, action and date, newest first, paginated."""
    filters = _filters(entity_type, entity_id, actor, action, date_from, date_to)
    if not page.isdigit() or int(page) < 1:
        raise InvalidInput(_("Enter a page number (1, 2, …)."), field="page")
    query = ListQuery.read(request, sorts=service.SORTS, default="-id", per_page=service.PAGE_SIZE)
    found = service.entries(db, filters=filters, page=query.page, query=query)
    types, actions = service.choices(db)
    role = principal.role.value
    return render(
        request,
        "auditlog/list.html",
        {
            "filters": filters,
            "entries": found,
            "links": {event.id: service.entity_link(event, role) for event in found.rows},
            "changes": {event.id: service.changes(event) for event in found.rows},
            "entity_types": types,
            "actions": actions,
            "query": urlencode(filters.query()),
            "list_page": Page(found.rows, found.total, query),
            "verified": service.recent_verification(db),
            "plant_time": PLANT_TIME,
        },
    )


@router.get("/audit/chain", name="audit_chain")
def audit_chain(request: Request, db: DbSession, _principal: Readers) -> Response:
    """Whether every entry still links to the one before with an unchanged hash."""
    template = "auditlog/_chain.html" if is_htmx(request) else "auditlog/chain.html"
    return render(request, template, {"verified": service.verify(db), "plant_time": PLANT_TIME})
