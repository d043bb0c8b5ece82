"""Demo transport and packaging 2025–2026, recorded through the real services: a far
recycled-ingot supplier (Foshan) switching from truck to rail, the first battery-electric
trucks on outbound routes, returnable aluminium racks replacing pallets and film, and a
silicon supplier declaring its packaging once per tonne instead of with every delivery."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from portal.accounts import service as accounts
from portal.accounts.models import User
from portal.audit import Actor
from portal.logistics import packaging, service
from portal.logistics.declared import DeclarationDraft
from portal.logistics.inputs import LegDraft, PackagingDraft, ShipmentDraft
from portal.logistics.models import Shipment
from portal.procurement import service as procurement
from portal.procurement.models import Purchase
from portal.suppliers.models import Supplier

DEMO_BUYER = "buyer@demo.portal"
FAR = ("GDZS", "佛山众盛再生铝业有限公司", "Foshan Zhongsheng Recycled Aluminium Co.")
REASON = (
    "Second recycled-ingot source while its declaration is being prepared, agreed with the "
    "ESG team / 再生铝第二货源，声明准备中，已经ESG团队同意"
)
# Supplier: (place, usual mode, rail option)
SITES = {
    "JCHY": ("jincheng", "truck_diesel_heavy", True),
    "YNSD": ("kunming", "rail_electric", True),
    "SXML": ("shuozhou", "truck_diesel_heavy", True),
    "XJGY": ("changji", "rail_electric", True),
    "FGMG": ("fugu", "truck_lng", False),
}
FILM = PackagingDraft("plastic_film", "6", "no", "no")
PALLET = PackagingDraft("wooden_pallet", "40", "no", "yes", "iso18604")
RACK = PackagingDraft("aluminium_rack", "60", "yes", "yes", "supplier", "80", "40")
STRAP = PackagingDraft("steel_strapping", "3", "no", "yes", "iso18604", "30")
# Declared once by the silicon supplier (its user, on its profile): per tonne of silicon
# metal, recyclable steel strapping and single-use film (which the policy warns about); its
# deliveries are recorded without packaging items, so the declaration counts.
DECLARING = ("XJGY", "silicon@demo.portal")
DECLARED = (
    DeclarationDraft("silicon_metal", "steel_strapping", "0.8", "no", "yes", "iso18604", "30"),
    DeclarationDraft("silicon_metal", "plastic_film", "0.5", "no", "no"),
)
# The far supplier's purchases (recycled ingot for the alloy line; no declaration yet).
FAR_PURCHASES = (
    ("DEMO-L-2025-001", "300", date(2025, 3, 11)),
    ("DEMO-L-2026-001", "420", date(2026, 3, 10)),
)
CUSTOMERS = ("华东汽车零部件 East China Auto Parts", "京津门窗幕墙 Jing-Jin Facades")


def _far_purchases(db: Session, actor: Actor, buyer_id: int, far: Supplier) -> list[Purchase]:
    found = []
    for po, tonnes, on in FAR_PURCHASES:
        purchase = db.exec(select(Purchase).where(Purchase.po_number == po)).first()
        if purchase is None:
            question = procurement.read_check(
                db,
                supplier=far.code,
                material="al_recycled_ingot",
                quantity_t=tonnes,
                on=on.isoformat(),
                product_line="alloy",
            )
            result = procurement.check_purchase(
                db, actor=actor, user_id=buyer_id, question=question
            )
            purchase = procurement.record_purchase(
                db,
                actor=actor,
                user_id=buyer_id,
                check_id=result.check.id,
                po_number=po,
                po_line=1,
                exception_reason=None if result.answer.passed else REASON,
            )
        found.append(purchase)
    return found


def _declare(db: Session, supplier: Supplier | None) -> list[str]:
    if supplier is None or supplier.id is None or packaging.declarations_of(db, supplier.id):
        return []
    user = db.exec(select(User).where(User.email == DECLARING[1])).first()
    actor = Actor(label=f"demo loader as {DECLARING[1]}", user_id=user.id if user else None)
    for draft in DECLARED:
        packaging.save_declaration(
            db, actor=actor, user_id=actor.user_id, supplier_id=supplier.id, draft=draft
        )
    return [f"packaging declared by {supplier.code}"]


def _drafts(
    far: list[Purchase], others: list[Purchase], declaring: int | None
) -> list[ShipmentDraft]:
    drafts: list[ShipmentDraft] = []
    # The far supplier: ten 30 t trucks in 2025 (1,800 km, pallets and film) ...
    p2025, p2026 = far
    for i in range(10):
        drafts.append(
            ShipmentDraft(
                reference=f"DEMO-IN-GDZS-25-{i + 1:02}",
                po_number=p2025.po_number,
                shipped_on=(p2025.purchase_date + timedelta(days=3 * i + 2)).isoformat(),
                tonnes="30",
                legs=[LegDraft("truck_diesel_heavy", "1800")],
                packaging=[PALLET, FILM],
            )
        )
    # ... and in 2026 two trucks, then rail with the last 30 km by truck and returnable racks.
    for i in range(14):
        by_rail = i >= 2
        drafts.append(
            ShipmentDraft(
                reference=f"DEMO-IN-GDZS-26-{i + 1:02}",
                po_number=p2026.po_number,
                shipped_on=(p2026.purchase_date + timedelta(days=3 * i + 2)).isoformat(),
                tonnes="30",
                legs=(
                    [LegDraft("rail_electric", "1950"), LegDraft("truck_diesel_heavy", "30")]
                    if by_rail
                    else [LegDraft("truck_diesel_heavy", "1800")]
                ),
                packaging=[RACK] if by_rail else [PALLET, FILM],
            )
        )
    # The other suppliers' purchases of 2025–2026: one consolidated delivery each, by their
    # usual mode from their dispatch site (the distance table's); the declaring supplier's
    # without packaging items, so its declaration counts.
    for purchase in others:
        drafts.append(
            ShipmentDraft(
                reference=f"DEMO-IN-{purchase.po_number}",
                po_number=purchase.po_number,
                shipped_on=(purchase.purchase_date + timedelta(days=5)).isoformat(),
                tonnes=str(purchase.quantity_t),
                legs=[LegDraft("", "")],
                packaging=[] if purchase.supplier_id == declaring else [STRAP],
            )
        )
    # Outbound extrusions: diesel in 2025; from 2026 the first battery-electric trucks.
    for year in (2025, 2026):
        for month in range(1, 13):
            electric = year == 2026 and month % 3 == 0
            drafts.append(
                ShipmentDraft(
                    direction="outbound",
                    reference=f"DEMO-OUT-{year}-{month:02}",
                    customer=CUSTOMERS[month % 2],
                    shipped_on=date(year, month, 20).isoformat(),
                    tonnes="18",
                    legs=[
                        LegDraft(
                            "truck_battery_electric" if electric else "truck_diesel_heavy",
                            "160" if month % 2 else "520",
                        )
                    ],
                    packaging=[RACK if electric else PALLET, STRAP],
                )
            )
    return drafts


def load_demo(db: Session) -> list[str]:
    """Record the demo's dispatch sites and shipments that are missing."""
    buyer = db.exec(select(User).where(User.email == DEMO_BUYER)).first()
    if buyer is None or buyer.id is None:
        return []
    actor = Actor(label=f"demo loader as {buyer.email}", user_id=buyer.id)
    added: list[str] = []
    far = db.exec(select(Supplier).where(Supplier.code == FAR[0])).first()
    if far is None:
        far = accounts.create_supplier(
            db, actor=actor, code=FAR[0], name_zh=FAR[1], name_en=FAR[2], is_own_plant=False
        )
        added.append(FAR[0])
    assert far.id is not None
    suppliers = {s.code: s for s in db.exec(select(Supplier)).all()}
    sites = {**SITES, FAR[0]: ("foshan", "rail_electric", True)}
    for code, (place, mode, rail) in sites.items():
        supplier = suppliers.get(code)
        if supplier is None or supplier.id is None or service.dispatch_sites(db, supplier.id):
            continue
        service.set_dispatch_site(
            db,
            actor=actor,
            user_id=buyer.id,
            supplier_id=supplier.id,
            place=place,
            usual_mode=mode,
            rail_available=rail,
        )
        added.append(f"site {code} {place}")
    declaring = suppliers.get(DECLARING[0])
    added += _declare(db, declaring)
    far_purchases = _far_purchases(db, actor, buyer.id, far)
    others = [
        p
        for p in db.exec(select(Purchase).where(Purchase.purchase_year >= 2025)).all()
        if p.po_number.startswith("DEMO-20") and p.supplier_id != far.id
    ]
    usual = {s.id: sites[s.code][1] for s in suppliers.values() if s.code in sites}
    for draft in _drafts(far_purchases, others, declaring.id if declaring else None):
        if db.exec(select(Shipment.id).where(Shipment.reference == draft.reference)).first():
            continue
        if draft.legs and not draft.legs[0].mode:
            purchase = next(p for p in others if p.po_number == draft.po_number)
            draft.legs[0].mode = usual.get(purchase.supplier_id, "truck_diesel_heavy")
        service.record_shipment(db, actor=actor, user_id=buyer.id, draft=draft, source="demo")
        added.append(f"shipment {draft.reference}")
    return added
