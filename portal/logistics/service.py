"""Recording shipments and dispatch sites, and a purchase's expected transport (services:
keyword arguments, flush never commit, every change audited)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.db import utcnow
from portal.errors import Conflict, InvalidInput, NotFound
from portal.i18n import _
from portal.logistics import packaging, summaries
from portal.logistics.core import (
    INBOUND,
    Estimate,
    Finding,
    Intensity,
    LegFigure,
    LegIn,
    leg_figure,
    packaging_findings,
    transport_findings,
)
from portal.logistics.declared import with_declared
from portal.logistics.factors import LogisticsRules
from portal.logistics.inputs import (
    LegPlan,
    PackagingPlan,
    PurchaseRef,
    ShipmentDraft,
    ShipmentPlan,
    SiteRef,
    mode_code,
    plan_shipment,
)
from portal.logistics.models import (
    DispatchSite,
    LogisticsNote,
    PackagingItem,
    Shipment,
    ShipmentLeg,
)
from portal.logistics.rules import logistics_rules, mode_intensity
from portal.procurement.models import Purchase
from portal.suppliers.models import Supplier

NO_RAIL = "no_rail_option"


@dataclass(frozen=True)
class Recorded:
    """A recorded (or already recorded) shipment and the policy's findings on it."""

    shipment: Shipment
    created: bool
    findings: list[Finding]


def purchase_ref(db: Session, po_number: str, po_line: str | int) -> PurchaseRef | None:
    """The purchase with this PO number and line, if recorded."""
    try:
        line = int(str(po_line or "1").strip())
    except ValueError:
        return None
    row = db.exec(
        select(  # type: ignore[call-overload]
            Purchase.id,
            Purchase.supplier_id,
            Purchase.product_line,
            Purchase.quantity_t,
            Purchase.material_code,
        ).where(Purchase.po_number == (po_number or "").strip(), Purchase.po_line == line)
    ).first()
    return PurchaseRef(row[0], row[1], row[2], row[3], row[4]) if row else None


def site_ref(db: Session, supplier_id: int | None, rules: LogisticsRules) -> SiteRef | None:
    """The supplier's usual dispatch site (its first), for distances and estimates."""
    if supplier_id is None:
        return None
    site = db.exec(
        select(DispatchSite)
        .where(DispatchSite.supplier_id == supplier_id)
        .order_by(col(DispatchSite.id))
        .limit(1)
    ).first()
    if site is None:
        return None
    return SiteRef(rules.places.get(site.place), site.distance_km, site.rail_available)


def no_rail_noted_on(db: Session, supplier_id: int | None) -> str:
    """When the supplier's lack of a rail option was noted ('' if never)."""
    if supplier_id is None:
        return ""
    at = db.exec(
        select(LogisticsNote.noted_at).where(
            LogisticsNote.supplier_id == supplier_id, LogisticsNote.code == NO_RAIL
        )
    ).first()
    return at.date().isoformat() if at else ""


def findings_for(
    plan: ShipmentPlan, rules: LogisticsRules, site: SiteRef | None, noted_on: str = ""
) -> list[Finding]:
    """The transport and packaging policy's findings on a shipment."""
    policy = rules.policy_on(plan.shipped_on)
    found: list[Finding] = []
    if plan.direction == INBOUND and policy is not None:
        rail = mode_intensity(policy.rail_mode, plan.shipped_on.year).kg_per_tkm
        found += transport_findings(
            [leg.as_policy_leg() for leg in plan.legs],
            rules.modes,
            policy,
            rail,
            rail_available=site.rail_available if site else True,
            rail_km=site.place.rail_km if site and site.place and len(plan.legs) == 1 else None,
            no_rail_noted_on=noted_on,
        )
    found += packaging_findings([item.as_policy_item() for item in plan.packaging], policy)
    return found


def plan(db: Session, draft: ShipmentDraft) -> tuple[ShipmentPlan, SiteRef | None]:
    """DRAFT read against the ledger and the rules, with the supplier's declared packaging
    when it names none of its own; InvalidInput names the field."""
    rules = logistics_rules()
    purchase = purchase_ref(db, draft.po_number, draft.po_line) if draft.po_number else None
    site = site_ref(db, purchase.supplier_id if purchase else None, rules)
    planned = plan_shipment(draft, rules, purchase=purchase, site=site, intensity_of=mode_intensity)
    if purchase is not None and not planned.packaging:
        declared = packaging.declared_items(db, purchase.supplier_id, purchase.material_code)
        planned = with_declared(planned, declared)
    return planned, site


def shipment_values(
    plan: ShipmentPlan, *, source: str, user_id: int | None, import_id: int | None
) -> dict[str, Any]:
    """The shipment row's columns for PLAN."""
    return {
        "direction": plan.direction,
        "reference": plan.reference,
        "purchase_id": plan.purchase.id if plan.purchase else None,
        "supplier_id": plan.supplier_id,
        "customer": plan.customer,
        "product_line": plan.product_line,
        "shipped_on": plan.shipped_on,
        "year": plan.shipped_on.year,
        "tonnes": plan.tonnes,
        "emissions_t": plan.emissions_t,
        "source": source,
        "import_id": import_id,
        "ruleset_revision": get_ruleset().revision,
        "recorded_by_id": user_id,
        "recorded_at": utcnow(),
    }


