"""The portal served by uvicorn in a subprocess on a loopback port, as in production."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def portal_server(
    env: Mapping[str, str],
    port: int,
    *,
    workers: int = 1,
    log_level: str = "warning",
    cwd: Path = ROOT,
) -> Iterator[subprocess.Popen[bytes]]:
    """The portal answering on HOST:PORT until the block ends (ready once /healthz answers).

    CWD is the source tree served (python -m puts it first on the path): another checkout
    serves that checkout's code.
    """
    command = [
        sys.executable, "-m", "uvicorn", "portal.app:create_app", "--factory",
        "--host", HOST, "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", log_level,
    ]  # fmt: skip
    server = subprocess.Popen(command, env=dict(env), cwd=cwd)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the portal did not start") from None
                time.sleep(0.2)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
