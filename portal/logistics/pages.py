"""What the logistics pages show (context builders; the queries are plain and small)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from portal.catalog import get_ruleset
from portal.i18n import _
from portal.logistics import imports, packaging, service
from portal.logistics.core import OUTBOUND, PACKAGING_MATERIALS
from portal.logistics.figures import YearLogistics
from portal.logistics.importfile import COLUMNS
from portal.logistics.models import LogisticsImport, Shipment
from portal.logistics.rules import logistics_rules
from portal.procurement.models import Purchase
from portal.suppliers.models import Supplier

RECENT = 50


def _shipment_rows(db: Session, shipments: list[Shipment]) -> list[dict[str, Any]]:
    return [{"shipment": s, "legs": service.legs_of(db, s.id or 0)} for s in shipments]


def purchase_page(db: Session, purchase: Purchase) -> dict[str, Any]:
    """A purchase, its supplier and dispatch sites, and its deliveries."""
    shipments = list(service.shipments_of_purchase(db, purchase.id or 0))
    return {
        "purchase": purchase,
        "supplier": service.supplier_of(db, purchase.supplier_id),
        "sites": service.dispatch_sites(db, purchase.supplier_id),
        "rows": _shipment_rows(db, shipments),
        "rules": logistics_rules(),
    }


def shipment_page(db: Session, shipment_id: int) -> dict[str, Any]:
    """A shipment's legs with factors and sources, packaging and the policy's findings."""
    shipment = service.get_shipment(db, shipment_id)
    legs = service.legs_of(db, shipment_id)
    packaging = service.packaging_of(db, shipment_id)
    rules = logistics_rules()
    site = service.site_ref(db, shipment.supplier_id, rules)
    plan = service.stored_plan(shipment, legs, packaging)
    findings = service.findings_for(
        plan, rules, site, service.no_rail_noted_on(db, shipment.supplier_id)
    )
    return {
        "shipment": shipment,
        "legs": legs,
        "packaging": packaging,
        "findings": findings,
        "purchase": db.get(Purchase, shipment.purchase_id) if shipment.purchase_id else None,
        "supplier": service.supplier_of(db, shipment.supplier_id),
        "rules": rules,
    }


def outbound_page(db: Session) -> dict[str, Any]:
    """The latest outbound deliveries."""
    shipments = list(
        db.exec(
            select(Shipment)
            .where(Shipment.direction == OUTBOUND)
            .order_by(col(Shipment.id).desc())
            .limit(RECENT)
        ).all()
    )
    return {"rows": _shipment_rows(db, shipments), "rules": logistics_rules()}


def sites_page(db: Session, supplier: Supplier | None) -> dict[str, Any]:
    """A supplier's dispatch sites, with the places and modes to choose from."""
    rules = logistics_rules()
    suppliers = _to_choose_from(db, supplier)
    return {
        "supplier": supplier,
        "suppliers": suppliers,
        "sites": service.dispatch_sites(db, supplier.id) if supplier and supplier.id else [],
        "rules": rules,
        "places": list(rules.places.values()),
        "modes": list(rules.modes.values()),
    }


def _to_choose_from(db: Session, supplier: Supplier | None) -> Sequence[Supplier]:
    """The outside suppliers the ESG team picks from when no supplier is chosen yet."""
    if supplier is not None:
        return []
    return db.exec(select(Supplier).where(col(Supplier.is_own_plant).is_(False))).all()


def packaging_page(db: Session, supplier: Supplier | None) -> dict[str, Any]:
    """A supplier's declared packaging per material, with the materials to choose from."""
    materials = get_ruleset().materials
    suppliers = _to_choose_from(db, supplier)
    return {
        "supplier": supplier,
        "suppliers": suppliers,
        "declarations": (
            packaging.declarations_of(db, supplier.id) if supplier and supplier.id else []
        ),
        "materials": {code: materials[code] for code in packaging.declarable_materials()},
        "packaging_materials": PACKAGING_MATERIALS,
    }


def import_page(db: Session, import_id: int | None) -> dict[str, Any]:
    """The upload form, or a file's preview."""
    found: LogisticsImport | None = imports.get_import(db, import_id) if import_id else None
    outcomes = list(found.problems or []) if found else []
    return {
        "found": found,
        "outcomes": outcomes[:2000],
        "refused": [o for o in outcomes if o.get("status") == imports.INVALID],
        "new_count": sum(1 for o in outcomes if o.get("status") == imports.NEW),
        "recorded_count": sum(1 for o in outcomes if o.get("status") == imports.RECORDED),
        "columns": list(COLUMNS),
        "errors": {},
    }


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _shipments_link(year: int, direction: str) -> str:
    return f"/tracking/logistics/shipments?year={year}&direction={direction}"


def tracking_charts(path: list[YearLogistics]) -> dict[str, Any]:
    """What the logistics charts draw, year by year against the targets of rules/ (tracking.js
    reads it from a JSON block; the table beside each chart shows the same figures). A year
    without deliveries has no point, not a zero."""
    labels = [y.year for y in path]

    def chart(
        unit: str, links: list[str], actual: tuple[str, list[Any]], target: Any = None
    ) -> dict[str, Any]:
        datasets = [{"label": actual[0], "kind": "actual", "data": actual[1]}]
        if target is not None:
            datasets.append({"label": _("Target (rules)"), "kind": "target", "data": target})
        return {"unit": unit, "labels": labels, "links": links, "datasets": datasets}

    inbound = [_shipments_link(y.year, "inbound") for y in path]
    outbound = [_shipments_link(y.year, "outbound") for y in path]
    return {
        "logistics-cat4": chart(
            "tCO2e",
            inbound,
            (
                _("Scope 3 category 4 (inbound transport)"),
                [_number(y.cat4_t) if y.inbound_tkm else None for y in path],
            ),
        ),
        "logistics-cat9": chart(
            "tCO2e",
            outbound,
            (
                _("Scope 3 category 9 (outbound transport)"),
                [_number(y.cat9_t) if y.outbound_tkm else None for y in path],
            ),
        ),
        "logistics-rail": chart(
            "%",
            inbound,
            (_("Rail share"), [_number(y.rail_share_pct) for y in path]),
            [_number(y.rail_target_pct) for y in path],
        ),
        "logistics-electric": chart(
            "%",
            outbound,
            (_("Electric share"), [_number(y.electric_tkm_share_pct) for y in path]),
            [_number(y.electric_target_pct) for y in path],
        ),
        "logistics-packaging": chart(
            "%",
            [f"/tracking/logistics?year={y.year}" for y in path],
            (_("Recyclable packaging"), [_number(y.recyclable_share_pct) for y in path]),
        ),
    }
