"""The demo: a far supplier moving from truck to rail, first electric trucks, racks."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from portal import demo
from portal.logistics import tracking
from portal.logistics.models import Shipment

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
    count = len(session.exec(select(Shipment)).all())
    demo.load_demo(session)
    session.commit()
    assert len(session.exec(select(Shipment)).all()) == count
