"""The read-only page of the procurement rules in force on a date, today or at a past revision."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from portal.accounts.models import Role
from portal.catalog import get_ruleset, revisions, wording
from portal.catalog.service import rules_in_force
from portal.clock import plant_today
from portal.db import DbSession
from portal.errors import InvalidInput, NotFound
from portal.i18n import _
from portal.security import Principal, require_roles
from portal.web import render

router = APIRouter()
AnyRole = Annotated[Principal, Depends(require_roles(*Role))]


@router.get("/rules", name="rules_in_force")
def rules_page(
    request: Request,
    db: DbSession,
    _principal: AnyRole,
    on: str = "",
    material: str = "",
    revision: str = "",
) -> Response:
    """Every material's rules in force on a date, with parameters and messages in both languages."""
    current = get_ruleset()
    stored: revisions.StoredRevision | None = None
    ruleset = current
    if revision and not current.revision.startswith(revision.strip().lower()):
        try:
            stored = revisions.find(db, revision)
        except revisions.UnknownRevision:
            message = _("No rule-set revision %(revision)s has been used by the portal.")
            raise NotFound(message % {"revision": revision}) from None
        ruleset = stored.ruleset or current
    try:
        day = date.fromisoformat(on) if on else plant_today()
    except ValueError:
        raise InvalidInput(_("Enter a date as YYYY-MM-DD."), field="on") from None
    readable = stored is None or stored.ruleset is not None
    if readable and material and material not in ruleset.materials:
        raise InvalidInput(_("Unknown material."), field="material")
    return render(
        request,
        "catalog/rules.html",
        {
            "on": day,
            "selected_material": material,
            "ruleset": ruleset,
            "current": current,
            "stored": stored,
            "files": _texts(stored.files) if stored is not None else [],
            "kind_label": wording.kind_label,
            "severity_label": wording.severity_label,
            "rule_parameters": wording.parameters,
            "message_parts": wording.message_parts,
            "sections": rules_in_force(ruleset, on=day, material_code=material or None)
            if readable
            else [],
        },
    )


def _texts(files: Mapping[str, bytes]) -> list[tuple[str, str]]:
    return [(path, content.decode("utf-8", "replace")) for path, content in sorted(files.items())]
