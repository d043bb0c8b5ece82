"""The energy pages as people use them: live page, alerts, meters, entries, analysis."""

from __future__ import annotations

import time

from energy_factory import make_meter
from fastapi.testclient import TestClient
from helpers import make_user, post_form, sign_in
from sqlmodel import Session, col, select

from portal.audit import AuditEvent
from portal.energy import alerts, readings
from portal.energy.models import Alert, Meter
from portal.energy.readings import RawReading


def test_live_page_updates_itself_and_shows_silent_and_flagged_meters(
    client: TestClient, session: Session
) -> None:
    make_meter(session, "EL-1")
    now = int(time.time()) // 3600 * 3600
    # ten hours of 50 kWh, then 900 kWh in one hour: a spike against its own history
    values = [50.0 * i for i in range(11)] + [500.0 + 900]
    items = [RawReading("EL-1", now - (11 - i) * 3600, v) for i, v in enumerate(values)]
    result = readings.ingest(session, items=items, source="http")
    alerts.on_ingested(session, result)
    session.commit()
    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    page = client.get("/energy")
    assert page.status_code == 200
    assert 'hx-get="/energy"' in page.text and 'hx-trigger="every 10s"' in page.text
    assert 'id="live-alloy"' in page.text
    assert "spike" in page.text  # the flagged reading is listed
    fragment = client.get("/energy", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="live-lines"' in fragment.text
    # the last reading is an hour old: four hourly intervals have not passed, not silent
    assert 'id="no-silent"' in fragment.text
    chinese = client.get("/energy", headers={"Accept-Language": "zh"})
    assert "实时能源" in chinese.text and "当前功率" in chinese.text


def test_a_flagged_reading_raises_one_alert_acknowledged_with_a_comment(
    client: TestClient, session: Session
) -> None:
    make_meter(session, "EL-2", max_rate_per_h=100)
    base = 1_700_000_000 // 3600 * 3600
    # 10 → 500 kWh in an hour is above the meter's 100 kWh/h: impossible, twice the same day
    for values in ([0, 10, 500], [600, 1100]):
        start = base if values[0] == 0 else base + 3 * 3600
        items = [RawReading("EL-2", start + i * 3600, v) for i, v in enumerate(values)]
        result = readings.ingest(session, items=items, source="http")
        alerts.on_ingested(session, result)
    session.commit()
    raised = session.exec(select(Alert)).all()
    assert [(a.rule_code, a.subject) for a in raised] == [("flagged_reading", "EL-2")]

    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    alert_id = raised[0].id
    empty = post_form(
        client, "/energy/alerts", f"/energy/alerts/{alert_id}/acknowledge", {"comment": " "}
    )
    assert empty.status_code == 422
    assert f'id="error-comment-{alert_id}"' in empty.text
    done = post_form(
        client,
        "/energy/alerts",
        f"/energy/alerts/{alert_id}/acknowledge",
        {"comment": "CT ratio was wrong in the gateway;\nfixed."},
        follow_redirects=True,
    )
    assert done.status_code == 200 and 'id="acknowledged-notice"' in done.text
    assert f'id="done-{alert_id}"' in done.text and "CT ratio was wrong" in done.text
    session.expire_all()
    assert session.get(Alert, alert_id).acknowledged_at is not None  # type: ignore[union-attr]
    events = session.exec(
        select(AuditEvent.action).where(AuditEvent.entity_type == "energy_alert")
    ).all()
    assert events == ["energy_alert.acknowledged"]


def test_admin_defines_meters_in_the_form_and_from_files(
    client: TestClient, session: Session
) -> None:
    make_user(session, "admin")
    sign_in(client, "admin@example.com")
    form = {
        "code": "CH-MF2-EL", "name": "Melting furnace 2", "site": "Plant",
        "workshop": "Casthouse", "medium": "electricity", "kind": "cumulative",
        "interval_s": "900", "multiplier": "40", "split_key": "alloy:0.7,extrusion:0.2",
        "in_service_from": "2024-01-01",
    }  # fmt: skip
    bad = post_form(client, "/energy/meters", "/energy/meters", form)
    assert bad.status_code == 422
    assert 'id="error-split_key"' in bad.text and "add up to 0.9" in bad.text
    good = post_form(
        client, "/energy/meters", "/energy/meters",
        {**form, "split_key": "alloy:0.7,extrusion:0.3"}, follow_redirects=True,
    )  # fmt: skip
    assert good.status_code == 200 and 'id="meter-CH-MF2-EL"' in good.text

    toml = b"""
[[meters]]
code = "EX-P2-EL"
name = "Press 2"
site = "Plant"
workshop = "Extrusion"
equipment = "Press 2"
medium = "electricity"
kind = "interval"
interval_s = 900
product_line = "extrusion"
in_service_from = 2024-01-01
"""
    page = client.get("/energy/meters")
    from helpers import csrf_from

    loaded = client.post(
        "/energy/meters/file",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("meters.toml", toml, "application/toml")},
        follow_redirects=True,
    )
    assert loaded.status_code == 200 and 'id="meter-EX-P2-EL"' in loaded.text
    csv_text = (
        "code,name,site,medium,kind,product_line,in_service_from\n"
        "GAS-9,Oven,Plant,natural_gas,cumulative,alloy,2024-01-01\n"
        "GAS-10,Oven,Plant,steam,cumulative,alloy,2024-01-01\n"
    )
    refused = client.post(
        "/energy/meters/file",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("meters.csv", csv_text.encode(), "text/csv")},
    )
    assert refused.status_code == 422 and "GAS-10" in refused.text and "medium" in refused.text
    codes = session.exec(select(Meter.code).order_by(col(Meter.code))).all()
    assert codes == ["CH-MF2-EL", "EX-P2-EL"]  # all or none: GAS-9 was not saved either
    actions = session.exec(
        select(AuditEvent.action).where(AuditEvent.entity_type == "energy_meter")
    ).all()
    assert actions == ["energy_meter.created", "energy_meter.created"]


