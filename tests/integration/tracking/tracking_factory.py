"""A small factory for purchases (and the buyer checks they reference), stored directly."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col

from portal.accounts.models import User
from portal.catalog import get_ruleset
from portal.declarations.models import Declaration
from portal.procurement.models import BuyerCheck, Purchase
from portal.suppliers.models import Supplier
from portal.tracking import summaries

_po_numbers = itertools.count(1)


def make_purchase(
    session: Session,
    *,
    supplier: Supplier,
    user: User,
    material_code: str = "al_primary_ingot",
    quantity_t: str = "10",
    purchase_date: date = date(2026, 6, 1),
    product_line: str = "alloy",
    declaration: Declaration | None = None,
    pcf_t_per_t: str | None = None,
    recycled_fraction: str | None = None,
    ruleset_revision: str = "test-revision",
    po_number: str | None = None,
) -> Purchase:
    """A committed purchase as the ledger records it: the factor and its source fixed now."""
    assert supplier.id is not None and user.id is not None
    material = get_ruleset().material(material_code)
    quantity = Decimal(quantity_t)
    if pcf_t_per_t is not None:
        pcf = Decimal(pcf_t_per_t)
    elif declaration is not None:
        pcf = declaration.pcf_t_per_t
    else:
        pcf = material.default_factor_t_per_t
    if recycled_fraction is not None:
        fraction = Decimal(recycled_fraction)
    elif material.recycled_by_nature:
        fraction = Decimal(1)
    elif declaration is not None:
        fraction = declaration.recycled_fraction
    else:
        fraction = Decimal(0)
    values = {
        "supplier_id": supplier.id,
        "material_code": material_code,
        "quantity_t": quantity,
        "product_line": product_line,
        "declaration_id": declaration.id if declaration else None,
        "factor_source": "declaration" if declaration else "default",
        "pcf_t_per_t": pcf,
        "recycled_fraction": fraction,
        "emissions_t": quantity * pcf,
        "recycled_t": quantity * fraction,
        "ruleset_revision": ruleset_revision,
    }
    check = BuyerCheck(
        user_id=user.id, check_date=purchase_date, verdict="pass", reasons=[], **values
    )
    session.add(check)
    session.flush()
    assert check.id is not None
    purchase = Purchase(
        material_category=str(material.category),
        purchase_date=purchase_date,
        purchase_year=purchase_date.year,
        po_number=po_number or f"PO-{next(_po_numbers):06d}",
        check_id=check.id,
        recorded_by_id=user.id,
        **values,
    )
    session.add(purchase)
    session.flush()
    # As the portal records a purchase: its summaries in the same transaction.
    summaries.add_purchases(session, col(Purchase.id) == purchase.id)
    session.commit()
    return purchase
