"""The demo: a far supplier moving from truck to rail, first electric trucks, racks, and a
supplier's packaging declared once per tonne."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, select

from portal import demo
from portal.logistics import packaging, tracking
from portal.logistics.models import PackagingItem, Shipment
from portal.suppliers.models import Supplier

pytestmark = pytest.mark.usefixtures("backend")


@pytest.mark.demo
def test_demo_tells_the_story_and_loads_once(session: Session) -> None:
    demo.load_demo(session)
    session.commit()
    y2025, y2026 = tracking.year(session, 2025), tracking.year(session, 2026)
    # 2025: the Foshan ingot came by truck (10 × 30 t × 1,800 km = 540,000 t·km of long haul)
    assert y2025.rail_share_pct is not None and y2026.rail_share_pct is not None
    assert y2026.rail_share_pct > y2025.rail_share_pct
    assert y2025.electric_tkm_share_pct == 0 and y2026.electric_trips == 4
    assert y2026.recyclable_share_pct is not None and y2025.recyclable_share_pct is not None
    assert y2026.recyclable_share_pct > y2025.recyclable_share_pct
    # The silicon supplier declares its packaging once; its 450 t delivery of 2026 came with
    # 450 × 0.8 = 360 kg of strapping and 450 × 0.5 = 225 kg of single-use film, as declared.
    silicon = session.exec(select(Supplier).where(Supplier.code == "XJGY")).one()
    assert len(packaging.declarations_of(session, silicon.id or 0)) == 2
    delivery = session.exec(
        select(Shipment).where(Shipment.reference == "DEMO-IN-DEMO-2026-005")
    ).one()
    items = session.exec(select(PackagingItem).where(PackagingItem.shipment_id == delivery.id))
    assert sorted((i.packaging, i.mass_kg, i.source) for i in items) == [
        ("plastic_film", Decimal("225.000"), "declared"),
        ("steel_strapping", Decimal("360.000"), "declared"),
    ]
    count = len(session.exec(select(Shipment)).all())
    demo.load_demo(session)
    session.commit()
    assert len(session.exec(select(Shipment)).all()) == count
    assert len(packaging.declarations_of(session, silicon.id or 0)) == 2
