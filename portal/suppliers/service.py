"""Supplier companies: editing, deactivating, and everything the plant knows about one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from portal import audit
from portal.accounts import service as accounts
from portal.accounts.models import Invitation, Role, User
from portal.audit import Actor
from portal.db import utcnow
from portal.declarations.models import Declaration
from portal.errors import InvalidInput, NotFound
from portal.i18n import _
from portal.listing import ListQuery, Page, page_select
from portal.pact.models import PactSupplierHost
from portal.procurement.models import Purchase
from portal.suppliers.models import Supplier

MAX_ID = 2**31 - 1
RECENT_PURCHASES = 200


def get_supplier(db: Session, supplier_id: int) -> Supplier:
    """The supplier company, else NotFound."""
    supplier = db.get(Supplier, supplier_id) if 0 < supplier_id <= MAX_ID else None
    if supplier is None:
        raise NotFound()
    return supplier


# The suppliers list: searched by code and both names, sorted by these columns.
LIST_SEARCH = (col(Supplier.code), col(Supplier.name_zh), col(Supplier.name_en))
LIST_SORTS: dict[str, tuple[Any, ...]] = {
    "code": (col(Supplier.code),),
    "name_zh": (col(Supplier.name_zh),),
    "name_en": (col(Supplier.name_en),),
    "country": (col(Supplier.country),),
    "status": (~col(Supplier.is_active),),  # active companies first, ascending
}


def list_suppliers(db: Session, query: ListQuery) -> Page[Supplier]:
    """One page of the supplier companies matching QUERY's search, in its order."""
    return page_select(
        db,
        select(Supplier),
        query,
        search=LIST_SEARCH,
        sorts=LIST_SORTS,
        tiebreak=(col(Supplier.code),),
    )


def _fields(supplier: Supplier) -> dict[str, Any]:
    return supplier.model_dump(exclude={"created_at"})


def update_supplier(
    db: Session, *, actor: Actor, supplier_id: int, name_zh: str, name_en: str, country: str
) -> Supplier:
    """Change a company's names and country (its code stays: the ERP matches on it)."""
    supplier = get_supplier(db, supplier_id)
    name_zh, name_en, country = name_zh.strip(), name_en.strip(), country.strip().upper()
    if not name_zh and not name_en:
        raise InvalidInput(_("Give the company name in Chinese or English."), field="name_zh")
    if len(name_zh) > 200:
        raise InvalidInput(_("The name is too long (200 characters at most)."), field="name_zh")
    if len(name_en) > 200:
        raise InvalidInput(_("The name is too long (200 characters at most)."), field="name_en")
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidInput(
            _("The country must be a two-letter ISO code, e.g. CN."), field="country"
        )
    before = _fields(supplier)
    supplier.name_zh, supplier.name_en, supplier.country = name_zh, name_en, country
    after = _fields(supplier)
    if after == before:
        return supplier
    db.add(supplier)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="supplier.updated",
        entity_type="supplier",
        entity_id=supplier.id,
        before={key: value for key, value in before.items() if after[key] != value},
        after={key: value for key, value in after.items() if before[key] != value},
    )
    return supplier


def set_supplier_active(db: Session, *, actor: Actor, supplier_id: int, active: bool) -> int:
    """Deactivate (or reactivate) a company; deactivating also deactivates its users.

    Its declarations and purchases stay (they are history). Its users are signed out and
    their tokens revoked; reactivating the company leaves them to be reactivated one by one.
    Returns how many users were deactivated.
    """
    supplier = get_supplier(db, supplier_id)
    if supplier.is_own_plant and not active:
        raise InvalidInput(_("The plant itself cannot be deactivated."), field="active")
    if supplier.is_active == active:
        return 0
    supplier.is_active = active
    supplier.deactivated_at = None if active else utcnow()
    db.add(supplier)
    db.flush()
    users = [] if active else contacts_of(db, supplier_id)
    ended = 0
    for user in users:
        if user.is_active and user.id is not None:
            accounts.set_active(db, actor=actor, user_id=user.id, active=False)
            ended += 1
    audit.record(
        db,
        actor=actor,
        action="supplier.activated" if active else "supplier.deactivated",
        entity_type="supplier",
        entity_id=supplier.id,
        before={"is_active": not active},
        after={"is_active": active, "users_deactivated": ended},
    )
    return ended


