"""Where a declaration stands next: decided, withdrawn, replaced or renewed (audited)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlmodel import Session, col

from portal import audit
from portal.audit import Actor
from portal.db import utcnow
from portal.declarations import corrections
from portal.declarations.forms import CONTROL_CHARACTERS
from portal.declarations.models import Declaration, DeclarationStatus
from portal.declarations.queries import Scope, get, successor_of
from portal.errors import Conflict, InvalidInput
from portal.i18n import _
from portal.notifications import hooks as notify_hooks

REVIEWER_DECISIONS = {"accept": DeclarationStatus.ACCEPTED, "reject": DeclarationStatus.REJECTED}
MAX_COMMENT = 2000


def status_labels() -> dict[str, str]:
    """Statuses in the user's language."""
    return {
        DeclarationStatus.IN_REVIEW.value: _("in review"),
        DeclarationStatus.ACCEPTED.value: _("accepted"),
        DeclarationStatus.REJECTED.value: _("rejected"),
        DeclarationStatus.SUPERSEDED.value: _("superseded"),
        DeclarationStatus.WITHDRAWN.value: _("withdrawn"),
    }


def replaceable(declaration: Declaration, today: date) -> bool:
    """Whether a new version replaces this one at once: rejected, withdrawn or expired."""
    if declaration.status == DeclarationStatus.SUPERSEDED:
        return False
    return (
        declaration.status in (DeclarationStatus.REJECTED, DeclarationStatus.WITHDRAWN)
        or declaration.valid_until < today
    )


def renewable(declaration: Declaration, today: date) -> bool:
    """Whether a supplier may renew it: accepted and still valid (it stays valid meanwhile)."""
    return declaration.status == DeclarationStatus.ACCEPTED and declaration.valid_until >= today


def new_version_refusal(db: Session, declaration: Declaration, today: date) -> str | None:
    """Why no new version of DECLARATION may be submitted now, in the user's language; None if
    one may."""
    successor = successor_of(db, declaration)
    if successor is not None:
        return _(
            "Version %(version)d already follows this one (%(status)s). "
            "Open it to change or renew the declaration."
        ) % {
            "version": successor.version,
            "status": status_labels().get(successor.status, successor.status),
        }
    if replaceable(declaration, today) or renewable(declaration, today):
        return None
    if declaration.status == DeclarationStatus.IN_REVIEW:
        return _(
            "This version is waiting for a reviewer. Withdraw it first to change it, "
            "or wait for the decision."
        )
    return _("This version cannot be replaced.")


def _clean_comment(text: str, field: str) -> str:
    text = text.strip()
    if CONTROL_CHARACTERS.search(text):
        raise InvalidInput(_("Remove the control characters from this field."), field=field)
    if len(text) > MAX_COMMENT:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": MAX_COMMENT}, field=field)
    return text


