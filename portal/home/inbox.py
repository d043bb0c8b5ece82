"""What waits for each person: counted and listed on their home page, each item linking to
where it is done. Features add their own lists with `register` (energy alerts, say)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from portal.accounts.models import Invitation, Role, User
from portal.clock import plant_today
from portal.db import utcnow
from portal.declarations.models import Declaration, DeclarationStatus
from portal.errors import InvalidInput
from portal.i18n import _, pick
from portal.notifications.events import material_name
from portal.procurement.models import BuyerCheck, Purchase
from portal.security import Principal
from portal.suppliers.models import Supplier

EXPIRING_DAYS = 60
RECENT_CHECK_DAYS = 14
MOST_SHOWN = 10


@dataclass(frozen=True)
class InboxItem:
    """One thing to do: what, a detail line, where it is done."""

    title: str
    link: str
    detail: str = ""
    urgent: bool = False


@dataclass
class InboxSection:
    """A list of things of one kind; COUNT may exceed the items shown."""

    key: str  # also the section's HTML id: inbox-<key>
    title: str
    items: list[InboxItem] = field(default_factory=list)
    count: int = 0
    more_link: str = ""


Provider = Callable[[Session, Principal, date], InboxSection | None]
PROVIDERS: dict[Role, list[Provider]] = {role: [] for role in Role}


def register(*roles: Role) -> Callable[[Provider], Provider]:
    """Add a provider to the inbox of ROLES (a decorator); it returns None to show nothing."""

    def add(provider: Provider) -> Provider:
        for role in roles:
            if provider not in PROVIDERS[role]:
                PROVIDERS[role].append(provider)
        return provider

    return add


def inbox_for(db: Session, principal: Principal, today: date | None = None) -> list[InboxSection]:
    """The sections of this person's inbox, in the order they were registered."""
    today = today or plant_today()
    sections = [provider(db, principal, today) for provider in PROVIDERS[principal.role]]
    return [section for section in sections if section is not None]


def _section(key: str, title: str, items: list[InboxItem], more_link: str = "") -> InboxSection:
    return InboxSection(
        key=key, title=title, items=items[:MOST_SHOWN], count=len(items), more_link=more_link
    )


def _days(n: int) -> str:
    return _("%(n)s days") % {"n": n}


def _not_renewed() -> object:
    newer = aliased(Declaration)
    return ~(
        select(newer.id)
        .where(
            newer.supplier_id == Declaration.supplier_id,
            newer.material_code == Declaration.material_code,
            newer.status == DeclarationStatus.ACCEPTED.value,
            col(newer.valid_until) > col(Declaration.valid_until),
        )
        .exists()
    )


def expiring(db: Session, today: date, supplier_id: int | None = None) -> list[Declaration]:
    """Accepted declarations ending within 60 days (not yet renewed), soonest first."""
    statement = select(Declaration).where(
        Declaration.status == DeclarationStatus.ACCEPTED.value,
        col(Declaration.valid_until) >= today,
        col(Declaration.valid_until) <= today + timedelta(days=EXPIRING_DAYS),
        _not_renewed(),  # type: ignore[arg-type]
    )
    if supplier_id is not None:
        statement = statement.where(Declaration.supplier_id == supplier_id)
    return list(db.exec(statement.order_by(col(Declaration.valid_until))).all())


def _expiring_item(declaration: Declaration, today: date, supplier: Supplier | None) -> InboxItem:
    left = (declaration.valid_until - today).days
    who = pick(supplier.name_zh, supplier.name_en) + " · " if supplier else ""
    return InboxItem(
        title=f"{who}{material_name(declaration.material_code)} · {declaration.product_name}",
        link=f"/declarations/{declaration.id}",
        detail=_("valid until %(date)s (%(days)s left)")
        % {"date": declaration.valid_until.isoformat(), "days": _days(left)},
        urgent=left <= 7,
    )


# --- supplier ---------------------------------------------------------------------------