def contacts_of(db: Session, supplier_id: int) -> list[User]:
    """The company's users, active first, then by email."""
    rows = db.exec(
        select(User)
        .where(col(User.supplier_id) == supplier_id, col(User.role) == Role.SUPPLIER.value)
        .order_by(col(User.is_active).desc(), col(User.email))
    ).all()
    return list(rows)


@dataclass
class Profile:
    """Everything the plant knows about one supplier, for its profile page."""

    supplier: Supplier
    contacts: list[User]
    pending_invitations: set[int]  # user ids with an unused, unexpired invitation
    materials: list[str]
    chains: list[list[Declaration]]  # each declaration's versions, oldest first
    purchases: list[Purchase]
    purchase_count: int
    exceptions: list[Purchase]
    pact_host: PactSupplierHost | None
    reminders: list[Any] = field(default_factory=list)  # notifications sent to its contacts


def _chains(declarations: list[Declaration]) -> list[list[Declaration]]:
    by_id = {d.id: d for d in declarations}
    followed = {d.supersedes_id for d in declarations if d.supersedes_id is not None}
    chains = []
    for newest in declarations:
        if newest.id in followed:
            continue
        chain = [newest]
        while chain[0].supersedes_id in by_id:
            chain.insert(0, by_id[chain[0].supersedes_id])
        chains.append(chain)
    chains.sort(key=lambda chain: (chain[-1].material_code, -(chain[-1].id or 0)))
    return chains


def _reminders(db: Session, user_ids: list[int]) -> list[Any]:
    try:
        from portal.notifications.models import Notification
    except ImportError:  # the notifications outbox is not part of this build
        return []
    if not user_ids:
        return []
    rows = db.exec(
        select(Notification)
        .where(col(Notification.user_id).in_(user_ids))
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(100)
    ).all()
    return list(rows)


def profile(db: Session, supplier_id: int) -> Profile:
    """The supplier's contacts, materials, declarations, purchases, PACT host and reminders."""
    supplier = get_supplier(db, supplier_id)
    contacts = contacts_of(db, supplier_id)
    now = utcnow()
    pending = {
        invitation.user_id
        for invitation in db.exec(
            select(Invitation).where(
                col(Invitation.user_id).in_([u.id for u in contacts] or [-1]),
                col(Invitation.used_at).is_(None),
                col(Invitation.expires_at) > now,
            )
        ).all()
    }
    declarations = list(
        db.exec(
            select(Declaration)
            .where(col(Declaration.supplier_id) == supplier_id)
            .order_by(col(Declaration.id))
        ).all()
    )
    purchases_query = select(Purchase).where(col(Purchase.supplier_id) == supplier_id)
    purchases = list(
        db.exec(
            purchases_query.order_by(
                col(Purchase.purchase_date).desc(), col(Purchase.id).desc()
            ).limit(RECENT_PURCHASES)
        ).all()
    )
    from sqlalchemy import func

    purchase_count = db.exec(
        select(func.count()).select_from(Purchase).where(col(Purchase.supplier_id) == supplier_id)
    ).one()
    exceptions = list(
        db.exec(
            purchases_query.where(col(Purchase.exception_reason).is_not(None)).order_by(
                col(Purchase.purchase_date).desc(), col(Purchase.id).desc()
            )
        ).all()
    )
    purchased = db.exec(
        select(Purchase.material_code).where(col(Purchase.supplier_id) == supplier_id).distinct()
    ).all()
    materials = sorted({d.material_code for d in declarations} | set(purchased))
    host = db.exec(
        select(PactSupplierHost).where(col(PactSupplierHost.supplier_id) == supplier_id)
    ).first()
    return Profile(
        supplier=supplier,
        contacts=contacts,
        pending_invitations=pending,
        materials=materials,
        chains=_chains(declarations),
        purchases=purchases,
        purchase_count=purchase_count,
        exceptions=exceptions,
        pact_host=host,
        reminders=_reminders(db, [u.id for u in contacts if u.id is not None]),
    )
