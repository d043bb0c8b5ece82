"""What the portal received over PACT for a declaration (its evidence when no PDF was sent)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from portal.pact.models import PactImport


def received_for(db: Session, declaration_id: int) -> PactImport | None:
    """The PACT footprint a declaration was made from, if it came in over PACT."""
    return db.exec(
        select(PactImport).where(col(PactImport.declaration_id) == declaration_id)
    ).first()
