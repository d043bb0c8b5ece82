"""Green electricity share per month and year against the target path in rules/energy.toml."""

from __future__ import annotations

from decimal import Decimal

import pytest
from energy_factory import ACTOR, make_meter, plant
from fastapi.testclient import TestClient
from helpers import make_user, sign_in
from sqlmodel import Session

from portal.energy import entries, readings
from portal.energy.green import green_share_of_year
from portal.energy.readings import RawReading
from portal.energy.rules import energy_rules


def test_the_target_path_lies_between_its_listed_years(settings) -> None:  # type: ignore[no-untyped-def]
    # rules/energy.toml lists 2024: 0 %, 2025: 15 %, 2030: 40 %.
    rules = energy_rules()
    assert rules.green_target_for(2023) is None
    assert rules.green_target_for(2024) == Decimal(0)
    assert rules.green_target_for(2025) == Decimal(15)
    assert rules.green_target_for(2026) == Decimal("20.0")  # 15 + (40 − 15) / 5
    assert rules.green_target_for(2031) == Decimal(40)


def test_green_share_counts_certificates_up_to_the_grid_and_own_pv(
    backend: str, client: TestClient, session: Session
) -> None:
    # January 2026: the alloy line uses 10,000 kWh, the roof PV makes 2,000 kWh, so the grid
    # supplies 8,000 kWh. February: 10,000 kWh used, no PV, 12 MWh of certificates for
    # February, of which only the 10,000 kWh of grid electricity count (capped).
    # January share: (0 + 2,000) / 10,000 = 20.0 %; February: 10,000 / 10,000 = 100.0 %.
    # Year: (10,000 certificates + 2,000 PV) / 20,000 = 60.0 % against the 2026 target 20 %.
    make_meter(session, "EL-A", interval_s=86400)
    make_meter(session, "PV-1", interval_s=86400, role="generation", product_line="")
    jan, feb, mar = plant(2026, 1, 1), plant(2026, 2, 1), plant(2026, 3, 1)
    items = [
        RawReading("EL-A", jan, 0.0),
        RawReading("EL-A", feb, 10_000.0),
        RawReading("EL-A", mar, 20_000.0),
        RawReading("PV-1", jan, 0.0),
        RawReading("PV-1", feb, 2_000.0),
        RawReading("PV-1", mar, 2_000.0),
    ]
    readings.ingest(session, items=items, source="file", now_s=mar + 3600)
    entries.add_instrument(
        session, actor=ACTOR, kind="certificate", reference="GEC 2026-02", mwh="12",
        month_from="2026-02", month_to="2026-02", generation_type="wind",
        numbers=[f"GEC2026-{n:05d}" for n in range(12)],
    )  # fmt: skip
    session.commit()
    green = green_share_of_year(session, year=2026)
    assert green is not None
    january, february = green.months[0], green.months[1]
    assert (january.electricity_kwh, january.pv_kwh, january.instruments_kwh) == (
        pytest.approx(10_000),
        pytest.approx(2_000),
        pytest.approx(0),
    )
    assert january.share == pytest.approx(0.20)
    assert february.instruments_kwh == pytest.approx(10_000)  # 12 MWh capped at the grid's 10
    assert february.share == pytest.approx(1.0)
    assert green.total.share == pytest.approx(0.60)
    assert green.target_pct == Decimal("20.0") and green.on_track is True
    assert green.gap_pct() == pytest.approx(40.0)

    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    analysis = client.get("/energy/analysis?year=2026")
    assert analysis.status_code == 200
    assert 'id="green-share-2026-01">20.0 %' in analysis.text
    assert 'id="green-share-2026">60.0 %' in analysis.text
    assert 'id="green-share-on-track"' in analysis.text
    dashboard = client.get("/tracking?year=2026")
    assert dashboard.status_code == 200 and 'id="green-share-2026">60.0 %' in dashboard.text
    report = client.get("/tracking/report/2026")
    assert report.status_code == 200 and 'id="green-share-target"' in report.text
