"""An energy alert is mailed once to each ESG user through the outbox and waits in their inbox."""

from __future__ import annotations

from energy_factory import make_meter
from fastapi.testclient import TestClient
from helpers import make_user, sign_in
from sqlmodel import Session, col, select

from portal.energy import alerts, readings
from portal.energy.models import Alert
from portal.energy.readings import RawReading
from portal.notifications.models import Notification


def test_a_raised_alert_is_mailed_once_and_listed_in_the_esg_inbox(
    backend: str, client: TestClient, session: Session
) -> None:
    esg = make_user(session, "esg")
    other = make_user(session, "esg", email="esg2@example.com")
    make_user(session, "buyer")  # buyers are not told
    make_meter(session, "EL-2", max_rate_per_h=100)
    base = 1_700_000_000 // 3600 * 3600
    # 10 → 500 kWh in an hour is above the meter's 100 kWh/h: impossible, one alert; the second
    # batch flags the same meter on the same day again: still the same alert, no new mail
    for start, values in ((base, [0, 10, 500]), (base + 3 * 3600, [600, 1100])):
        items = [RawReading("EL-2", start + i * 3600, v) for i, v in enumerate(values)]
        alerts.on_ingested(session, readings.ingest(session, items=items, source="http"))
        session.commit()
    raised = session.exec(select(Alert)).all()
    assert len(raised) == 1
    mails = session.exec(
        select(Notification)
        .where(Notification.kind == "energy.alert")
        .order_by(col(Notification.user_id))
    ).all()
    assert [m.user_id for m in mails] == [esg.id, other.id]  # one each, once
    assert all(m.link == "/energy/alerts" and m.email_state == "pending" for m in mails)
    assert "EL-2" in mails[0].subject + mails[0].body

    sign_in(client, "esg@example.com")
    home = client.get("/")
    assert home.status_code == 200 and 'id="inbox-energy-alerts"' in home.text
    assert raised[0].message in home.text
