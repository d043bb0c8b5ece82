"""From meters to Scope 1+2: the demo's 2023 baseline, green certificates, the tracking page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from energy_factory import ACTOR, make_meter, plant
from sqlmodel import Session

from portal.energy import demo, entries, readings
from portal.energy.emissions import year_energy
from portal.energy.readings import RawReading
from portal.errors import InvalidInput
from portal.tracking.service import year_figures


@pytest.mark.demo
def test_demo_2023_reproduces_the_plans_baseline(session: Session) -> None:
    # plan: alloy 6,456.81 tCO2e for 7,880 t (0.82), extrusion 568.34 tCO2e for 397 t (1.43);
    # the demo's meters give 6,456.494 and 568.337 (worked out in portal/energy/demo.py)
    demo.load_demo(session)
    session.commit()
    energy = year_energy(session, year=2023)
    alloy, extrusion = energy.line_total("alloy"), energy.line_total("extrusion")
    assert alloy.scope12_t("location") == pytest.approx(6456.81, rel=0.005)
    assert extrusion.scope12_t("location") == pytest.approx(568.34, rel=0.005)
    assert energy.production_t("alloy") == Decimal("7880.000")
    assert energy.production_t("extrusion") == Decimal("397.000")
    assert alloy.scope12_t("location") / 7880 == pytest.approx(0.82, abs=0.005)
    assert extrusion.scope12_t("location") / 397 == pytest.approx(1.43, abs=0.005)
    # the furnace meter's register wrapped once during the year and the energy still adds up
    assert alloy.energy["electricity"] == pytest.approx(4_757_606, rel=1e-6)

    # the tracking page's Scope 1+2 now comes from the meters, and says so
    figures = year_figures(session, year=2023).line("alloy")
    assert figures.inputs.scope12_t == Decimal(str(round(alloy.scope12_t("location"), 3)))
    assert "meters" in figures.inputs.source and "measured" in figures.inputs.source

    assert demo.load_demo(session) == []  # a second run adds nothing


def test_green_certificates_count_once_and_never_beyond_consumption(session: Session) -> None:
    # January 2025: the alloy line uses 100,000 kWh (register 0 → 100,000 over the month,
    # read daily); the roof PV makes 20,000 kWh, so the grid supplies 80,000 kWh.
    # 100 certificates (100 MWh) for January: only 80 MWh count, 20 MWh are left over.
    # location-based: 80,000 × 0.5306 kg (2023 factor, the latest published) = 42.448 t
    # market-based: 0 t (all grid electricity covered)
    make_meter(session, "EL-A", interval_s=86400)
    make_meter(session, "PV-1", interval_s=86400, role="generation", product_line="")
    days = [plant(2025, 1, 1) + day * 86400 for day in range(32)]
    items = [RawReading("EL-A", at, 100_000 * i / 31) for i, at in enumerate(days)]
    items += [RawReading("PV-1", at, 20_000 * i / 31) for i, at in enumerate(days)]
    readings.ingest(session, items=items, source="file")
    numbers = [f"GEC2025-{n:05d}" for n in range(100)]
    entries.add_instrument(
        session, actor=ACTOR, kind="certificate", reference="GEC batch 1", mwh="100",
        month_from="2025-01", month_to="2025-01", generation_type="wind", numbers=numbers,
    )  # fmt: skip
    session.commit()
    energy = year_energy(session, year=2025)
    january = energy.lines["alloy"]["2025-01"]
    assert energy.grid_is_proxy and energy.grid is not None and energy.grid.year == 2023
    assert january.scope2_location_t == pytest.approx(42.448)
    assert january.scope2_market_t == pytest.approx(0.0)
    assert energy.green_kwh["2025-01"] == pytest.approx(80_000)
    assert list(energy.unused_green_kwh.values()) == [pytest.approx(20_000)]
    assert energy.green_share(["2025-01"]) == pytest.approx(1.0)

    with pytest.raises(InvalidInput, match="GEC2025-00007") as error:
        entries.add_instrument(
            session, actor=ACTOR, kind="certificate", reference="again", mwh="1",
            month_from="2025-02", month_to="2025-02", numbers=["GEC2025-00007"],
        )  # fmt: skip
    assert error.value.field == "numbers"
    with pytest.raises(InvalidInput, match="One certificate is one MWh"):
        entries.add_instrument(
            session, actor=ACTOR, kind="certificate", reference="short", mwh="3",
            month_from="2025-02", month_to="2025-02", numbers=["X1", "X2"],
        )  # fmt: skip


def test_manual_month_entry_is_marked_entered_and_can_be_corrected(session: Session) -> None:
    # 1,000 kg diesel entered for March, corrected to 1,200 kg: 1,200 × 3.096 = 3.7152 t
    make_meter(session, "DS-1", medium="diesel", kind="manual", interval_s=31 * 86400)
    entries.enter_month(session, actor=ACTOR, meter_code="DS-1", month="2023-03", quantity="1000")
    entries.enter_month(session, actor=ACTOR, meter_code="DS-1", month="2023-03", quantity="1200")
    session.commit()
    march = year_energy(session, year=2023).lines["alloy"]["2023-03"]
    assert march.energy == {"diesel": pytest.approx(1200)}
    assert march.scope1_t == pytest.approx(3.7152)
    assert march.quality_t["entered"] == pytest.approx(3.7152)
    assert march.quality_t["measured"] == 0
    sent = readings.ingest(
        session, items=[RawReading("DS-1", plant(2023, 3, 5), 50)], source="http"
    )
    assert [(e.field, e.kind) for e in sent.errors] == [("meter", "invalid")]
    with pytest.raises(InvalidInput, match="only manual meters") as error:
        make_meter(session, "EL-X")
        entries.enter_month(session, actor=ACTOR, meter_code="EL-X", month="2023-03", quantity=1)
    assert error.value.field == "meter"
