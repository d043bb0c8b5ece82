"""The declaration events people are told about: submitted for review, decided, expiring."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from portal.accounts.models import Role
from portal.catalog import get_ruleset
from portal.declarations.models import Declaration, DeclarationStatus
from portal.i18n import _, pick
from portal.notifications.service import active_users, enqueue, supplier_contacts
from portal.suppliers.models import Supplier

EXPIRY_THRESHOLDS_DAYS = (60, 30, 7)  # reminders before a declaration's validity ends


def material_name(code: str) -> str:
    """A material's name in the current language, else its code."""
    material = get_ruleset().materials.get(code)
    return pick(material.name_zh, material.name_en) if material else code


def declaration_submitted(db: Session, declaration: Declaration) -> None:
    """A declaration waiting for a person: tell the reviewers (ESG team and buyers)."""
    if declaration.status != DeclarationStatus.IN_REVIEW.value:
        return
    assert declaration.id is not None
    supplier = db.get(Supplier, declaration.supplier_id)

    def compose() -> tuple[str, str]:
        name = pick(supplier.name_zh, supplier.name_en) if supplier else ""
        values = {
            "supplier": name,
            "material": material_name(declaration.material_code),
            "product": declaration.product_name,
            "version": declaration.version,
        }
        subject = _("To review: %(supplier)s, %(material)s (version %(version)s)") % values
        body = (
            _(
                "%(supplier)s submitted a declaration for %(material)s (%(product)s, version "
                "%(version)s). The rules ask a person to decide: open it to accept or reject it."
            )
            % values
        )
        return subject, body

    enqueue(
        db,
        kind="declaration.submitted",
        event_key=f"declaration.submitted:{declaration.id}",
        users=active_users(db, Role.ESG, Role.BUYER),
        compose=compose,
        link=f"/review/{declaration.id}",
    )


def declaration_decided(db: Session, declaration: Declaration) -> None:
    """A reviewer accepted or rejected: tell the supplier's contacts, with the comment."""
    assert declaration.id is not None
    accepted = declaration.status == DeclarationStatus.ACCEPTED.value
    comment = declaration.decision_comment or ""

    def compose() -> tuple[str, str]:
        values = {
            "material": material_name(declaration.material_code),
            "product": declaration.product_name,
            "version": declaration.version,
        }
        if accepted:
            subject = _("Accepted: your declaration for %(material)s") % values
            body = (
                _(
                    "Your declaration for %(material)s (%(product)s, version %(version)s) was "
                    "accepted."
                )
                % values
            )
        else:
            subject = _("Rejected: your declaration for %(material)s") % values
            body = (
                _(
                    "Your declaration for %(material)s (%(product)s, version %(version)s) was "
                    "rejected. Open it to see why and submit a corrected version."
                )
                % values
            )
        if comment:
            body += "\n\n" + _("The reviewer's comment:") + "\n" + comment
        return subject, body

    enqueue(
        db,
        kind="declaration.decided",
        event_key=f"declaration.decided:{declaration.id}",
        users=supplier_contacts(db, declaration.supplier_id),
        compose=compose,
        link=f"/declarations/{declaration.id}",
    )


def expiry_threshold(valid_until: date, today: date) -> int | None:
    """The tightest reminder reached: 60, 30 or 7 days left, 0 once expired; None before."""
    days_left = (valid_until - today).days
    if days_left < 0:
        return 0
    reached = [days for days in EXPIRY_THRESHOLDS_DAYS if days_left <= days]
    return min(reached) if reached else None


def declaration_expiring(db: Session, declaration: Declaration, *, today: date) -> int:
    """Owe the supplier and the ESG team this declaration's reminder; how many were added."""
    threshold = expiry_threshold(declaration.valid_until, today)
    if threshold is None:
        return 0
    assert declaration.id is not None
    supplier = db.get(Supplier, declaration.supplier_id)

    def compose() -> tuple[str, str]:
        values = {
            "supplier": pick(supplier.name_zh, supplier.name_en) if supplier else "",
            "material": material_name(declaration.material_code),
            "product": declaration.product_name,
            "date": declaration.valid_until.isoformat(),
            "days": threshold,
        }
        if threshold == 0:
            subject = _("Expired: %(supplier)s, %(material)s") % values
            body = (
                _(
                    "The declaration of %(supplier)s for %(material)s (%(product)s) expired on "
                    "%(date)s. Purchases after that date use the material's default factor until "
                    "a new version is accepted."
                )
                % values
            )
        else:
            subject = _("Expires within %(days)s days: %(supplier)s, %(material)s") % values
            body = (
                _(
                    "The declaration of %(supplier)s for %(material)s (%(product)s) is valid until "
                    "%(date)s. Submit a renewed version before then, so purchases keep a "
                    "supplier-specific footprint."
                )
                % values
            )
        return subject, body

    users = [*supplier_contacts(db, declaration.supplier_id), *active_users(db, Role.ESG)]
    kind = "declaration.expired" if threshold == 0 else "declaration.expiring"
    key = f"{kind}:{declaration.id}" if threshold == 0 else f"{kind}:{declaration.id}:{threshold}"
    added = enqueue(
        db,
        kind=kind,
        event_key=key,
        users=users,
        compose=compose,
        link=f"/declarations/{declaration.id}",
    )
    return len(added)
