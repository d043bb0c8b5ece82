"""Data request pages (ESG team): list, new request, progress per supplier, remind."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import col, select

from portal.accounts.models import Role
from portal.catalog import get_ruleset
from portal.clock import plant_today
from portal.datarequests import service
from portal.db import DbSession
from portal.errors import InvalidInput
from portal.notifications.events import material_name
from portal.security import Principal, require_roles
from portal.suppliers.models import Supplier
from portal.web import redirect, render

router = APIRouter()
EsgOnly = Annotated[Principal, Depends(require_roles(Role.ESG))]


def _choices(db: DbSession) -> dict[str, object]:
    suppliers = db.exec(
        select(Supplier)
        .where(col(Supplier.is_own_plant).is_(False), col(Supplier.is_active).is_(True))
        .order_by(col(Supplier.code))
    ).all()
    materials = [(code, material_name(code)) for code in get_ruleset().materials]
    return {"suppliers": suppliers, "materials": materials, "material_name": material_name}


@router.get("/data-requests", name="data_requests")
def data_requests(request: Request, db: DbSession, _esg: EsgOnly) -> Response:
    """Every data request with how many suppliers are in each state."""
    today = plant_today()
    rows = [
        (item, service.counts(service.progress(db, item, today)))
        for item in service.list_requests(db)
    ]
    return render(request, "datarequests/list.html", {"rows": rows})


@router.get("/data-requests/new", name="new_data_request")
def new_data_request(request: Request, db: DbSession, _esg: EsgOnly) -> Response:
    """The form: materials, suppliers (or everyone we bought from), due date, message."""
    return render(
        request,
        "datarequests/form.html",
        {**_choices(db), "form": {"everyone": "1"}, "chosen": [], "chosen_suppliers": []},
    )


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


@router.post("/data-requests", name="create_data_request")
def create_data_request(
    request: Request,
    db: DbSession,
    principal: EsgOnly,
    title: Annotated[str, Form(max_length=400)] = "",
    message: Annotated[str, Form(max_length=4000)] = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
    materials: Annotated[list[str] | None, Form()] = None,
    suppliers: Annotated[list[str] | None, Form()] = None,
    everyone: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Send the request: each supplier asked gets it in its inbox and by email."""
    supplier_ids = [int(value) for value in suppliers or [] if value.isdigit()]
    try:
        created = service.create(
            db,
            actor=principal.actor(request),
            title=title,
            message=message,
            due_on=_date(due_on),
            material_codes=materials or [],
            supplier_ids=supplier_ids,
            everyone_bought=everyone == "1",
            today=plant_today(),
        )
    except InvalidInput as invalid:
        return render(
            request,
            "datarequests/form.html",
            {
                **_choices(db),
                "form": {
                    "title": title,
                    "message": message,
                    "due_on": due_on,
                    "everyone": everyone,
                },
                "chosen": materials or [],
                "chosen_suppliers": supplier_ids,
                "errors": {invalid.field or "title": invalid.message},
            },
            422,
        )
    return redirect(f"/data-requests/{created.id}", request)


@router.get("/data-requests/{request_id}", name="data_request")
def data_request(request: Request, db: DbSession, _esg: EsgOnly, request_id: int) -> Response:
    """Progress per supplier: requested, submitted, accepted, overdue; remind buttons."""
    found = service.get(db, request_id)
    entries = service.progress(db, found, plant_today())
    return render(
        request,
        "datarequests/detail.html",
        {
            "data_request": found,
            "entries": entries,
            "counts": service.counts(entries),
            "material_name": material_name,
            "reminded": request.query_params.get("reminded", ""),
        },
    )


@router.post("/data-requests/{request_id}/remind", name="remind_data_request")
def remind(
    request: Request,
    db: DbSession,
    principal: EsgOnly,
    request_id: int,
    supplier_id: Annotated[int, Form()],
    reminders_seen: Annotated[int, Form()] = 0,
) -> Response:
    """Remind one supplier once (a second click on the same page is refused)."""
    service.remind(
        db,
        actor=principal.actor(request),
        request_id=request_id,
        supplier_id=supplier_id,
        reminders_seen=reminders_seen,
    )
    return redirect(f"/data-requests/{request_id}?reminded={supplier_id}", request)
