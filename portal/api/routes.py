"""The JSON API (/api/v1), thin over the feature services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from portal.accounts.models import Role
from portal.security import Principal, require_roles

router = APIRouter(tags=["account"])
AnyRole = Annotated[Principal, Depends(require_roles(*Role))]


class Me(BaseModel):
    """The user a token belongs to."""

    email: str
    full_name: str
    role: str
    supplier_id: int | None


@router.get("/me", response_model=Me, name="api_me")
def me(principal: AnyRole) -> Me:
    """Who the bearer token belongs to."""
    user = principal.user
    return Me(
        email=user.email, full_name=user.full_name, role=user.role, supplier_id=user.supplier_id
    )
