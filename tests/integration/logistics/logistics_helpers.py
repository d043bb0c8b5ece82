"""Helpers of the logistics tests (a module of its own: `from conftest import` finds whichever
conftest loaded last)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from portal.accounts.models import User
from portal.audit import Actor
from portal.procurement import service as procurement
from portal.procurement.models import Purchase
from portal.suppliers.models import Supplier

REASON = "bought before the declaration was in the portal"


def buy(
    session: Session,
    buyer: User,
    supplier: Supplier,
    po: str,
    tonnes: str = "25",
    on: date = date(2026, 3, 2),
) -> Purchase:
    """A recorded purchase of recycled ingot (an exception: no declaration)."""
    actor = Actor(label=buyer.email, user_id=buyer.id)
    assert buyer.id is not None
    question = procurement.read_check(
        session,
        supplier=supplier.code,
        material="al_recycled_ingot",
        quantity_t=tonnes,
        on=on.isoformat(),
        product_line="alloy",
    )
    result = procurement.check_purchase(session, actor=actor, user_id=buyer.id, question=question)
    purchase = procurement.record_purchase(
        session,
        actor=actor,
        user_id=buyer.id,
        check_id=result.check.id,
        po_number=po,
        po_line=1,
        exception_reason=None if result.answer.passed else REASON,
    )
    session.commit()
    return purchase
