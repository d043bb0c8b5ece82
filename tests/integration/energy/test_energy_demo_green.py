"""The demo's 2025–2026: PV roof and green certificates lower market-based Scope 2 and raise the
green share, while 2023 still reproduces the plan's baseline."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from portal.energy import demo
from portal.energy.emissions import year_energy
from portal.energy.green import green_share_of_year
from portal.energy.models import Certificate


@pytest.mark.demo
def test_demo_green_years_show_pv_and_certificates(backend: str, session: Session) -> None:
    demo.load_demo(session)
    session.commit()
    # 2023: the plan's baseline (portal/energy/demo.py): 6,456.494 and 568.337 tCO2e
    base = year_energy(session, year=2023)
    assert base.line_total("alloy").scope12_t("location") == pytest.approx(6456.81, rel=0.005)
    assert base.line_total("extrusion").scope12_t("location") == pytest.approx(568.34, rel=0.005)
    # 2025 (worked out in portal/energy/demo_green.py): grid 4,674,083 kWh;
    # location 4,674,083 × 0.5306 = 2,480.07 t; market (4,674,083 − 1,000,000) × 0.6096
    # = 2,239.72 t; green share (1,000,000 + 650,000) / 5,324,083 = 31.0 % (target 15 %)
    energy = year_energy(session, year=2025)
    location = sum(energy.line_total(line).scope2_location_t for line in ("alloy", "extrusion"))
    market = sum(energy.line_total(line).scope2_market_t for line in ("alloy", "extrusion"))
    assert location == pytest.approx(2480.07, rel=1e-4)
    assert market == pytest.approx(2239.72, rel=1e-4)
    green_2025 = green_share_of_year(session, year=2025)
    assert green_2025 is not None and green_2025.total.share == pytest.approx(0.310, abs=5e-4)
    assert green_2025.on_track is True
    # 2026: (1,500 + 500 MWh + 800,000 kWh PV) / 5,215,428 kWh = 53.7 % (target 20 %)
    green_2026 = green_share_of_year(session, year=2026)
    assert green_2026 is not None and green_2026.total.share == pytest.approx(0.537, abs=5e-4)
    numbers = session.exec(select(Certificate.number)).all()
    assert len(numbers) == 2500 and "GEC-2025-W-0001" in numbers
    assert demo.load_demo(session) == []  # a second run adds nothing
