"""What the declaration services call in their transaction after a submission or a decision."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from portal.audit import Actor

if TYPE_CHECKING:
    from portal.declarations.models import Declaration


def after_submit(db: Session, *, actor: Actor, declaration: Declaration) -> None:
    """Tell the reviewers if a person must decide; answer the data requests it was asked for."""
    from portal.datarequests.service import answer
    from portal.notifications.events import declaration_submitted

    declaration_submitted(db, declaration)
    answer(db, actor=actor, declaration=declaration)


def after_decision(db: Session, *, actor: Actor, declaration: Declaration) -> None:
    """Tell the supplier's contacts the reviewer's decision, with the comment."""
    from portal.notifications.events import declaration_decided

    declaration_decided(db, declaration)