@register(Role.SUPPLIER)
def to_fix(db: Session, principal: Principal, today: date) -> InboxSection:
    """Rejected declarations not yet replaced by a new version."""
    rows = db.exec(
        select(Declaration)
        .where(
            Declaration.supplier_id == principal.supplier_id,
            Declaration.status == DeclarationStatus.REJECTED.value,
        )
        .order_by(col(Declaration.decided_at).desc())
    ).all()
    items = [
        InboxItem(
            title=f"{material_name(row.material_code)} · {row.product_name}",
            link=f"/declarations/{row.id}",
            detail=(row.decision_comment or _("rejected by the rules")).splitlines()[0][:200],
            urgent=True,
        )
        for row in rows
    ]
    return _section("to-fix", _("Declarations to fix"), items, "/declarations?status=rejected")


@register(Role.SUPPLIER)
def own_expiring(db: Session, principal: Principal, today: date) -> InboxSection:
    """The supplier's declarations expiring within 60 days."""
    items = [_expiring_item(row, today, None) for row in expiring(db, today, principal.supplier_id)]
    return _section("expiring", _("Expiring within 60 days"), items)


@register(Role.SUPPLIER)
def open_requests(db: Session, principal: Principal, today: date) -> InboxSection:
    """Data requests still waiting for this supplier's declarations."""
    from portal.datarequests.service import open_for_supplier

    assert principal.supplier_id is not None
    items = [
        InboxItem(
            title=entry.request.title,
            link="/declarations/new?material=" + entry.materials[0],
            detail=_("due %(date)s: %(materials)s")
            % {
                "date": entry.request.due_on.isoformat(),
                "materials": ", ".join(material_name(code) for code in entry.materials),
            },
            urgent=entry.overdue,
        )
        for entry in open_for_supplier(db, principal.supplier_id, today)
    ]
    return _section("requests", _("Open data requests"), items)


# --- reviewers (ESG team and buyers) ------------------------------------------------------


@register(Role.ESG, Role.BUYER)
def review_queue(db: Session, principal: Principal, today: date) -> InboxSection:
    """Declarations waiting for a person's decision, oldest first, with their age."""
    rows = db.exec(
        select(Declaration, Supplier)
        .join(Supplier, col(Supplier.id) == Declaration.supplier_id)
        .where(Declaration.status == DeclarationStatus.IN_REVIEW.value)
        .order_by(col(Declaration.submitted_at), col(Declaration.id))
    ).all()
    now = utcnow()
    items = []
    for declaration, supplier in rows:
        age = (now - declaration.submitted_at).days
        items.append(
            InboxItem(
                title=f"{pick(supplier.name_zh, supplier.name_en)} · "
                f"{material_name(declaration.material_code)}",
                link=f"/review/{declaration.id}",
                detail=_("waiting %(age)s") % {"age": _days(age)},
                urgent=age >= 7,
            )
        )
    return _section("review", _("Review queue, oldest first"), items, "/review")


# --- buyer --------------------------------------------------------------------------------


@register(Role.BUYER)
def failed_checks(db: Session, principal: Principal, today: date) -> InboxSection:
    """Purchase checks that failed in the last 14 days."""
    since = utcnow() - timedelta(days=RECENT_CHECK_DAYS)
    rows = db.exec(
        select(BuyerCheck, Supplier)
        .join(Supplier, col(Supplier.id) == BuyerCheck.supplier_id)
        .where(BuyerCheck.verdict == "fail", col(BuyerCheck.at) >= since)
        .order_by(col(BuyerCheck.at).desc())
    ).all()
    items = [
        InboxItem(
            title=f"{pick(supplier.name_zh, supplier.name_en)} · "
            f"{material_name(check.material_code)}",
            link="/checks",
            detail=_("failed on %(date)s") % {"date": check.check_date.isoformat()},
        )
        for check, supplier in rows
    ]
    return _section("failed-checks", _("Failed checks, last 14 days"), items, "/checks")


