"""Readings through the one door: HTTP batches, idempotency, data quality, roll-ups, late data."""

from __future__ import annotations

import pytest
from energy_factory import make_meter, plant
from fastapi.testclient import TestClient
from helpers import make_user
from sqlmodel import Session, col, select

from portal.energy import readings, rollups
from portal.energy.models import Reading, ReadingIssue, Rollup
from portal.energy.readings import RawReading
from portal.security import create_api_token


def token_headers(session: Session, role: str = "esg") -> dict[str, str]:
    user = make_user(session, role)
    _token, plain = create_api_token(session, user, "gateway")
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


def hour_rollups(session: Session, meter_id: int) -> dict[str, float]:
    rows = session.exec(
        select(Rollup).where(Rollup.meter_id == meter_id, Rollup.grain == "h")
    ).all()
    return {row.period: round(row.measured + row.estimated, 6) for row in rows}


def test_http_batch_is_idempotent_and_answers_per_line_errors(
    client: TestClient, session: Session
) -> None:
    meter = make_meter(session, "EL-1")
    headers = token_headers(session)
    batch = [
        {"meter": "EL-1", "at": "2023-01-05T00:00:00+08:00", "value": 1000},
        {"meter": "EL-1", "at": "2023-01-05T01:00:00+08:00", "value": 1100},
        {"meter": "EL-1", "at": "2023-01-05T02:00", "value": 1.25, "unit": "MWh"},  # 1,250 kWh
        {"meter": "NOPE", "at": "2023-01-05T02:00:00+08:00", "value": 5},
        {"meter": "EL-1", "at": "2023-01-05T03:00:00+08:00", "value": 5, "unit": "Nm3"},
        {"meter": "EL-1", "at": "2023-01-05T03:00:00+08:00"},
    ]
    response = client.post("/api/v1/energy/readings", json={"readings": batch}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["stored"], body["unchanged"]) == (3, 0)
    assert [(e["index"], e["field"], e["kind"]) for e in body["errors"]] == [
        (3, "meter", "unknown_meter"),
        (4, "unit", "wrong_unit"),
        (5, "value", "invalid"),
    ]
    assert "NOPE" in body["errors"][0]["message"]
    # deltas 100 and 150 kWh fall in the hours 00 and 01 of 5 January (plant time)
    assert hour_rollups(session, meter.id or 0) == {"2023-01-05T00": 100.0, "2023-01-05T01": 150.0}

    again = client.post("/api/v1/energy/readings", json={"readings": batch[:3]}, headers=headers)
    assert again.json()["stored"] == 0 and again.json()["unchanged"] == 3

    other = {"meter": "EL-1", "at": "2023-01-05T01:00:00+08:00", "value": 1111}
    clash = client.post("/api/v1/energy/readings", json={"readings": [other]}, headers=headers)
    assert clash.json()["errors"][0]["kind"] == "conflicting_duplicate"
    kept = session.exec(select(Reading).where(Reading.meter_id == meter.id)).all()
    assert sorted(reading.value for reading in kept) == [1000.0, 1100.0, 1250.0]
    issues = session.exec(select(ReadingIssue.kind).order_by(col(ReadingIssue.id))).all()
    assert issues == ["unknown_meter", "wrong_unit", "conflicting_duplicate"]


def test_batches_need_a_token_and_a_feeding_role(client: TestClient, session: Session) -> None:
    make_meter(session)
    item = {"meter": "EL-1", "at": 1_700_000_000, "value": 1}
    assert client.post("/api/v1/energy/readings", json={"readings": [item]}).status_code == 401
    buyer = token_headers(session, "buyer")
    response = client.post("/api/v1/energy/readings", json={"readings": [item]}, headers=buyer)
    assert response.status_code == 403


def test_more_than_ten_thousand_readings_are_refused(client: TestClient, session: Session) -> None:
    headers = token_headers(session)
    items = [{"meter": "EL-1", "at": i, "value": 1} for i in range(10_001)]
    response = client.post("/api/v1/energy/readings", json={"readings": items}, headers=headers)
    assert response.status_code == 422


def test_rollover_and_replaced_meter_count_the_right_energy(session: Session) -> None:
    # 6-digit register (wraps at 1,000,000) × CT 10: 999,990 → 999,995 (5 × 10 = 50 kWh) →
    # wraps to 3 (1,000,000 − 999,995 + 3 = 8; × 10 = 80 kWh);
    # then the meter is replaced: the new one starts at 0 (nothing counted; no history yet
    # to estimate from) and reads 2 an hour later (20 kWh)
    meter = make_meter(session, "EL-R", multiplier=10, rollover_at=1000000)
    values = [999990, 999995, 3]
    items = [RawReading("EL-R", plant(2023, 3, 1, hour), v) for hour, v in enumerate(values)]
    items += [
        RawReading("EL-R", plant(2023, 3, 1, 3), 0, replaced=True),
        RawReading("EL-R", plant(2023, 3, 1, 4), 2),
    ]
    result = readings.ingest(session, items=items, source="file")
    session.commit()
    assert result.stored == 5
    stored = session.exec(
        select(Reading).where(Reading.meter_id == meter.id).order_by(col(Reading.at_s))
    ).all()
    assert [r.energy for r in stored] == [0.0, 50.0, 80.0, 0.0, 20.0]
    assert [r.flags for r in stored] == ["", "", "rollover", "replaced", ""]
    day = session.exec(select(Rollup).where(Rollup.meter_id == meter.id, Rollup.grain == "d")).one()
    assert (day.period, day.measured) == ("2023-03-01", 150.0)


