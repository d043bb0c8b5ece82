"""What the suite saw of database work on a serving event loop (the guard's record)."""

from __future__ import annotations

from portal import db

# Database work on an event-loop thread blocks every request of the process, and freezes it
# for good when it waits on a lock held by a request that needs the loop to commit.
violations: list[str] = []
db.watch_event_loop_use(violations.append)