@register(Role.BUYER)
def exceptions(db: Session, principal: Principal, today: date) -> InboxSection:
    """Purchases recorded this year despite a failed check (each with its written reason)."""
    rows = db.exec(
        select(Purchase, Supplier)
        .join(Supplier, col(Supplier.id) == Purchase.supplier_id)
        .where(col(Purchase.exception_reason).is_not(None), Purchase.purchase_year == today.year)
        .order_by(col(Purchase.purchase_date).desc())
    ).all()
    items = [
        InboxItem(
            title=f"{purchase.po_number} · {pick(supplier.name_zh, supplier.name_en)} · "
            f"{material_name(purchase.material_code)}",
            link="/purchases?exceptions_only=1",
            detail=(purchase.exception_reason or "")[:200],
        )
        for purchase, supplier in rows
    ]
    return _section("exceptions", _("Exceptions this year"), items, "/purchases?exceptions_only=1")


# --- ESG team -----------------------------------------------------------------------------


@register(Role.ESG)
def off_target(db: Session, principal: Principal, today: date) -> InboxSection:
    """This year's figures that miss the plan (Scope 3.1, Scope 1+2 intensity, recycled share)."""
    from portal.tracking.pages import line_names
    from portal.tracking.service import year_figures

    names = line_names()
    items: list[InboxItem] = []
    try:
        lines = year_figures(db, year=today.year).lines
    except InvalidInput:  # a year the portal does not track: nothing to compare
        lines = []
    for line in lines:
        name = names.get(line.line, line.line)
        link = f"/tracking?year={today.year}"
        if line.scope3_on_track is False:
            items.append(
                InboxItem(
                    title=_("%(line)s: Scope 3.1 intensity above target") % {"line": name},
                    link=link,
                    detail=f"{line.scope3_cat1_intensity} > {line.scope3_cat1_target} tCO2e/t",
                    urgent=True,
                )
            )
        if line.scope12_on_track is False:
            items.append(
                InboxItem(
                    title=_("%(line)s: Scope 1+2 intensity above target") % {"line": name},
                    link=link,
                    detail=f"{line.scope12_intensity} > {line.scope12_target} tCO2e/t",
                    urgent=True,
                )
            )
        if line.recycled_on_track is False and line.recycled_share is not None:
            goal = line.recycled_goal or 0
            items.append(
                InboxItem(
                    title=_("%(line)s: recycled share below the goal") % {"line": name},
                    link=link,
                    detail=f"{line.recycled_share * 100:.1f}% < {goal * 100:.0f}%",
                    urgent=True,
                )
            )
    return _section("off-target", _("Off target this year"), items, "/tracking")


@register(Role.ESG)
def expiring_coverage(db: Session, principal: Principal, today: date) -> InboxSection:
    """Suppliers' declarations expiring within 60 days."""
    rows = expiring(db, today)
    suppliers = {
        supplier.id: supplier
        for supplier in db.exec(
            select(Supplier).where(col(Supplier.id).in_({row.supplier_id for row in rows}))
        ).all()
    }
    items = [_expiring_item(row, today, suppliers.get(row.supplier_id)) for row in rows]
    return _section("expiring", _("Coverage expiring within 60 days"), items, "/declarations")


# --- admin --------------------------------------------------------------------------------


@register(Role.ADMIN)
def pending_invitations(db: Session, principal: Principal, today: date) -> InboxSection:
    """Invitations sent but not yet accepted (expired ones too: they need sending again)."""
    rows = db.exec(
        select(Invitation, User)
        .join(User, col(User.id) == Invitation.user_id)
        .where(col(Invitation.used_at).is_(None), col(User.password_hash).is_(None))
        .order_by(col(Invitation.created_at))
    ).all()
    now: datetime = utcnow()
    latest: dict[int, InboxItem] = {}
    for invitation, user in rows:
        expired = invitation.expires_at <= now
        assert user.id is not None
        latest[user.id] = InboxItem(
            title=user.email,
            link="/admin/users",
            detail=(_("expired on %(date)s") if expired else _("valid until %(date)s"))
            % {"date": invitation.expires_at.date().isoformat()},
            urgent=expired,
        )
    return _section("invitations", _("Pending invitations"), list(latest.values()), "/admin/users")
