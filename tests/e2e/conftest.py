"""Browser tests: a live portal on a free port, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from portal import config, db

CHROMIUM = os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("PORTAL_TEST_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test here as e2e."""
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium (Playwright's own download does not work here)."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """The portal served by uvicorn in a background thread."""

    def __init__(self, port: int) -> None:
        from portal.app import create_app

        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(
            uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        """Serve and wait until the port answers."""
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """Shut the server down."""
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(
    demo_sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    """A portal with demo data on a fresh copy of the demo's database and files."""
    path = tmp_path / "e2e.db"
    shutil.copy(demo_sqlite_template / "portal.db", path)
    if (demo_sqlite_template / "files").exists():
        shutil.copytree(demo_sqlite_template / "files", tmp_path / "files")
    port = _free_port()
    monkeypatch.setenv("PORTAL_ENV", "test")
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "files"))
    monkeypatch.setenv("PORTAL_BASE_URL", f"http://127.0.0.1:{port}")
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    server = LiveServer(port)
    server.start()
    yield server
    server.stop()
    db.get_engine().dispose()
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """English unless a test switches; a desktop-sized window."""
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 900}}