def test_roles_the_energy_pages_refuse(client: TestClient, session: Session) -> None:
    make_user(session, "buyer")
    sign_in(client, "buyer@example.com")
    assert client.get("/energy").status_code == 403
    assert client.get("/energy/analysis").status_code == 403


def test_esg_enters_production_and_reads_the_analysis(client: TestClient, session: Session) -> None:
    make_meter(session, "GAS-1", medium="natural_gas", interval_s=86400)
    # 1,000 Nm3 on 1 March 2023: 1,000 × 2.162 = 2.162 tCO2e; 10 t produced → 0.216 t/t
    items = [RawReading("GAS-1", 1677600000 + i * 86400, 1000.0 * i) for i in range(2)]
    readings.ingest(session, items=items, source="file")
    session.commit()
    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    wrong = post_form(
        client, "/energy/entries", "/energy/entries/production",
        {"line": "alloy", "month": "March", "tonnes": "10"},
    )  # fmt: skip
    assert wrong.status_code == 422 and 'id="error-production-month"' in wrong.text
    saved = post_form(
        client, "/energy/entries", "/energy/entries/production",
        {"line": "alloy", "month": "2023-03", "tonnes": "10"}, follow_redirects=True,
    )  # fmt: skip
    assert saved.status_code == 200 and 'id="saved-notice"' in saved.text
    page = client.get("/energy/analysis?year=2023")
    assert page.status_code == 200
    assert 'id="grid-factor"' in page.text and "0.5306" in page.text
    assert 'id="intensity-alloy-2023-03">0.216' in page.text
    export = client.get("/energy/analysis.csv?year=2023")
    assert export.headers["content-type"].startswith("text/csv")
    line = next(row for row in export.text.splitlines() if row.startswith("alloy,2023-03,"))
    assert ",2.162," in line and ",10.000," in line
    english = export.content.decode("utf-8").splitlines()[0]
    assert english == (
        "\ufeffLine,Period,Electricity (kWh),Natural gas (Nm³),Diesel (kg),Scope 1 (tCO2e),"
        "Scope 2 location-based (tCO2e),Scope 2 market-based (tCO2e),Green electricity (kWh),"
        "Own PV (kWh),Production (t),Intensity (tCO2e/t),Measured share,Estimated share,"
        "Entered share,Scope 2 method"
    )
    chinese = client.get("/energy/analysis.csv?year=2023", headers={"Accept-Language": "zh"})
    assert chinese.content.decode("utf-8").startswith("\ufeff产线,期间,电力（kWh）,天然气（Nm³）,")
    keys = client.get("/energy/analysis.csv?year=2023&headers=keys").content.decode("utf-8")
    assert keys.startswith("line,period,electricity_kwh,natural_gas_nm3,")  # as before, no BOM
