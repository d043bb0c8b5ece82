"""MQTT ingest: does `portal energy listen` keep up with 5,000 messages/s through the broker?

    .venv/bin/python bench/energy_mqtt_bench.py [--postgres URL] [--rate 5000] [--seconds 30]

A real listener process (`portal energy listen`) subscribes on the machine's Mosquitto
(127.0.0.1:1883); a publisher sends one QoS 1 message per reading, as the plant's gateways do,
paced at RATE messages/s for SECONDS (200 meters, 15-minute registers). Prints the rate
reached by the publisher, the rate stored (messages published ÷ time from the first publish
until the last reading is in the database), the drain time after the last publish and each
reading's lag (stored at − published at, whole seconds: the readings table keeps seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datagen import backend_of, setup_environment
from energy_bench import STEP_S, cpu_seconds, prepare
from figures import Figure, table
from machine import describe

ROOT = Path(__file__).resolve().parent.parent
START_S = 1_704_038_400  # 2024-01-01 00:00 plant time


def stored_count(url: str) -> int:
    """Readings in the database now."""
    from sqlalchemy import text

    from portal.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM energy_reading")).scalar_one())
    finally:
        engine.dispose()


def received_seconds(url: str) -> list[tuple[str, int, int]]:
    """(meter code, at, received at) of every stored reading."""
    from sqlalchemy import text

    from portal.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT m.code, r.at_s, r.received_at_s FROM energy_reading r "
                    "JOIN energy_meter m ON m.id = r.meter_id"
                )
            ).all()
            return [(str(code), int(at), int(received)) for code, at, received in rows]
    finally:
        engine.dispose()


def run(url: str, meters: int, rate: int, seconds: float) -> list[Figure]:
    """The figures of one database."""
    import paho.mqtt.client as mqtt

    prepare(url, meters)
    setup_environment(url)
    prefix = f"bench/{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_ENV": "test"}
    log_path = ROOT / "var" / "bench" / f"energy-mqtt-listener-{backend_of(url)}.log"
    log = log_path.open("w")
    listener = subprocess.Popen(
        [sys.executable, "-c", "from portal.cli import app; app()", "energy", "listen",
         "--prefix", prefix, "--client-id", f"bench-{uuid.uuid4().hex[:8]}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "listening on" not in log_path.read_text():
            time.sleep(0.1)
        cpu_before = cpu_seconds(listener.pid)
        load = os.getloadavg()[0]
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        client.max_queued_messages_set(0)
        client.max_inflight_messages_set(1000)
        client.connect("127.0.0.1", 1883)
        client.loop_start()
        total = int(rate * seconds)
        published_at: dict[tuple[str, int], float] = {}
        infos = []
        started = time.time()
        tick = 0.01
        per_tick = max(1, round(rate * tick))
        sent = 0
        while sent < total:
            due = started + (sent / rate)
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            for _ in range(min(per_tick, total - sent)):
                meter = f"B{sent % meters:03d}"
                at = START_S + (sent // meters) * STEP_S
                payload = json.dumps({"at": at, "value": 10.0 * (sent // meters) + 1})
                infos.append(client.publish(f"{prefix}/{meter}", payload, qos=1))
                published_at[(meter, at)] = time.time()
                sent += 1
        publish_end = time.time()
        for info in infos:
            info.wait_for_publish(timeout=60)
        acked = time.time()
        client.loop_stop()
        client.disconnect()
        drain_deadline = time.monotonic() + 120
        count = 0
        while time.monotonic() < drain_deadline:
            count = stored_count(url)
            if count >= total:
                break
            time.sleep(0.05)
        stored_end = time.time()
        listener_cpu = cpu_seconds(listener.pid) - cpu_before
    finally:
        listener.terminate()
        try:
            listener.wait(timeout=30)
        except subprocess.TimeoutExpired:
            listener.kill()
        log.close()
    lags = [
        received - int(published_at[(code, at)])
        for code, at, received in received_seconds(url)
        if (code, at) in published_at
    ]
    name = backend_of(url)
    publish_rate = total / (publish_end - started)
    stored_rate = count / (stored_end - started)
    drain = stored_end - publish_end
    kept_up = count >= total and stored_rate >= 0.95 * rate and drain < 2.0
    p50 = statistics.median(lags) if lags else float("nan")
    return [
        Figure(f"energy MQTT ({name})", f"published, QoS 1, {total:,} messages",
               f"{publish_rate:,.0f} msg/s", f"broker acked {acked - publish_end:.2f} s later",
               f"{rate:,} msg/s", None),
        Figure(f"energy MQTT ({name})", "stored by `portal energy listen`",
               f"{stored_rate:,.0f} readings/s ({count:,} of {total:,}); listener "
               f"{listener_cpu:.1f} CPU s = {count / max(listener_cpu, 1e-9):,.0f} per CPU s; "
               f"load {load:.1f}",
               f"drained {drain:.2f} s after the last publish",
               f"keeps up with {rate:,}/s (≥ 95 %, drained < 2 s)", kept_up),
        Figure(f"energy MQTT ({name})", "lag per reading (stored − published, whole s)",
               f"median {p50:.0f} s, max {max(lags) if lags else 0} s", "—", "—", None),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("PORTAL_BENCH_POSTGRES_URL"))
    parser.add_argument("--meters", type=int, default=200)
    parser.add_argument("--rate", type=int, default=5000, help="messages per second")
    parser.add_argument(
        "--seconds",
        type=float,
        default=30.0,
        help="long enough that the last second's drain is small",
    )
    args = parser.parse_args()
    urls = [f"sqlite:///{ROOT / 'var/bench/energy-mqtt.db'}"]
    if args.postgres:
        urls.append(args.postgres)
    print(describe())
    figures: list[Figure] = []
    for url in urls:
        figures += run(url, args.meters, args.rate, args.seconds)
    print(table(figures))


if __name__ == "__main__":
    main()