def leg_values(plan: ShipmentPlan, shipment_id: int) -> list[dict[str, Any]]:
    """The leg rows of PLAN."""
    return [
        {
            "shipment_id": shipment_id,
            "seq": leg.seq,
            "mode": leg.mode,
            "distance_km": leg.distance_km,
            "distance_basis": leg.distance_basis,
            "tonnes": leg.tonnes,
            "tkm": leg.figure.tkm,
            "intensity_kg_per_tkm": leg.intensity.kg_per_tkm,
            "factor_source": leg.intensity.source[:300],
            "carrier_reported_t": leg.carrier_reported_t,
            "emissions_t": leg.figure.emissions_t,
            "basis": leg.figure.basis,
        }
        for leg in plan.legs
    ]


def packaging_values(plan: ShipmentPlan, shipment_id: int) -> list[dict[str, Any]]:
    """The packaging rows of PLAN."""
    return [
        {
            "shipment_id": shipment_id,
            "supplier_id": plan.supplier_id,
            "material_code": plan.purchase.material_code if plan.purchase else "",
            "packaging": item.packaging,
            "mass_kg": item.mass_kg,
            "reusable": item.reusable,
            "trips": item.trips,
            "recyclable": item.recyclable,
            "recyclable_basis": item.recyclable_basis,
            "recycled_content": item.recycled_content,
            "source": item.source,
            "kg_per_t": item.kg_per_t,
        }
        for item in plan.packaging
    ]


def _same(shipment: Shipment, plan: ShipmentPlan) -> bool:
    return (
        shipment.tonnes == plan.tonnes
        and shipment.shipped_on == plan.shipped_on
        and shipment.purchase_id == (plan.purchase.id if plan.purchase else None)
        and shipment.emissions_t == plan.emissions_t
    )


def record_shipment(
    db: Session, *, actor: Actor, user_id: int | None, draft: ShipmentDraft, source: str
) -> Recorded:
    """Record a shipment with its legs and packaging; the same delivery note sent again with
    the same data answers the recorded one (a repeat records nothing), else Conflict."""
    planned, site = plan(db, draft)
    existing = db.exec(
        select(Shipment).where(
            Shipment.direction == planned.direction, Shipment.reference == planned.reference
        )
    ).first()
    noted = no_rail_noted_on(db, planned.supplier_id)
    found = findings_for(planned, logistics_rules(), site, noted)
    if existing is not None:
        if _same(existing, planned):
            return Recorded(existing, False, found)
        raise Conflict(
            _("Delivery note %(ref)s is already recorded with different data.")
            % {"ref": planned.reference},
            field="reference",
        )
    shipment = Shipment(**shipment_values(planned, source=source, user_id=user_id, import_id=None))
    db.add(shipment)
    db.flush()
    assert shipment.id is not None
    db.execute(insert(ShipmentLeg), leg_values(planned, shipment.id))
    if planned.packaging:
        db.execute(insert(PackagingItem), packaging_values(planned, shipment.id))
    rules = logistics_rules()
    summaries.add(db, [planned], rules.policy_on)
    audit.record(
        db,
        actor=actor,
        action="shipment.recorded",
        entity_type="shipment",
        entity_id=shipment.id,
        after={
            **shipment_values(planned, source=source, user_id=user_id, import_id=None),
            "legs": leg_values(planned, shipment.id),
            "packaging": packaging_values(planned, shipment.id),
            "findings": [f.code for f in found],
        },
    )
    return Recorded(shipment, True, found)


def set_dispatch_site(
    db: Session,
    *,
    actor: Actor,
    user_id: int | None,
    supplier_id: int,
    place: str,
    usual_mode: str,
    rail_available: bool,
    distance_km: Decimal | None = None,
    name: str = "",
) -> DispatchSite:
    """State (or change) a supplier's usual dispatch site and mode; audited. A site without a
    rail option is noted once for the supplier, so long road hauls are not warned forever."""
    rules = logistics_rules()
    if place not in rules.places:
        raise InvalidInput(
            _("“%(value)s” is not a place of the distance table; use one of: %(places)s.")
            % {"value": place, "places": ", ".join(rules.places)},
            field="place",
        )
    mode = mode_code(usual_mode, rules)
    if mode is None:
        raise InvalidInput(
            _("“%(value)s” is not a transport mode; use one of: %(modes)s.")
            % {"value": usual_mode, "modes": ", ".join(rules.modes)},
            field="usual_mode",
        )
    site = db.exec(
        select(DispatchSite).where(
            DispatchSite.supplier_id == supplier_id, DispatchSite.place == place
        )
    ).first()
    before = site.model_dump(mode="json") if site else None
    if site is None:
        site = DispatchSite(supplier_id=supplier_id, place=place, usual_mode=mode)
    site.usual_mode, site.rail_available = mode, rail_available
    site.distance_km, site.name = distance_km, name[:200]
    site.updated_at, site.updated_by_id = utcnow(), user_id
    db.add(site)
    db.flush()
    if not rail_available and not no_rail_noted_on(db, supplier_id):
        db.add(LogisticsNote(supplier_id=supplier_id, code=NO_RAIL))
    audit.record(
        db,
        actor=actor,
        action="dispatch_site.saved",
        entity_type="dispatch_site",
        entity_id=site.id,
        before=before,
        after=site.model_dump(mode="json"),
    )
    return site