def test_late_reading_corrects_the_hours_and_the_month(session: Session) -> None:
    # readings at 00:00, 01:00 and 03:00 (register 0, 10, 40): the 30 kWh from 01:00 to 03:00
    # are spread 15 + 15 and flagged as a gap. The 02:00 reading (register 35) arrives late:
    # the hours become 10, 25, 5 and the month stays 40 kWh
    meter = make_meter(session, "EL-L")
    first = [RawReading("EL-L", plant(2023, 4, 30, h), v) for h, v in ((0, 0), (1, 10), (3, 40))]
    readings.ingest(session, items=first, source="http")
    session.commit()
    hours = hour_rollups(session, meter.id or 0)
    assert (hours["2023-04-30T01"], hours["2023-04-30T02"]) == (15.0, 15.0)
    readings.ingest(session, items=[RawReading("EL-L", plant(2023, 4, 30, 2), 35)], source="http")
    session.commit()
    assert hour_rollups(session, meter.id or 0) == {
        "2023-04-30T00": 10.0,
        "2023-04-30T01": 25.0,
        "2023-04-30T02": 5.0,
    }
    late = session.exec(select(Reading).where(Reading.at_s == plant(2023, 4, 30, 2))).one()
    assert "late" in late.flags
    month = session.exec(select(Rollup).where(Rollup.grain == "m")).one()
    assert month.measured == pytest.approx(40.0)
    assert rollups.verify(session) == []


def test_verify_finds_and_fixes_drift(session: Session) -> None:
    meter = make_meter(session, "EL-V")
    items = [RawReading("EL-V", plant(2023, 5, 1, h), 10.0 * h) for h in range(4)]
    readings.ingest(session, items=items, source="http")
    session.commit()
    row = session.exec(select(Rollup).where(Rollup.grain == "d")).one()
    row.measured = 999.0
    session.add(row)
    session.commit()
    drifts = rollups.verify(session)
    assert [(d.grain, d.period, d.stored[0], d.recomputed[0]) for d in drifts] == [
        ("d", "2023-05-01", 999.0, 30.0)
    ]
    rollups.verify(session, fix=True)
    session.commit()
    assert rollups.verify(session) == []
    assert meter.id is not None


def test_readings_outside_service_dates_are_kept_as_issues(session: Session) -> None:
    make_meter(session, "EL-S", in_service_from="2024-01-01")
    result = readings.ingest(
        session, items=[RawReading("EL-S", plant(2023, 12, 31, 23), 5)], source="mqtt"
    )
    session.commit()
    assert result.stored == 0 and result.errors[0].kind == "out_of_service"
    assert session.exec(select(ReadingIssue.kind)).all() == ["out_of_service"]


def test_a_batch_mixing_a_late_reading_with_current_ones_corrects_each_meter(
    session: Session,
) -> None:
    # EL-A has 00:00, 01:00, 03:00 on 1 May (register 0, 10, 40) and EL-B a reading on 20 June.
    # One batch brings EL-A's late 02:00 (35) and EL-B's next hour (+7 kWh), seven weeks
    # apart: EL-A's hours become 10, 25, 5 and EL-B gets 7 kWh
    make_meter(session, "EL-A")
    make_meter(session, "EL-B")
    first = [RawReading("EL-A", plant(2023, 5, 1, h), v) for h, v in ((0, 0), (1, 10), (3, 40))]
    first.append(RawReading("EL-B", plant(2023, 6, 20, 8), 100))
    readings.ingest(session, items=first, source="http")
    session.commit()
    mixed = [
        RawReading("EL-B", plant(2023, 6, 20, 9), 107),
        RawReading("EL-A", plant(2023, 5, 1, 2), 35),
    ]
    result = readings.ingest(session, items=mixed, source="http")
    session.commit()
    assert result.stored == 2
    meter_a = session.exec(select(Reading.meter_id).where(Reading.at_s == plant(2023, 5, 1, 0)))
    assert hour_rollups(session, meter_a.one()) == {
        "2023-05-01T00": 10.0,
        "2023-05-01T01": 25.0,
        "2023-05-01T02": 5.0,
    }
    last_b = session.exec(select(Reading).where(Reading.at_s == plant(2023, 6, 20, 9))).one()
    assert last_b.energy == 7.0
    assert rollups.verify(session) == []
