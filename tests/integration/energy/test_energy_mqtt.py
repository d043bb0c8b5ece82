"""MQTT through the machine's real Mosquitto broker on 127.0.0.1:1883."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from energy_factory import make_meter, plant
from sqlmodel import Session, col, select

from portal import config, db
from portal.energy.models import Reading, ReadingIssue
from portal.energy.mqtt import Listener, publish

ROOT = Path(__file__).parents[3]


@pytest.fixture(autouse=True)
def broker() -> None:
    try:
        socket.create_connection(("127.0.0.1", 1883), timeout=2).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("no MQTT broker on 127.0.0.1:1883 (.ci/run starts mosquitto)")
        pytest.skip("no MQTT broker on 127.0.0.1:1883")


def wait_for(check, timeout_s: float = 15.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    return check()


def stored(session: Session, meter_id: int) -> list[tuple[int, float, str]]:
    table = Reading.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        select(table.c.at_s, table.c.value, table.c.source)
        .where(table.c.meter_id == meter_id)
        .order_by(table.c.at_s)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_listener_stores_gateway_messages_and_keeps_bad_ones(
    session: Session, settings: config.Settings
) -> None:
    meter = make_meter(session, "MQ-1")
    prefix = f"test/{uuid.uuid4().hex}"
    listener = Listener(db.get_engine(), prefix=prefix, client_id=f"t-{uuid.uuid4().hex}")
    stop = threading.Event()
    thread = threading.Thread(target=listener.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert listener.connected.wait(10), "listener did not connect"
        publish(
            [
                {"meter": "MQ-1", "at": plant(2023, 6, 1, 0), "value": 100.0},
                {"meter": "MQ-1", "at": plant(2023, 6, 1, 1), "value": 160.0},
                {"meter": "MQ-1", "at": plant(2023, 6, 1, 1), "value": 160.0},  # resent
            ],
            prefix=prefix,
        )
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        client.connect("127.0.0.1", 1883)
        client.loop_start()
        client.publish(f"{prefix}/MQ-1", b"not json", qos=1).wait_for_publish(5)
        client.loop_stop()
        client.disconnect()
        rows = wait_for(lambda: len(stored(session, meter.id or 0)) == 2)
        assert rows
        issues = wait_for(lambda: session.exec(select(ReadingIssue)).all())
    finally:
        stop.set()
        thread.join(10)
    assert [(at, value) for at, value, _source in stored(session, meter.id or 0)] == [
        (plant(2023, 6, 1, 0), 100.0),
        (plant(2023, 6, 1, 1), 160.0),
    ]
    assert {source for _at, _value, source in stored(session, meter.id or 0)} == {"mqtt"}
    assert [(i.kind, i.meter_code) for i in issues] == [("invalid", "MQ-1")]


def test_portal_energy_listen_runs_as_its_own_process(
    session: Session, settings: config.Settings
) -> None:
    meter = make_meter(session, "MQ-2")
    prefix = f"test/{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": settings.database_url,
        "PORTAL_ENV": "test",
        "PORTAL_DATA_DIR": str(settings.data_dir),
    }
    command = [sys.executable, "-c", "from portal.cli import app; app()", "energy", "listen"]
    process = subprocess.Popen(
        [*command, "--prefix", prefix, "--client-id", f"t-{uuid.uuid4().hex}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.extend(iter(process.stdout.readline, "")),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    try:
        # QoS 1 on a persistent session: once subscribed, nothing published is missed
        assert wait_for(lambda: any("listening on" in line for line in lines), 60), lines
        publish(
            [{"meter": "MQ-2", "at": f"2023-06-01T0{h}:00:00+08:00", "value": 10.0 * h}
             for h in range(4)],
            prefix=prefix,
        )  # fmt: skip
        assert wait_for(lambda: len(stored(session, meter.id or 0)) == 4, 30)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        reader.join(10)
    output = "".join(lines)
    assert process.returncode == 0, output
    assert "stopped; 4 readings stored" in output
    session.expire_all()
    rows = session.exec(select(Reading).where(col(Reading.meter_id) == meter.id)).all()
    assert sorted(row.energy for row in rows) == [0.0, 10.0, 10.0, 10.0]
