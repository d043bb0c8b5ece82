"""Recording shipments: leg figures by hand, the carrier's figure, the policy's findings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from logistics_helpers import buy
from sqlmodel import Session, col, select

from portal.accounts.models import User
from portal.audit import Actor, AuditEvent
from portal.errors import Conflict, InvalidInput
from portal.logistics import service
from portal.logistics.inputs import LegDraft, PackagingDraft, ShipmentDraft
from portal.logistics.models import LogisticsYearSum, ShipmentLeg
from portal.suppliers.models import Supplier

pytestmark = pytest.mark.usefixtures("backend")


def _record(session: Session, buyer: User, draft: ShipmentDraft) -> service.Recorded:
    recorded = service.record_shipment(
        session,
        actor=Actor(label=buyer.email, user_id=buyer.id),
        user_id=buyer.id,
        draft=draft,
        source="form",
    )
    session.commit()
    return recorded


def test_two_legs_rail_then_truck(session: Session, buyer: User, far: Supplier) -> None:
    buy(session, buyer, far, "PO-RAIL-1")
    # 25 t, electric rail 1,950 km then a diesel truck 30 km, shipped 2026 (grid 2023 stands in):
    # rail 0.035 kWh/t·km × 0.5306 kgCO2/kWh = 0.018571 kg/t·km; 25 × 1,950 = 48,750 t·km
    #   → 905.336 kg = 0.905336 t
    # truck TTW 0.073 + WTT 0.022 = 0.095 kg/t·km; 25 × 30 = 750 t·km → 71.25 kg = 0.071250 t
    # shipment 0.976586 t
    recorded = _record(
        session,
        buyer,
        ShipmentDraft(
            reference="DN-1",
            po_number="PO-RAIL-1",
            shipped_on="2026-03-10",
            tonnes="25",
            legs=[LegDraft("rail_electric", "1950"), LegDraft("truck_diesel_heavy", "30")],
        ),
    )
    assert recorded.created
    assert recorded.shipment.emissions_t == Decimal("0.976586")
    legs = session.exec(select(ShipmentLeg).order_by(col(ShipmentLeg.seq))).all()
    assert [leg.emissions_t for leg in legs] == [Decimal("0.905336"), Decimal("0.071250")]
    assert legs[0].intensity_kg_per_tkm == Decimal("0.018571")
    assert "0.5306" in legs[0].factor_source and "GLEC" in legs[0].factor_source
    assert recorded.findings == []  # the long haul went by rail
    sums = session.exec(select(LogisticsYearSum)).all()
    rail = next(s for s in sums if s.mode == "rail_electric")
    assert rail.long_haul and rail.tkm_ut == 48_750_000_000 and rail.trips == 1
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "shipment.recorded")).first()


def test_carrier_figure_wins_and_is_marked(session: Session, buyer: User, far: Supplier) -> None:
    buy(session, buyer, far, "PO-RAIL-2")
    # The trucker reports 0.060 t for its 30 km leg (our estimate 0.071250 t):
    # 0.905336 + 0.060000 = 0.965336 t
    recorded = _record(
        session,
        buyer,
        ShipmentDraft(
            reference="DN-2",
            po_number="PO-RAIL-2",
            shipped_on="2026-03-10",
            tonnes="25",
            legs=[LegDraft("rail_electric", "1950"), LegDraft("truck_diesel_heavy", "30", "0.060")],
        ),
    )
    assert recorded.shipment.emissions_t == Decimal("0.965336")
    truck = session.exec(select(ShipmentLeg).where(ShipmentLeg.seq == 2)).one()
    assert truck.basis == "carrier" and truck.carrier_reported_t == Decimal("0.060000")


def test_long_road_haul_warns_with_rail_difference(
    session: Session, buyer: User, far: Supplier
) -> None:
    buy(session, buyer, far, "PO-ROAD-1")
    # 25 t by diesel truck 1,800 km: 45,000 t·km × 0.095 = 4,275 kg = 4.275 t;
    # by electric rail the same 1,800 km: 45,000 × 0.018571 = 835.695 kg = 0.835695 t;
    # difference 3.439305 t. Plastic film (single use, not recyclable) is warned too.
    recorded = _record(
        session,
        buyer,
        ShipmentDraft(
            reference="DN-3",
            po_number="PO-ROAD-1",
            shipped_on="2026-03-10",
            tonnes="25",
            legs=[LegDraft("truck_diesel_heavy", "1800")],
            packaging=[PackagingDraft("plastic_film", "12", "no", "no")],
        ),
    )
    codes = {f.code: f for f in recorded.findings}
    assert codes["long_haul_by_road"].difference_t == Decimal("3.439305")
    assert "3.439" in codes["long_haul_by_road"].message_en
    assert codes["single_use_packaging"].outcome == "warn"


def test_no_rail_option_noted_not_warned(session: Session, buyer: User, far: Supplier) -> None:
    buy(session, buyer, far, "PO-ROAD-2")
    actor = Actor(label=buyer.email, user_id=buyer.id)
    service.set_dispatch_site(
        session,
        actor=actor,
        user_id=buyer.id,
        supplier_id=far.id or 0,
        place="foshan",
        usual_mode="truck_diesel_heavy",
        rail_available=False,
    )
    session.commit()
    # Distance left blank: one leg takes the distance table's road km for Foshan (1,800).
    recorded = _record(
        session,
        buyer,
        ShipmentDraft(
            reference="DN-4",
            po_number="PO-ROAD-2",
            shipped_on="2026-03-10",
            tonnes="25",
            legs=[LegDraft("truck_diesel_heavy", "")],
        ),
    )
    assert [f.code for f in recorded.findings] == ["rail_not_available"]
    assert recorded.findings[0].outcome == "note"
    leg = session.exec(select(ShipmentLeg)).one()
    assert leg.distance_km == Decimal("1800.000") and leg.distance_basis == "table"


def test_refusals_name_the_field(session: Session, buyer: User, far: Supplier) -> None:
    buy(session, buyer, far, "PO-5")
    base: dict[str, Any] = {
        "reference": "DN-5",
        "po_number": "PO-5",
        "shipped_on": "2026-03-10",
        "tonnes": "25",
    }
    with pytest.raises(InvalidInput) as unknown:
        _record(session, buyer, ShipmentDraft(**base, legs=[LegDraft("zeppelin", "10")]))
    assert unknown.value.field == "legs[0].mode"
    with pytest.raises(InvalidInput) as unmatched:
        _record(
            session,
            buyer,
            ShipmentDraft(**{**base, "po_number": "PO-404"}, legs=[LegDraft("sea", "10")]),
        )
    assert unmatched.value.field == "po_number" and "PO-404" in unmatched.value.message
    session.rollback()
    first = _record(session, buyer, ShipmentDraft(**base, legs=[LegDraft("sea", "10")]))
    again = _record(session, buyer, ShipmentDraft(**base, legs=[LegDraft("sea", "10")]))
    assert first.created and not again.created and again.shipment.id == first.shipment.id
    with pytest.raises(Conflict):
        _record(
            session, buyer, ShipmentDraft(**{**base, "tonnes": "24"}, legs=[LegDraft("sea", "10")])
        )
