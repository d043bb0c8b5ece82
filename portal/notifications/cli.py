"""`portal notify`: send owed notification emails once, or keep draining with --loop."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer


def notify_command(
    loop: Annotated[
        bool, typer.Option("--loop", help="Keep draining until stopped (Ctrl-C, SIGTERM).")
    ] = False,
    no_sweep: Annotated[
        bool, typer.Option("--no-sweep", help="Only send; skip the expiry and due-date sweeps.")
    ] = False,
) -> None:
    """Sweep for expiring declarations and due data requests, then mail what is owed."""
    from portal.db import get_engine
    from portal.notifications.outbox import run_forever, run_once

    engine = get_engine()
    if not loop:
        typer.echo(run_once(engine, sweep=not no_sweep).line())
        return
    stop = threading.Event()

    def _stop(*_args: object) -> None:
        stop.set()
        from portal.notifications.outbox import wake_drain

        wake_drain()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    typer.echo("draining notifications; stop with Ctrl-C")
    run_forever(engine, stop)
