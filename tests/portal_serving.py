"""`portal serve` in its own process on a test's database, started as an operator starts it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from portal.config import Settings

PORTAL = Path(sys.executable).parent / "portal"


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def portal_serve(
    settings: Settings,
    *,
    args: Sequence[str] = (),
    scheme: str = "http",
    env: Mapping[str, str] | None = None,
    verify: Any = True,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The portal served with ARGS until the block ends; its base URL and process.

    The server's output is written to the test's error stream when it stops, so a failing
    test shows it.
    """
    port = free_port()
    url = f"{scheme}://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "PORTAL_ENV": "test",
        "PORTAL_DATABASE_URL": settings.database_url,
        "PORTAL_DATA_DIR": str(settings.data_dir),
        "PORTAL_BASE_URL": url,
        **(env or {}),
    }
    log = (Path(settings.data_dir).parent / f"serve-{port}.log").open("w+b")
    process = subprocess.Popen(
        [str(PORTAL), "serve", "--port", str(port), *args],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1, verify=verify).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"portal serve did not start: {log.read()[-2000:]!r}")
            time.sleep(0.1)
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.seek(0)
        sys.stderr.write(log.read().decode(errors="replace")[-4000:])  # shown if the test fails
        log.close()
