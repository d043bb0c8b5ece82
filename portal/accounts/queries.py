"""The users list: searched by email, name, role and company, sorted, paged in SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from portal.accounts.models import User, WebSession
from portal.listing import ListQuery, Page, WordMatch, page_select
from portal.suppliers.models import Supplier

# Every sign-in starts a web session, and sessions are ended, never deleted: the newest is
# the last sign-in.
_LAST = (
    select(
        col(WebSession.user_id).label("user_id"),
        func.max(col(WebSession.created_at)).label("signed_in_at"),
    )
    .group_by(col(WebSession.user_id))
    .subquery("last_sign_in")
)
LAST_SIGN_IN: Any = _LAST.c.signed_in_at

SEARCH = (
    col(User.email),
    col(User.full_name),
    col(User.role),
    col(Supplier.code),
    col(Supplier.name_zh),
    col(Supplier.name_en),
)
SORTS: dict[str, tuple[Any, ...]] = {
    "email": (col(User.email),),
    "name": (col(User.full_name),),
    "role": (col(User.role),),
    "supplier": (func.coalesce(col(Supplier.code), ""),),
    # Never signed in counts as the longest ago, on both databases (they order NULLs apart).
    "last_sign_in": (LAST_SIGN_IN.is_not(None), LAST_SIGN_IN),
    "created": (col(User.created_at),),
}


@dataclass(frozen=True)
class UserRow:
    """A user, their supplier company (none for the plant's staff) and their last sign-in."""

    user: User
    supplier: Supplier | None
    last_sign_in: datetime | None


def role_names(labels: Mapping[str, str]) -> WordMatch:
    """A search word matching a role's name as the reader sees it (LABELS: role -> name)."""

    def match(word: str) -> ColumnElement[bool] | None:
        wanted = word.casefold()
        roles = [role for role, label in labels.items() if wanted in label.casefold()]
        return col(User.role).in_(roles) if roles else None

    return match


def list_users(db: Session, query: ListQuery, *, role_labels: Mapping[str, str]) -> Page[UserRow]:
    """One page of the users matching QUERY, with their company and last sign-in."""
    statement = (
        select(User, Supplier, LAST_SIGN_IN)
        .join(Supplier, col(User.supplier_id) == Supplier.id, isouter=True)
        .join(_LAST, _LAST.c.user_id == User.id, isouter=True)
    )
    found = page_select(
        db,
        statement,
        query,
        search=SEARCH,
        sorts=SORTS,
        tiebreak=(col(User.id),),
        also=(role_names(role_labels),),
    )
    rows = [UserRow(user, supplier, signed_in) for user, supplier, signed_in in found.rows]
    return Page(rows, found.total, query)
