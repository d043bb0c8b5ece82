"""Demo purchases 2023–2026 for both lines, recorded through the real check and ledger services.

Each line is checked on its date against the declarations present (the declarations demo runs
first; without it every check uses default factors). A line whose check fails is recorded as
an exception with the reason given here, as a buyer would have to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from portal.accounts.models import User
from portal.audit import Actor
from portal.procurement import service
from portal.procurement.decision import ProductLine
from portal.procurement.models import BuyerCheck, Purchase
from portal.suppliers.models import Supplier

DEMO_BUYER = "buyer@demo.portal"
BACKFILL_REASON = (
    "Back-filled from the ERP: bought before the supplier's declaration was accepted in the "
    "portal / 从ERP补录：采购时供应商声明尚未在平台通过"
)


@dataclass(frozen=True)
class DemoPurchase:
    """One demo purchase line."""

    po_number: str
    supplier: str
    material: str
    quantity_t: str
    on: date
    line: ProductLine
    reason: str = BACKFILL_REASON


A, E = ProductLine.ALLOY, ProductLine.EXTRUSION
URGENT = (
    "Urgent extrusion order; the supplier's billet declaration is still in review, agreed with "
    "the ESG team / 紧急挤压订单：供应商铝棒声明仍在审核中，已经ESG团队同意"
)
DEMO_PURCHASES = (
    DemoPurchase("DEMO-2023-001", "SXML", "al_primary_ingot", "2600", date(2023, 2, 14), A),
    DemoPurchase("DEMO-2023-002", "YNSD", "al_primary_ingot", "1500", date(2023, 5, 10), A),
    DemoPurchase("DEMO-2023-003", "JCHY", "al_recycled_ingot", "2100", date(2023, 6, 20), A),
    DemoPurchase("DEMO-2023-004", "JCHY", "al_scrap_post_consumer", "500", date(2023, 8, 8), A),
    DemoPurchase("DEMO-2023-005", "XJGY", "silicon_metal", "420", date(2023, 9, 12), A),
    DemoPurchase("DEMO-2023-006", "FGMG", "magnesium", "55", date(2023, 10, 18), A),
    DemoPurchase("DEMO-2023-007", "YNSD", "al_billet", "120", date(2023, 11, 6), E),
    DemoPurchase("DEMO-2024-001", "SXML", "al_primary_ingot", "2200", date(2024, 2, 20), A),
    DemoPurchase("DEMO-2024-002", "YNSD", "al_primary_ingot", "1800", date(2024, 5, 14), A),
    DemoPurchase("DEMO-2024-003", "JCHY", "al_recycled_ingot", "2300", date(2024, 6, 25), A),
    DemoPurchase("DEMO-2024-004", "JCHY", "al_scrap_post_consumer", "650", date(2024, 8, 12), A),
    DemoPurchase("DEMO-2024-005", "XJGY", "silicon_metal", "430", date(2024, 9, 10), A),
    DemoPurchase("DEMO-2024-006", "FGMG", "magnesium", "58", date(2024, 10, 22), A),
    DemoPurchase("DEMO-2024-007", "YNSD", "al_billet", "110", date(2024, 11, 5), E),
    DemoPurchase("DEMO-2025-001", "SXML", "al_primary_ingot", "1500", date(2025, 2, 18), A),
    DemoPurchase("DEMO-2025-002", "YNSD", "al_primary_ingot", "2300", date(2025, 4, 15), A),
    DemoPurchase("DEMO-2025-003", "JCHY", "al_recycled_ingot", "2500", date(2025, 6, 17), A),
    DemoPurchase("DEMO-2025-004", "JCHY", "al_scrap_post_consumer", "800", date(2025, 8, 19), A),
    DemoPurchase("DEMO-2025-005", "XJGY", "silicon_metal", "440", date(2025, 9, 9), A),
    DemoPurchase("DEMO-2025-006", "FGMG", "magnesium", "60", date(2025, 10, 21), A),
    DemoPurchase("DEMO-2025-007", "YNSD", "al_billet", "100", date(2025, 11, 4), E),
    DemoPurchase("DEMO-2026-001", "YNSD", "al_primary_ingot", "2600", date(2026, 2, 10), A),
    DemoPurchase("DEMO-2026-002", "SXML", "al_primary_ingot", "600", date(2026, 5, 20), A),
    DemoPurchase("DEMO-2026-003", "JCHY", "al_recycled_ingot", "2700", date(2026, 6, 16), A),
    DemoPurchase("DEMO-2026-004", "JCHY", "al_scrap_post_consumer", "900", date(2026, 8, 18), A),
    DemoPurchase("DEMO-2026-005", "XJGY", "silicon_metal", "450", date(2026, 9, 8), A),
    DemoPurchase("DEMO-2026-006", "FGMG", "magnesium", "62", date(2026, 10, 20), A),
    DemoPurchase("DEMO-2026-007", "YNSD", "al_billet", "95", date(2026, 11, 3), E, URGENT),
)
# A check the buyer made and did not follow with a purchase.
UNBOUGHT_CHECK = ("SXML", "al_primary_ingot", Decimal(400), date(2026, 11, 16), A)


def load_demo(db: Session) -> list[str]:
    """Record the demo purchases that are missing; returns their PO numbers."""
    buyer = db.exec(select(User).where(User.email == DEMO_BUYER)).first()
    codes = {demo.supplier for demo in DEMO_PURCHASES}
    present = set(db.exec(select(Supplier.code).where(Supplier.code.in_(codes))).all())  # type: ignore[attr-defined]
    if buyer is None or buyer.id is None or present != codes:
        return []
    actor = Actor(label=f"demo loader as {buyer.email}", user_id=buyer.id)
    added: list[str] = []
    for demo in DEMO_PURCHASES:
        if db.exec(select(Purchase.id).where(Purchase.po_number == demo.po_number)).first():
            continue
        question = service.read_check(
            db,
            supplier=demo.supplier,
            material=demo.material,
            quantity_t=demo.quantity_t,
            on=demo.on,
            product_line=demo.line.value,
        )
        result = service.check_purchase(db, actor=actor, user_id=buyer.id, question=question)
        service.record_purchase(
            db,
            actor=actor,
            user_id=buyer.id,
            check_id=result.check.id,
            po_number=demo.po_number,
            po_line=1,
            exception_reason=None if result.answer.passed else demo.reason,
        )
        added.append(demo.po_number)
    supplier_code, material, quantity, on, line = UNBOUGHT_CHECK
    supplier = service.find_supplier(db, supplier_code)
    already = db.exec(
        select(BuyerCheck.id).where(
            BuyerCheck.supplier_id == supplier.id,
            BuyerCheck.material_code == material,
            BuyerCheck.check_date == on,
        )
    ).first()
    if already is None:
        question = service.CheckInput(supplier, material, quantity, on, line)
        service.check_purchase(db, actor=actor, user_id=buyer.id, question=question)
        added.append(f"check {supplier_code} {material} {on}")
    return added
