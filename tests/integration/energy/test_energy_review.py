"""The quarterly equipment review: specific energy per tonne against the baseline, by hand."""

from __future__ import annotations

import pytest
from energy_factory import ACTOR, make_meter, plant
from fastapi.testclient import TestClient
from helpers import make_user, post_form, sign_in
from sqlmodel import Session

from portal.energy import entries, readings, review
from portal.energy.readings import RawReading
from portal.errors import InvalidInput


def furnace_year(session: Session) -> None:
    # Melting furnace 1 (alloy): Jan–Jun 600,000 kWh, Q3 300,000, Q4 330,000; alloy made
    # 100 t every month of 2023
    make_meter(session, "MF1", equipment="Melting furnace 1", interval_s=86400)
    register = [(plant(2023, 1, 1), 0), (plant(2023, 7, 1), 600_000),
                (plant(2023, 10, 1), 900_000), (plant(2024, 1, 1), 1_230_000)]  # fmt: skip
    readings.ingest(session, items=[RawReading("MF1", at, v) for at, v in register], source="file")
    for month in range(1, 13):
        entries.save_production(
            session, actor=ACTOR, line="alloy", month=f"2023-{month:02d}", tonnes="100"
        )
    session.commit()


def test_specific_energy_against_baseline_and_previous_quarter(session: Session) -> None:
    # Q4: 330,000 kWh / 300 t = 1,100 kWh/t; Q3: 300,000 / 300 = 1,000 kWh/t (+10 %)
    # baseline 2023: 1,230,000 / 1,200 t = 1,025 kWh/t (+7.32 %)
    # CO2e of Q4: 330,000 × 0.5306 kg = 175.098 t
    furnace_year(session)
    found = review.quarter_review(session, quarter="2023-Q4")
    (row,) = found["rows"]  # type: ignore[misc]
    assert row.equipment == "Casthouse / Alloy line / Melting furnace 1"
    assert row.specific == pytest.approx(1100)
    assert row.previous == pytest.approx(1000) and row.vs_previous == pytest.approx(0.10)
    assert row.baseline == pytest.approx(1025)
    assert row.vs_baseline == pytest.approx(1100 / 1025 - 1)
    assert row.tco2e == pytest.approx(175.098)
    with pytest.raises(InvalidInput) as error:
        review.quarter_review(session, quarter="2023-4")
    assert error.value.field == "quarter"


def test_review_page_notes_and_export(client: TestClient, session: Session) -> None:
    furnace_year(session)
    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    page = client.get("/energy/review?quarter=2023-Q4")
    assert page.status_code == 200 and 'id="specific-MF1">1,100.00' in page.text
    saved = post_form(
        client, "/energy/review?quarter=2023-Q4", "/energy/review/note",
        {"quarter": "2023-Q4", "equipment": "Casthouse / Alloy line / Melting furnace 1",
         "note": "Burner nozzles replaced in November;\nrecuperator cleaned."},
        follow_redirects=True,
    )  # fmt: skip
    assert saved.status_code == 200 and "Burner nozzles replaced" in saved.text
    export = client.get("/energy/review.csv?quarter=2023-Q4")
    line = export.text.splitlines()[1]
    assert line.startswith("2023-Q4,Casthouse / Alloy line / Melting furnace 1,MF1,")
    assert ",1100.0000,1025.0000," in line and "Burner nozzles" in line


def test_furnace_specific_energy_above_its_baseline_raises_an_alert(session: Session) -> None:
    # January 2024 so far: 150,000 kWh for 100 t = 1,500 kWh/t, more than 10 % above the
    # 2023 baseline of 1,025 kWh/t (limit 1,127.5): one alert, raised once
    from sqlmodel import select

    from portal.energy import alerts
    from portal.energy.models import Alert

    furnace_year(session)
    readings.ingest(
        session, items=[RawReading("MF1", plant(2024, 1, 20), 1_380_000)], source="file"
    )
    entries.save_production(session, actor=ACTOR, line="alloy", month="2024-01", tonnes="100")
    session.commit()
    now = plant(2024, 1, 20, 1)
    assert alerts.evaluate(session, now_s=now) >= 1
    assert alerts.evaluate(session, now_s=now) == 0
    (alert,) = session.exec(
        select(Alert).where(Alert.rule_code == "specific_energy_above_baseline")
    ).all()
    assert alert.subject == "MF1" and alert.period == "2024-01"
    assert "1500.0 kWh/t, baseline 1025.0 kWh/t" in alert.message


def test_the_review_csv_is_headed_in_the_users_language(
    client: TestClient, session: Session
) -> None:
    furnace_year(session)
    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    url = "/energy/review.csv?quarter=2023-Q4"
    chinese = client.get(url, headers={"Accept-Language": "zh"}).content.decode("utf-8")
    assert chinese.startswith("\ufeff季度,设备,计量表,能源介质,单位,能源,吨数,每吨,基准每吨,")
    english = client.get(url).content.decode("utf-8")
    assert english.startswith("\ufeffQuarter,Equipment,Meter,Energy medium,Unit,Energy,Tonnes,")
    keys = client.get(url + "&headers=keys", headers={"Accept-Language": "zh"}).text
    header, row = keys.splitlines()[:2]
    assert header.startswith("quarter,equipment,meter,medium,unit,energy,tonnes,specific_per_t,")
    assert row.startswith("2023-Q4,Casthouse / Alloy line / Melting furnace 1,MF1,")
    page = client.get("/energy/review?quarter=2023-Q4", headers={"Accept-Language": "zh"}).text
    assert '<input type="hidden" name="quarter" value="2023-Q4">' in page
    assert 'formaction="/energy/review.csv" id="export-review-csv"' in page