def dispatch_sites(db: Session, supplier_id: int) -> Sequence[DispatchSite]:
    """A supplier's dispatch sites."""
    return db.exec(
        select(DispatchSite)
        .where(DispatchSite.supplier_id == supplier_id)
        .order_by(col(DispatchSite.id))
    ).all()


def estimate(db: Session, *, supplier_id: int, quantity_t: Decimal, on: date) -> Estimate | None:
    """A purchase's expected transport from the supplier's usual site and mode, with the
    findings the policy would give such a shipment (None: the supplier states no site)."""
    rules = logistics_rules()
    site = db.exec(
        select(DispatchSite)
        .where(DispatchSite.supplier_id == supplier_id)
        .order_by(col(DispatchSite.id))
        .limit(1)
    ).first()
    if site is None or site.usual_mode not in rules.modes:
        return None
    place = rules.places.get(site.place)
    mode = rules.modes[site.usual_mode]
    km = site.distance_km or ((place.rail_km if mode.is_rail else place.road_km) if place else None)
    if km is None:
        return None
    factor = mode_intensity(mode.code, on.year)
    figure = leg_figure(quantity_t, km, factor.kg_per_tkm)
    draft_leg = LegIn(mode.code, km, quantity_t, figure.emissions_t)
    policy = rules.policy_on(on)
    rail = mode_intensity(policy.rail_mode, on.year).kg_per_tkm if policy else None
    found = transport_findings(
        [draft_leg],
        rules.modes,
        policy,
        rail,
        rail_available=site.rail_available,
        rail_km=place.rail_km if place else None,
        no_rail_noted_on=no_rail_noted_on(db, supplier_id),
    )
    return Estimate(mode.code, km, quantity_t, factor.kg_per_tkm, figure.emissions_t, place, found)


def stored_plan(
    shipment: Shipment, legs: Sequence[ShipmentLeg], items: Sequence[PackagingItem]
) -> ShipmentPlan:
    """A recorded shipment as a plan again (its figures as stored), for the policy's findings."""
    purchase = (
        PurchaseRef(
            shipment.purchase_id, shipment.supplier_id or 0, shipment.product_line, shipment.tonnes
        )
        if shipment.purchase_id
        else None
    )
    return ShipmentPlan(
        shipment.direction,
        shipment.reference,
        purchase,
        shipment.customer,
        shipment.product_line,
        shipment.shipped_on,
        shipment.tonnes,
        tuple(
            LegPlan(
                leg.seq,
                leg.mode,
                leg.distance_km,
                leg.distance_basis,
                leg.tonnes,
                Intensity(leg.intensity_kg_per_tkm, leg.factor_source, True),
                leg.carrier_reported_t,
                LegFigure(leg.tkm, leg.emissions_t, leg.emissions_t, leg.basis),
            )
            for leg in legs
        ),
        tuple(
            PackagingPlan(
                item.packaging,
                item.mass_kg,
                item.reusable,
                item.trips,
                item.recyclable,
                item.recyclable_basis,
                item.recycled_content,
                item.source,
                item.kg_per_t,
            )
            for item in items
        ),
    )


def get_shipment(db: Session, shipment_id: int) -> Shipment:
    """The shipment, or NotFound."""
    shipment = db.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound()
    return shipment


def legs_of(db: Session, shipment_id: int) -> Sequence[ShipmentLeg]:
    """A shipment's legs in order."""
    return db.exec(
        select(ShipmentLeg)
        .where(ShipmentLeg.shipment_id == shipment_id)
        .order_by(col(ShipmentLeg.seq))
    ).all()


def packaging_of(db: Session, shipment_id: int) -> Sequence[PackagingItem]:
    """A shipment's packaging items."""
    return db.exec(select(PackagingItem).where(PackagingItem.shipment_id == shipment_id)).all()


def shipments_of_purchase(db: Session, purchase_id: int) -> Sequence[Shipment]:
    """The inbound shipments of a purchase, oldest first."""
    return db.exec(
        select(Shipment).where(Shipment.purchase_id == purchase_id).order_by(col(Shipment.id))
    ).all()


def supplier_of(db: Session, supplier_id: int | None) -> Supplier | None:
    """The supplier, if any."""
    return db.get(Supplier, supplier_id) if supplier_id else None