def decide(
    db: Session,
    *,
    actor: Actor,
    reviewer_id: int | None,
    declaration_id: int,
    decision: str,
    comment: str,
    override_reason: str = "",
) -> Declaration:
    """Accept or reject a declaration in review; Conflict if someone decided first."""
    declaration = get(db, scope=Scope(None, everyone=True), declaration_id=declaration_id)
    new_status = REVIEWER_DECISIONS.get(decision)
    if new_status is None:
        raise InvalidInput(
            _("Choose one of: %(options)s.") % {"options": ", ".join(REVIEWER_DECISIONS)},
            field="decision",
        )
    comment = _clean_comment(comment, "comment")
    if new_status is DeclarationStatus.REJECTED and not comment:
        raise InvalidInput(_("Say why the declaration is rejected."), field="comment")
    override = corrections.override_for_accept(
        declaration, accepting=new_status is DeclarationStatus.ACCEPTED, reason=override_reason
    )
    decided_at = utcnow()
    # Conditional: of two reviewers deciding at once, exactly one changes the row.
    result = db.execute(
        update(Declaration)
        .where(
            col(Declaration.id) == declaration.id,
            col(Declaration.status) == DeclarationStatus.IN_REVIEW.value,
        )
        .values(
            status=new_status.value,
            decided_at=decided_at,
            decided_by_id=reviewer_id,
            decision_comment=comment or None,
            plausibility_override=override,
        )
    )
    db.refresh(declaration)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            _(
                "Someone else decided this declaration first: it is now %(status)s. "
                "Reload the page to see the decision."
            )
            % {"status": status_labels().get(declaration.status, declaration.status)}
        )
    audit.record(
        db,
        actor=actor,
        action="declaration.accepted"
        if new_status is DeclarationStatus.ACCEPTED
        else ("declaration.rejected"),
        entity_type="declaration",
        entity_id=declaration.id,
        before={"status": DeclarationStatus.IN_REVIEW.value},
        after={
            "status": new_status.value,
            "comment": comment,
            "decided_at": decided_at,
            "plausibility_override": override,
        },
    )
    if new_status is DeclarationStatus.ACCEPTED:
        supersede_renewed(db, actor=actor, accepted=declaration)
    notify_hooks.after_decision(db, actor=actor, declaration=declaration)
    return declaration


def withdraw(
    db: Session,
    *,
    actor: Actor,
    supplier_id: int,
    user_id: int | None,
    declaration_id: int,
    reason: str = "",
) -> Declaration:
    """The supplier takes back a declaration in review: reviewers no longer see it."""
    declaration = get(db, scope=Scope(supplier_id), declaration_id=declaration_id)
    reason = _clean_comment(reason, "reason")
    now = utcnow()
    result = db.execute(
        update(Declaration)
        .where(
            col(Declaration.id) == declaration.id,
            col(Declaration.status) == DeclarationStatus.IN_REVIEW.value,
        )
        .values(
            status=DeclarationStatus.WITHDRAWN.value,
            decided_at=now,
            decided_by_id=user_id,
            decision_comment=reason or None,
        )
    )
    db.refresh(declaration)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            _("Only a declaration in review can be withdrawn: this one is %(status)s.")
            % {"status": status_labels().get(declaration.status, declaration.status)}
        )
    audit.record(
        db,
        actor=actor,
        action="declaration.withdrawn",
        entity_type="declaration",
        entity_id=declaration.id,
        before={"status": DeclarationStatus.IN_REVIEW.value},
        after={"status": DeclarationStatus.WITHDRAWN.value, "reason": reason, "at": now},
    )
    return declaration


def supersede(db: Session, *, actor: Actor, old: Declaration) -> None:
    """Mark OLD superseded (conditional: two replacements at once cannot both do it)."""
    before = old.status
    result = db.execute(
        update(Declaration)
        .where(col(Declaration.id) == old.id, col(Declaration.status) == before)
        .values(status=DeclarationStatus.SUPERSEDED.value, superseded_status=before)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("This declaration was replaced or decided meanwhile. Reload the page."))
    db.refresh(old)
    audit.record(
        db,
        actor=actor,
        action="declaration.superseded",
        entity_type="declaration",
        entity_id=old.id,
        before={"status": before},
        after={"status": DeclarationStatus.SUPERSEDED.value},
    )


def supersede_renewed(db: Session, *, actor: Actor, accepted: Declaration) -> list[Declaration]:
    """Now that ACCEPTED is accepted, the earlier versions still accepted are superseded.

    A renewal leaves the accepted version it renews in force until the new one is accepted;
    a rejected or withdrawn renewal may itself be replaced, so the whole chain is walked.
    """
    superseded: list[Declaration] = []
    seen = {accepted.id}
    current = accepted
    while current.supersedes_id is not None and current.supersedes_id not in seen:
        older = db.get(Declaration, current.supersedes_id)
        if older is None:
            break
        seen.add(older.id)
        if older.status == DeclarationStatus.ACCEPTED:
            supersede(db, actor=actor, old=older)
            superseded.append(older)
        current = older
    return superseded
