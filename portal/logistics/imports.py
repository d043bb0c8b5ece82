"""Warehouse in/out records: upload a file, preview its lines matched to purchases by order
number, then store them all or nothing. A line that matches no purchase (or breaks any other
rule) refuses the whole file, naming its line number; a line recorded before with the same
data is skipped, so importing a file again adds nothing twice."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from portal import audit, bulk
from portal.audit import Actor
from portal.db import utcnow
from portal.errors import Conflict, InvalidInput, NotFound
from portal.i18n import _
from portal.logistics import importreader, packaging, summaries
from portal.logistics.core import INBOUND, OUTBOUND
from portal.logistics.declared import with_declared
from portal.logistics.importfile import ROW, template_csv
from portal.logistics.inputs import (
    MAX_KM,
    PackagingDraft,
    PurchaseRef,
    ShipmentDraft,
    ShipmentPlan,
    SiteRef,
    legs_from_columns,
    plan_shipment,
)
from portal.logistics.models import DispatchSite, LogisticsImport, PackagingItem, Shipment
from portal.logistics.models import ShipmentLeg as Leg
from portal.logistics.rules import logistics_rules, mode_intensity
from portal.logistics.service import leg_values, packaging_values, shipment_values
from portal.procurement.importfile import FileRefused
from portal.procurement.messages import file_problem_text
from portal.procurement.models import Purchase

__all__ = ["MAX_KM", "template_csv"]
MAX_BYTES = 20 * 1024 * 1024
PREVIEWED, REFUSED, CONFIRMED = "previewed", "refused", "confirmed"
NEW, RECORDED, INVALID = "new", "recorded", "invalid"
CHUNK = 500  # values per IN (…) list


def no_file_message() -> str:
    """Upload refused: no file chosen."""
    return _("Choose a CSV or XLSX file of the warehouse's in/out records.")


def _safe_filename(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base).strip()[:255] or "upload"


def draft_of(line: dict[str, Any], direction: str) -> ShipmentDraft:
    """A file line as a shipment draft."""
    packaging = []
    if (line.get("packaging") or "").strip() or (line.get("packaging_kg") or "").strip():
        packaging.append(
            PackagingDraft(
                line.get("packaging", ""),
                line.get("packaging_kg", ""),
                line.get("reusable", ""),
                line.get("recyclable", ""),
                line.get("recyclable_basis", ""),
                line.get("recycled_content_pct", ""),
            )
        )
    return ShipmentDraft(
        direction=direction,
        reference=line.get("reference", ""),
        po_number=line.get("po_number", "") if direction == INBOUND else "",
        po_line=line.get("po_line", "") or "1",
        customer=line.get("customer", ""),
        shipped_on=line.get("shipped_on", ""),
        tonnes=line.get("tonnes", ""),
        legs=legs_from_columns(
            line.get("mode", ""), line.get("distance_km", ""), line.get("carrier_co2e_t", "")
        ),
        packaging=packaging,
    )


def _chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def _purchases(db: Session, keys: set[tuple[str, int]]) -> dict[tuple[str, int], PurchaseRef]:
    found: dict[tuple[str, int], PurchaseRef] = {}
    numbers = sorted({po for po, _line in keys})
    for chunk in _chunks(numbers):
        for row in db.exec(
            select(  # type: ignore[call-overload]
                Purchase.id,
                Purchase.supplier_id,
                Purchase.product_line,
                Purchase.quantity_t,
                Purchase.po_number,
                Purchase.po_line,
                Purchase.material_code,
            ).where(bulk.one_of(db, Purchase.po_number, chunk))
        ):
            found[(row[4], row[5])] = PurchaseRef(row[0], row[1], row[2], row[3], row[6])
    return found


def _sites(db: Session, supplier_ids: set[int]) -> dict[int, SiteRef]:
    rules = logistics_rules()
    found: dict[int, SiteRef] = {}
    for chunk in _chunks(sorted(supplier_ids)):
        for site in db.exec(
            select(DispatchSite)
            .where(bulk.one_of(db, DispatchSite.supplier_id, chunk))
            .order_by(col(DispatchSite.id).desc())
        ):
            found[site.supplier_id] = SiteRef(
                rules.places.get(site.place), site.distance_km, site.rail_available
            )
    return found


def _recorded(db: Session, direction: str, references: list[str]) -> dict[str, tuple[Any, ...]]:
    found: dict[str, tuple[Any, ...]] = {}
    for chunk in _chunks(references):
        for row in db.exec(
            select(  # type: ignore[call-overload]
                Shipment.reference, Shipment.tonnes, Shipment.shipped_on, Shipment.emissions_t
            ).where(Shipment.direction == direction, bulk.one_of(db, Shipment.reference, chunk))
        ):
            found[row[0]] = (row[1], row[2], row[3])
    return found


def _po_key(line: dict[str, Any]) -> tuple[str, int] | None:
    try:
        return (str(line.get("po_number", "")).strip(), int(str(line.get("po_line") or "1")))
    except ValueError:
        return None


def check_lines(
    db: Session, lines: list[dict[str, Any]], direction: str
) -> tuple[list[dict[str, Any]], list[ShipmentPlan]]:
    """Each line's outcome (new, recorded or invalid with field and message) and the plans
    of the new ones."""
    rules = logistics_rules()
    keys = {key for line in lines if (key := _po_key(line)) and key[0]}
    purchases = _purchases(db, keys) if direction == INBOUND else {}
    sites = _sites(db, {p.supplier_id for p in purchases.values()})
    declared = packaging.declared_for(
        db, {(p.supplier_id, p.material_code) for p in purchases.values()}
    )
    recorded = _recorded(
        db, direction, sorted({str(line.get("reference", "")).strip() for line in lines})
    )
    seen: dict[str, int] = {}
    outcomes: list[dict[str, Any]] = []
    plans: list[ShipmentPlan] = []
    for line in lines:
        row = int(line.get(ROW, 0))
        key = _po_key(line)
        purchase = purchases.get(key) if key else None
        try:
            plan = plan_shipment(
                draft_of(line, direction),
                rules,
                purchase=purchase,
                site=sites.get(purchase.supplier_id) if purchase else None,
                intensity_of=mode_intensity,
            )
            if purchase is not None and not plan.packaging:
                items = declared.get((purchase.supplier_id, purchase.material_code))
                plan = with_declared(plan, items or [])
        except InvalidInput as invalid:
            outcomes.append(
                {"row": row, "status": INVALID, "field": invalid.field, "message": invalid.message}
            )
            continue
        if plan.reference in seen:
            outcomes.append(
                {
                    "row": row,
                    "status": INVALID,
                    "field": "reference",
                    "message": _(
                        "Record %(ref)s appears twice in this file (first in row %(row)s)."
                    )
                    % {"ref": plan.reference, "row": seen[plan.reference]},
                }
            )
            continue
        seen[plan.reference] = row
        before = recorded.get(plan.reference)
        outcome = {
            "row": row,
            "reference": plan.reference,
            "po_number": key[0] if key and plan.purchase else "",
            "customer": plan.customer,
            "shipped_on": plan.shipped_on.isoformat(),
            "tonnes": str(plan.tonnes),
            "modes": "+".join(leg.mode for leg in plan.legs),
            "emissions_t": str(plan.emissions_t),
        }
        if before is not None:
            same = before == (plan.tonnes, plan.shipped_on, plan.emissions_t)
            outcome["status"] = RECORDED if same else INVALID
            if not same:
                outcome["field"] = "reference"
                outcome["message"] = _(
                    "Record %(ref)s is already recorded with different data; correct the line "
                    "or remove it from the file."
                ) % {"ref": plan.reference}
        else:
            outcome["status"] = NEW
            plans.append(plan)
        outcomes.append(outcome)
    return outcomes, plans


def upload(
    db: Session,
    *,
    actor: Actor,
    user_id: int | None,
    filename: str,
    data: bytes,
    direction: str,
) -> LogisticsImport:
    """Read and check a file; store the preview (nothing else); audited."""
    if direction not in (INBOUND, OUTBOUND):
        raise InvalidInput(_("Choose inbound or outbound."), field="direction")
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            file_problem_text("too_large", n=MAX_BYTES // (1024 * 1024)), field="file"
        )
    try:
        lines = importreader.read(filename, data)
    except FileRefused as refused:
        raise InvalidInput(
            file_problem_text(refused.code, **refused.params), field="file"
        ) from None
    outcomes, _plans = check_lines(db, lines, direction)
    problems = [o for o in outcomes if o["status"] == INVALID]
    found = LogisticsImport(
        direction=direction,
        filename=_safe_filename(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=user_id or 0,
        status=REFUSED if problems else PREVIEWED,
        line_count=len(lines),
        lines=lines,
        problems=outcomes,
    )
    db.add(found)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="logistics_import.previewed",
        entity_type="logistics_import",
        entity_id=found.id,
        after={
            "filename": found.filename,
            "sha256": found.sha256,
            "direction": direction,
            "lines": len(lines),
            "refused_rows": [p["row"] for p in problems][:100],
        },
    )
    return found


def get_import(db: Session, import_id: int) -> LogisticsImport:
    """The import, or NotFound."""
    found = db.get(LogisticsImport, import_id)
    if found is None:
        raise NotFound()
    return found


def confirm(db: Session, *, actor: Actor, user_id: int | None, import_id: int) -> int:
    """Store every new line of a previewed file in one transaction; the lines are checked
    again first, so a purchase removed since refuses the file. Returns shipments stored."""
    found = db.exec(
        select(LogisticsImport).where(LogisticsImport.id == import_id).with_for_update()
    ).first()
    if found is None:
        raise NotFound()
    if found.status == CONFIRMED:
        raise Conflict(_("This file was confirmed already."))
    outcomes, plans = check_lines(db, list(found.lines or []), found.direction)
    problems = [o for o in outcomes if o["status"] == INVALID]
    if problems:
        found.problems, found.status = outcomes, REFUSED
        db.add(found)
        first = problems[0]
        raise InvalidInput(
            _("Nothing was stored: line %(row)s is refused (%(message)s).")
            % {"row": first["row"], "message": first["message"]},
            field="file",
        )
    stored = store_plans(db, plans, source="import", user_id=user_id, import_id=found.id)
    found.status, found.confirmed_at, found.problems = CONFIRMED, utcnow(), outcomes
    db.add(found)
    audit.record(
        db,
        actor=actor,
        action="logistics_import.confirmed",
        entity_type="logistics_import",
        entity_id=found.id,
        after={"stored": stored, "skipped": len(outcomes) - stored, "sha256": found.sha256},
    )
    return stored


def store_plans(
    db: Session,
    plans: Sequence[ShipmentPlan],
    *,
    source: str,
    user_id: int | None,
    import_id: int | None,
) -> int:
    """Insert the shipments, legs and packaging of PLANS in bulk, and their yearly sums."""
    if not plans:
        return 0
    ids = _stored_shipments(db, plans, source=source, user_id=user_id, import_id=import_id)
    legs: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for plan in plans:
        legs += leg_values(plan, ids[plan.reference])
        items += packaging_values(plan, ids[plan.reference])
    bulk.insert_rows(db, Leg.__table__, legs)  # type: ignore[attr-defined]
    bulk.insert_rows(db, PackagingItem.__table__, items)  # type: ignore[attr-defined]
    summaries.add(db, plans, logistics_rules().policy_on)
    return len(plans)


def _stored_shipments(
    db: Session,
    plans: Sequence[ShipmentPlan],
    *,
    source: str,
    user_id: int | None,
    import_id: int | None,
) -> dict[str, int]:
    """Insert a shipment row per plan; the new id of each plan's reference."""
    if bulk.is_postgres(db):
        new_ids = bulk.insert_with_ids(
            db,
            Shipment.__table__,  # type: ignore[attr-defined]
            [
                shipment_values(plan, source=source, user_id=user_id, import_id=import_id)
                for plan in plans
            ],
        )
        return {plan.reference: new_id for plan, new_id in zip(plans, new_ids, strict=True)}
    ids: dict[str, int] = {}
    for chunk in _chunks(list(plans)):
        rows = [
            shipment_values(plan, source=source, user_id=user_id, import_id=import_id)
            for plan in chunk
        ]
        db.execute(insert(Shipment), rows)
        direction = chunk[0].direction
        for reference, shipment_id in db.exec(
            select(Shipment.reference, Shipment.id).where(
                Shipment.direction == direction,
                col(Shipment.reference).in_([p.reference for p in chunk]),
            )
        ):
            assert shipment_id is not None
            ids[reference] = shipment_id
    return ids
