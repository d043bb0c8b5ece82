"""Tracking transport and packaging: categories 4 and 9, shares against targets, by hand."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from helpers import make_user, sign_in
from logistics_helpers import buy
from sqlmodel import Session

from portal.accounts.models import User
from portal.audit import Actor
from portal.logistics import service, tracking
from portal.logistics.inputs import LegDraft, PackagingDraft, ShipmentDraft
from portal.security import create_api_token
from portal.suppliers.models import Supplier
from portal.tracking.models import LineYear

pytestmark = pytest.mark.usefixtures("backend")


def _ship(session: Session, buyer: User, **fields: object) -> None:
    service.record_shipment(
        session,
        actor=Actor(label=buyer.email, user_id=buyer.id),
        user_id=buyer.id,
        draft=ShipmentDraft(**fields),  # type: ignore[arg-type]
        source="form",
    )


@pytest.fixture
def year_2026(session: Session, buyer: User, far: Supplier) -> None:
    """Two inbound deliveries (one long road haul, one by rail), two outbound, packaging."""
    buy(session, buyer, far, "PO-T1", tonnes="50")
    buy(session, buyer, far, "PO-T2")
    # A: 50 t by diesel truck 1,800 km: 90,000 t·km × 0.095 = 8.55 t; 12 kg plastic film
    _ship(
        session,
        buyer,
        reference="A",
        po_number="PO-T1",
        shipped_on="2026-04-01",
        tonnes="50",
        legs=[LegDraft("truck_diesel_heavy", "1800")],
        packaging=[PackagingDraft("plastic_film", "12", "no", "no")],
    )
    # B: 25 t by electric rail 1,950 km + truck 30 km: 48,750 + 750 t·km, 0.976586 t; 80 kg rack
    _ship(
        session,
        buyer,
        reference="B",
        po_number="PO-T2",
        shipped_on="2026-05-01",
        tonnes="25",
        legs=[LegDraft("rail_electric", "1950"), LegDraft("truck_diesel_heavy", "30")],
        packaging=[PackagingDraft("aluminium_rack", "80", "yes", "yes", "supplier")],
    )
    # Outbound: 18 t battery-electric truck 160 km: 1.30 kWh/km ÷ 15 t × 0.5306 = 0.045985
    # kg/t·km; 2,880 t·km → 0.132437 t. 20 t diesel truck 300 km: 6,000 t·km → 0.570000 t
    _ship(
        session,
        buyer,
        direction="outbound",
        reference="O1",
        customer="Customer A",
        shipped_on="2026-06-01",
        tonnes="18",
        legs=[LegDraft("truck_battery_electric", "160")],
    )
    _ship(
        session,
        buyer,
        direction="outbound",
        reference="O2",
        customer="Customer B",
        shipped_on="2026-06-02",
        tonnes="20",
        legs=[LegDraft("truck_diesel_heavy", "300")],
    )
    session.add(LineYear(product_line="alloy", year=2026, production_t=Decimal(8000)))
    session.add(LineYear(product_line="extrusion", year=2026, production_t=Decimal(400)))
    session.commit()  # fmt: skip


@pytest.mark.usefixtures("year_2026")
def test_the_year_by_hand(session: Session, far: Supplier) -> None:
    f = tracking.year(session, 2026)
    assert f.cat4_t == Decimal("9.526586")  # 8.55 + 0.976586
    assert f.cat4_per_t == Decimal("0.001134")  # ÷ 8,400 t produced
    assert f.cat9_t == Decimal("0.702437")  # 0.132437 + 0.570000
    assert f.cat9_per_t == Decimal("0.001756")  # ÷ 400 t of extrusions
    # Long hauls: 90,000 + 48,750 + 750 = 139,500 t·km, by rail 48,750: 34.9 % < 50 % (2026)
    assert f.rail_share_pct == Decimal("34.9") and f.rail_target_pct == Decimal(50)
    assert f.rail_met is False
    # Outbound 8,880 t·km, electric 2,880: 32.4 % ≥ 15 %; one trip of two electric
    assert f.electric_tkm_share_pct == Decimal("32.4") and f.electric_met is True
    assert f.electric_trip_share_pct == Decimal("50.0")
    # Packaging 92 kg, 80 reusable: 87.0 %; 12 kg single use over 75 t bought: 0.160 kg/t
    assert f.recyclable_share_pct == Decimal("87.0")
    assert f.single_use_kg_per_t == Decimal("0.160")
    [supplier] = f.suppliers
    assert supplier.supplier_id == far.id and supplier.tonnes == Decimal(75)
    assert supplier.per_tonne == Decimal("0.127021")  # 9.526586 ÷ 75


@pytest.mark.usefixtures("year_2026")
def test_page_report_and_api(session: Session, client: TestClient) -> None:
    esg = make_user(session, "esg")
    _token, plain = create_api_token(session, esg, "reports")
    session.commit()
    api = client.get("/api/v1/reports/2026", headers={"Authorization": f"Bearer {plain}"})
    assert api.status_code == 200, api.text
    logistics = api.json()["logistics"]
    assert logistics["scope3_cat4_t"] == "9.526586"
    assert logistics["rail_share_long_haul_pct"] == "34.9"
    assert logistics["rail_share_met"] is False
    assert logistics["suppliers"][0]["supplier_code"] == "FSZS"
    sign_in(client, esg.email)
    page = client.get("/tracking/logistics?year=2026")
    assert page.status_code == 200
    assert 'id="rail-met"' in page.text and "target missed" in page.text
    assert "beside, not inside" in page.text
    drill = client.get(
        "/tracking/logistics/shipments?year=2026&direction=inbound&mode=rail_electric"
    )
    assert drill.status_code == 200 and '<span id="shipments-total">1</span>' in drill.text
    assert "0.018571" in drill.text  # the factor behind the figure
    csv = client.get("/tracking/logistics/export.csv?year=2026&headers=keys")
    assert csv.text.startswith("figure,value,unit,target\r\n")  # as scripts read it
    assert "rail_share_long_haul_tkm,34.9,%,50" in csv.text
    chinese = client.get(
        "/tracking/logistics/export.csv?year=2026", headers={"Accept-Language": "zh"}
    )
    lines = chinese.content.decode("utf-8").splitlines()
    assert lines[0] == "\ufeff指标,数值,单位,目标"
    assert "长途入厂运输吨公里中的铁路占比,34.9,%,50" in lines
    english = client.get("/tracking/logistics/export.csv?year=2026").content.decode("utf-8")
    assert english.startswith("\ufeffIndicator,Value,Unit,Target\r\n")
    assert "Rail share of long-haul inbound tonne-km,34.9,%,50" in english
    assert 'formaction="/tracking/logistics/export.csv" id="logistics-export"' in page.text
    report = client.get("/tracking/report/2026")
    assert report.status_code == 200 and 'id="logistics-summary"' in report.text


@pytest.mark.usefixtures("year_2026")
def test_the_page_charts_each_measure_against_its_target_path(
    session: Session, client: TestClient
) -> None:
    esg = make_user(session, "esg")
    sign_in(client, esg.email)
    page = client.get("/tracking/logistics?year=2026").text
    block = re.search(r'<script type="application/json" id="tracking-charts">(.*?)</script>', page)
    assert block is not None and "<script>" not in page  # data only; tracking.js draws
    charts = json.loads(block.group(1))
    assert sorted(charts) == [
        "logistics-cat4",
        "logistics-cat9",
        "logistics-electric",
        "logistics-packaging",
        "logistics-rail",
    ]
    rail = charts["logistics-rail"]
    assert rail["labels"] == [2025, 2026, 2027, 2028, 2029, 2030]
    actual, target = rail["datasets"]
    # 2026 as worked out above: 34.9 % against the 50 % of rules/logistics.toml, whose path
    # runs 40 % (2025) to 80 % (2030); 2025 had no delivery, so no point rather than a zero
    assert actual["data"][:2] == [None, 34.9]
    assert target["data"] == [40, 50, 60, 70, 75, 80]
    assert charts["logistics-cat4"]["datasets"][0]["data"][1] == 9.526586
    assert len(charts["logistics-cat4"]["datasets"]) == 1  # no target for category 4 itself
    assert charts["logistics-electric"]["datasets"][1]["data"][1] == 15
    assert charts["logistics-packaging"]["datasets"][0]["data"][1] == 87.0
    for code in ("cat4", "cat9", "rail", "electric", "packaging"):
        canvas = re.search(rf'<canvas id="chart-{code}"[^>]*>', page)
        assert canvas is not None and 'role="img"' in canvas.group(0)
        assert "the table beside it has the same figures" in canvas.group(0)
        assert f'id="table-{code}"' in page
    assert '<tr id="rail-2026"><td>2026</td><td class="num">34.9 %</td>' in page
    assert "/static/js/tracking.js" in page
    chinese = client.get("/tracking/logistics?year=2026", headers={"Accept-Language": "zh"})
    assert "旁边的表格列有相同数据" in chinese.text
