"""A serving process's background threads (outboxes, job runner): started, woken, stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from portal.config import get_settings


@dataclass
class BackgroundThread:
    """A background thread, the event that stops it, and how to wake it from its wait."""

    thread: threading.Thread
    stop: threading.Event
    wake: Callable[[], None]
    join_s: float = 5.0

    def close(self) -> None:
        """Stop the thread and wait a moment for it."""
        self.stop.set()
        self.wake()
        self.thread.join(timeout=self.join_s)


def start(
    name: str,
    target: Callable[[threading.Event], None],
    *,
    wake: Callable[[], None],
    enabled: bool | None,
    join_s: float = 5.0,
) -> BackgroundThread | None:
    """Run TARGET(stop) in a daemon thread, unless ENABLED is False (None: on, except when
    PORTAL_ENV is test: tests start an app each and ask for the threads they need)."""
    if enabled is None:
        enabled = get_settings().env != "test"
    if not enabled:
        return None
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,), name=name, daemon=True)
    thread.start()
    return BackgroundThread(thread, stop, wake, join_s)
