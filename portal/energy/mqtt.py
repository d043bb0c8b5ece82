"""MQTT listener at the edge: readings from the plant's gateways, through the same door.

Topic `<prefix>/<meter code>` (default prefix `portal/energy`), QoS 1. Payload: a JSON object
`{"at": "2026-12-03T10:15:00+08:00", "value": 123456.7, "unit": "kWh", "replaced": false}`
or an array of such objects; on `<prefix>/batch` each object also names its `meter`. Messages
are gathered for up to FLUSH_S seconds (or MAX_PENDING readings) and stored in one
transaction. The client keeps a persistent session and reconnects on its own (1 s to 30 s
back-off), so messages sent while it was away arrive when it is back.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal.db import utcnow
from portal.energy import alerts
from portal.energy.api import ingest_items
from portal.energy.readings import ISSUE_TABLE

log = logging.getLogger("portal.energy.mqtt")
DEFAULT_PREFIX = "portal/energy"
FLUSH_S = 0.5
MAX_PENDING = 10_000
ALERTS_EVERY_S = 60.0
MAX_PAYLOAD = 1_000_000
RECEIVE_MAXIMUM = 65_535
SESSION_EXPIRY_S = 7 * 86400  # messages sent while the listener is away wait a week


class Listener:
    """Gathers MQTT messages into readings and stores them in batches."""

    def __init__(
        self,
        engine: Engine,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        prefix: str = DEFAULT_PREFIX,
        client_id: str = "portal-energy-listener",
        on_flush: Callable[[int], None] | None = None,
    ) -> None:
        self.engine = engine
        self.host, self.port, self.prefix = host, port, prefix.rstrip("/")
        self.client_id = client_id
        self.on_flush = on_flush
        self.pending: list[Any] = []
        self.raw: list[tuple[str, bytes]] = []
        self.bad: list[dict[str, object]] = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.stored = 0

    def receive(self, topic: str, payload: bytes) -> None:
        """One message as it arrives, kept for the next flush to read: the broker's network
        thread must acknowledge thousands of messages a second, so it does nothing else."""
        with self.lock:
            self.raw.append((topic, payload))

    def handle(self, topic: str, payload: bytes) -> None:
        """One message: its readings join the pending batch; a malformed one is kept as an issue."""
        meter = topic[len(self.prefix) + 1 :] if topic.startswith(self.prefix + "/") else ""
        try:
            if len(payload) > MAX_PAYLOAD:
                raise ValueError("message too large")
            data = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as error:
            with self.lock:
                self.bad.append(
                    {
                        "received_at": utcnow(),
                        "source": "mqtt",
                        "kind": "invalid",
                        "meter_code": meter[:64],
                        "unit": "",
                        "message": f"{topic}: not a JSON reading ({error})"[:300],
                    }
                )
            return
        items = data if isinstance(data, list) else [data]
        if meter != "batch":
            items = [{**item, "meter": meter} if isinstance(item, dict) else item for item in items]
        with self.lock:
            self.pending.extend(items)

    def flush(self) -> int:
        """Store what is pending in one transaction; how many readings were stored."""
        with self.lock:
            raw, self.raw = self.raw, []
        for topic, payload in raw:
            self.handle(topic, payload)
        with self.lock:
            items, self.pending = self.pending, []
            bad, self.bad = self.bad, []
        if not items and not bad:
            return 0
        try:
            with Session(self.engine, expire_on_commit=False) as db:
                stored = 0
                for start in range(0, len(items), MAX_PENDING):
                    stored += ingest_items(
                        db, items[start : start + MAX_PENDING], source="mqtt"
                    ).stored
                if bad:
                    db.execute(insert(ISSUE_TABLE), bad)
                db.commit()
        except Exception:
            log.exception("could not store %d readings; retrying", len(items))
            with self.lock:  # keep them: nothing received is lost
                self.pending[:0] = items
                self.bad[:0] = bad
            return 0
        self.stored += stored
        if self.on_flush:
            self.on_flush(stored)
        return stored

    def check_alerts(self) -> None:
        """Raise the silent-meter and intensity alerts due now."""
        with Session(self.engine) as db:
            alerts.evaluate(db, now_s=int(time.time()))
            db.commit()

    def run(self, stop: threading.Event) -> None:
        """Listen until STOP is set, reconnecting whenever the broker goes away."""
        import paho.mqtt.client as mqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        # MQTT 5, so the broker may send as many unacknowledged messages as we can take
        # (receive maximum) instead of its default of 20 in flight, beyond which it queues
        # (and past its queue limit drops) messages; the session outlives a disconnection.
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv5
        )
        properties = Properties(PacketTypes.CONNECT)
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        client.reconnect_delay_set(min_delay=1, max_delay=30)

        def on_connect(client: Any, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
            if reason.is_failure:
                log.warning("broker refused the connection: %s", reason)
                return
            client.subscribe(self.prefix + "/#", qos=1)  # again after every reconnect
            self.connected.set()
            log.info("listening on %s:%s %s/#", self.host, self.port, self.prefix)

        def on_disconnect(*_args: Any) -> None:
            self.connected.clear()
            log.warning("disconnected from the broker; reconnecting")

        client.on_connect = on_connect
        client.on_disconnect = on_disconnect
        client.on_message = lambda _c, _u, message: self.receive(
            message.topic, bytes(message.payload)
        )
        client.connect_async(
            self.host, self.port, keepalive=30, clean_start=False, properties=properties
        )
        # Hand the interpreter to the network thread often while a batch is being stored,
        # so acknowledgements never wait long enough for the broker to queue (and at its
        # limit drop) messages.
        sys.setswitchinterval(0.0005)
        client.loop_start()
        next_alerts = time.monotonic() + ALERTS_EVERY_S
        try:
            while not stop.wait(FLUSH_S):
                self.flush()
                if time.monotonic() >= next_alerts:
                    next_alerts = time.monotonic() + ALERTS_EVERY_S
                    try:
                        self.check_alerts()
                    except Exception:
                        log.exception("alert check failed")
        finally:
            client.loop_stop()
            client.disconnect()
            self.flush()


def publish(
    readings: list[dict[str, Any]],
    *,
    host: str = "127.0.0.1",
    port: int = 1883,
    prefix: str = DEFAULT_PREFIX,
) -> None:
    """Publish readings (each naming its meter) as a gateway would: one message per reading."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.connect(host, port)
    client.loop_start()
    try:
        infos = [
            client.publish(
                f"{prefix}/{item['meter']}",
                json.dumps({key: value for key, value in item.items() if key != "meter"}),
                qos=1,
            )
            for item in readings
        ]
        for info in infos:
            info.wait_for_publish(timeout=10)
    finally:
        client.loop_stop()
        client.disconnect()
