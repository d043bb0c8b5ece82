"""The read-only page of the procurement rules in force on a date."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from portal.accounts.models import Role
from portal.catalog import get_ruleset
from portal.catalog.service import rules_in_force
from portal.clock import plant_today
from portal.errors import InvalidInput
from portal.i18n import _
from portal.security import Principal, require_roles
from portal.web import render

router = APIRouter()
AnyRole = Annotated[Principal, Depends(require_roles(*Role))]


@router.get("/rules", name="rules_in_force")
def rules_page(request: Request, _principal: AnyRole, on: str = "", material: str = "") -> Response:
    """Every material's rules in force on a date, with parameters and messages in both languages."""
    ruleset = get_ruleset()
    try:
        day = date.fromisoformat(on) if on else plant_today()
    except ValueError:
        raise InvalidInput(_("Enter a date as YYYY-MM-DD."), field="on") from None
    if material and material not in ruleset.materials:
        raise InvalidInput(_("Unknown material."), field="material")
    return render(
        request,
        "catalog/rules.html",
        {
            "on": day,
            "selected_material": material,
            "ruleset": ruleset,
            "sections": rules_in_force(ruleset, on=day, material_code=material or None),
        },
    )
