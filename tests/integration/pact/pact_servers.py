"""Real servers on loopback for the PACT tests: `portal serve` over TLS, a callback receiver."""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from portal_serving import free_port, portal_serve

from portal.config import Settings
from portal.pact.tls import self_signed


@dataclass(frozen=True)
class Tls:
    """A certificate for 127.0.0.1 and its key."""

    cert: Path
    key: Path

    def context(self) -> ssl.SSLContext:
        """A client context trusting only this certificate."""
        return ssl.create_default_context(cafile=str(self.cert))


def make_tls(directory: Path) -> Tls:
    """A fresh self-signed certificate in DIRECTORY."""
    tls = Tls(directory / "cert.pem", directory / "key.pem")
    self_signed(tls.cert, tls.key, hosts=["127.0.0.1", "localhost"], days=2)
    return tls


@contextmanager
def portal_over_tls(settings: Settings, tls: Tls, **env: str) -> Iterator[str]:
    """`portal serve --tls-cert --tls-key` on this test's database; its https:// base URL."""
    pact_env = {
        "PORTAL_PACT_DOMAIN": "plant.example",
        "PORTAL_PACT_CA_FILE": str(tls.cert),
        "PORTAL_PACT_OUTBOX_IN_APP": "1",
        "PORTAL_PACT_OUTBOX_POLL_S": "0.5",
        **env,
    }
    with portal_serve(
        settings,
        args=["--tls-cert", str(tls.cert), "--tls-key", str(tls.key)],
        scheme="https",
        env=pact_env,
        verify=tls.context(),
    ) as (url, _process):
        yield url


@dataclass
class Receiver:
    """A data recipient's PACT host, as far as answers to its requests go."""

    url: str
    client_id: str
    secret: str
    events: list[dict[str, Any]] = field(default_factory=list)
    token_requests: int = 0
    refuse_events: int = 0  # answer this many event posts with 503 first
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[dict[str, Any]]:
        """The first COUNT events received, waiting up to TIMEOUT_S for them."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.events) >= count, timeout=timeout_s)
            assert len(self.events) >= count, f"{len(self.events)} of {count} events arrived"
            return list(self.events)


@contextmanager
def receiver(tls: Tls) -> Iterator[Receiver]:
    """A TLS server on loopback that issues tokens and records the events posted to it."""
    port = free_port()
    state = Receiver(f"https://127.0.0.1:{port}", "plant-at-receiver", secrets.token_urlsafe(16))
    tokens: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            return

        def _answer(self, status: int, body: dict[str, Any] | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            authorization = self.headers.get("Authorization", "")
            if self.path == "/auth/token":
                expected = base64.b64encode(f"{state.client_id}:{state.secret}".encode()).decode()
                state.token_requests += 1
                if authorization != f"Basic {expected}" or b"client_credentials" not in body:
                    self._answer(400, {"code": "BadRequest", "message": "bad credentials"})
                    return
                token = secrets.token_urlsafe(16)
                tokens.add(token)
                self._answer(200, {"access_token": token, "token_type": "bearer"})
                return
            if self.path in ("/3/events", "/2/events"):
                if authorization.removeprefix("Bearer ") not in tokens:
                    self._answer(401, {"code": "BadRequest", "message": "bad token"})
                    return
                if self.headers.get("Content-Type") != "application/cloudevents+json":
                    self._answer(400, {"code": "BadRequest", "message": "media type"})
                    return
                if state.refuse_events > 0:
                    state.refuse_events -= 1
                    self._answer(503, {"code": "InternalError", "message": "busy"})
                    return
                with state.arrived:
                    state.events.append({"path": self.path, **json.loads(body)})
                    state.arrived.notify_all()
                self._answer(200)
                return
            self._answer(404, {"code": "NotFound", "message": "no such path"})

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tls.cert), str(tls.key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Scripted:
    """A supplier's PACT host that answers the footprint list as a test says."""

    url: str
    status: int = 200
    pages: list[list[dict[str, Any]]] = field(default_factory=list)
    delay_s: float = 0.0
    link_host: str | None = None  # send Link headers to this origin instead of its own
    lists: int = 0


@contextmanager
def scripted_host(tls: Tls) -> Iterator[Scripted]:
    """A TLS PACT host on loopback: any credentials get a token, lists are as scripted."""
    port = free_port()
    state = Scripted(f"https://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            return

        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._answer(200, {"access_token": "t", "token_type": "bearer"})

        def do_GET(self) -> None:
            state.lists += 1
            if state.delay_s:
                time.sleep(state.delay_s)
            if state.status != 200:
                self._answer(state.status, {"code": "BadRequest", "message": "no"})
                return
            page = int(self.path.rsplit("page=", 1)[1]) if "page=" in self.path else 0
            headers = {}
            if page + 1 < len(state.pages):
                origin = state.link_host or state.url
                headers["Link"] = f'<{origin}/3/footprints?page={page + 1}>; rel="next"'
            self._answer(200, {"data": state.pages[page] if state.pages else []}, headers)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tls.cert), str(tls.key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
