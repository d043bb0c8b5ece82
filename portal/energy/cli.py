"""`portal energy …`: meters from a file, the MQTT listener, roll-up verification, alerts."""

from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

energy_app = typer.Typer(
    help="The plant's energy: meters, readings over MQTT, roll-ups, alerts.",
    no_args_is_help=True,
)
meters_app = typer.Typer(help="The meter tree.", no_args_is_help=True)
energy_app.add_typer(meters_app, name="meters")
CLI_ACTOR_LABEL = "command line"


def _session() -> Session:
    from portal.db import get_engine

    return Session(get_engine(), expire_on_commit=False)


@meters_app.command("load")
def meters_load(
    file: Annotated[Path, typer.Argument(help="A .toml file of [[meters]] tables, or a .csv.")],
) -> None:
    """Create or update the meters of FILE (all or none); each change is audited."""
    from portal.audit import Actor
    from portal.energy.meters import FIELDS, load_file
    from portal.errors import InvalidInput

    if not file.is_file():
        typer.echo(f"{file}: no such file", err=True)
        raise typer.Exit(2)
    with _session() as db:
        try:
            counts, problems = load_file(
                db, actor=Actor(label=CLI_ACTOR_LABEL), name=file.name, content=file.read_bytes()
            )
        except InvalidInput as error:
            typer.echo(f"{file}: {error.message}", err=True)
            raise typer.Exit(1) from None
        if problems:
            typer.echo(f"{file}: refused, {len(problems)} problem(s); nothing saved:", err=True)
            for problem in problems:
                typer.echo(
                    f"  meter {problem.number} ({problem.code or '?'}) "
                    f"{problem.field or ''}: {problem.message}",
                    err=True,
                )
            typer.echo(f"fields: {', '.join(FIELDS)}", err=True)
            raise typer.Exit(1)
        db.commit()
    typer.echo(
        f"meters: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged"
    )


@meters_app.command("list")
def meters_list() -> None:
    """Print the meter tree."""
    from portal.energy.meters import all_meters

    with _session() as db:
        for meter in all_meters(db):
            path = " / ".join(
                p for p in (meter.site, meter.workshop, meter.line, meter.equipment) if p
            )
            typer.echo(f"{meter.code}\t{meter.medium} {meter.unit} {meter.kind}\t{path}")


@energy_app.command("listen")
def listen(
    host: Annotated[str, typer.Option(help="MQTT broker host.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="MQTT broker port.")] = 1883,
    prefix: Annotated[str, typer.Option(help="Topic prefix; subscribes to PREFIX/#.")] = (
        "portal/energy"
    ),
    client_id: Annotated[str, typer.Option(help="MQTT client id (persistent session).")] = (
        "portal-energy-listener"
    ),
) -> None:
    """Store readings from the plant's gateways over MQTT until stopped (Ctrl-C or SIGTERM)."""
    from portal.db import get_engine
    from portal.energy.mqtt import Listener

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stop.set())
    listener = Listener(get_engine(), host=host, port=port, prefix=prefix, client_id=client_id)
    listener.run(stop)
    typer.echo(f"stopped; {listener.stored} readings stored")


@energy_app.command("verify")
def verify(
    fix: Annotated[bool, typer.Option(help="Rewrite the roll-ups that drifted.")] = False,
) -> None:
    """Recompute the roll-ups from the readings and report any drift (exit 1 if some)."""
    from sqlmodel import Session

    from portal.db import maintenance_engine
    from portal.energy.rollups import verify as verify_rollups

    started = time.perf_counter()
    with maintenance_engine() as engine, Session(engine, expire_on_commit=False) as db:
        drifts = verify_rollups(db, fix=fix)
        if fix:
            db.commit()
    for drift in drifts[:50]:
        typer.echo(
            f"meter {drift.meter_id} {drift.grain} {drift.period}: stored "
            f"{drift.stored} recomputed {drift.recomputed}"
        )
    elapsed = time.perf_counter() - started
    if drifts:
        typer.echo(f"{len(drifts)} roll-up(s) drifted{'; fixed' if fix else ''} ({elapsed:.1f} s)")
        raise typer.Exit(0 if fix else 1)
    typer.echo(f"roll-ups match the readings ({elapsed:.1f} s)")


@energy_app.command("alerts")
def check_alerts() -> None:
    """Raise the silent-meter and intensity alerts due now; print the open ones."""
    from portal.energy import alerts

    with _session() as db:
        new = alerts.evaluate(db, now_s=int(time.time()))
        db.commit()
        still_open = alerts.open_alerts(db)
    typer.echo(f"{new} new alert(s); {len(still_open)} open")
    for alert in still_open:
        typer.echo(f"  #{alert.id} {alert.rule_code} {alert.message}")


@energy_app.command("simulate")
def simulate(
    minutes: Annotated[int, typer.Option(help="How long to publish (0: one round).")] = 0,
    every: Annotated[float, typer.Option(help="Seconds between rounds.")] = 5.0,
    host: Annotated[str, typer.Option(help="MQTT broker host.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="MQTT broker port.")] = 1883,
) -> None:
    """Publish readings for the demo meters over MQTT, one per meter and round, from their
    last stored register onward, as the plant's gateways would."""
    from sqlmodel import col, select

    from portal.energy.demo import DEMO_METERS
    from portal.energy.models import Meter, Reading
    from portal.energy.mqtt import publish

    with _session() as db:
        state: dict[str, tuple[float, float, float | None]] = {}
        for demo in DEMO_METERS:
            meter = db.exec(select(Meter).where(Meter.code == demo.code)).first()
            if meter is None or meter.kind == "manual":
                continue
            last = db.exec(
                select(Reading)
                .where(Reading.meter_id == meter.id)
                .order_by(col(Reading.at_s).desc())
                .limit(1)
            ).first()
            hourly = demo.year_total / 8760 / demo.multiplier
            state[demo.code] = (last.value if last else 0.0, hourly, demo.rollover_at)
    if not state:
        typer.echo("no demo meters: run `portal demo` first", err=True)
        raise typer.Exit(1)
    deadline = time.monotonic() + minutes * 60
    rounds = 0
    while True:
        now = time.time()
        batch = []
        for code, (value, hourly, rollover) in state.items():
            value += hourly * every / 3600 * 60  # a minute of use per round: the page moves
            if rollover is not None and value >= rollover:
                value -= rollover
            state[code] = (value, hourly, rollover)
            batch.append({"meter": code, "at": int(now), "value": round(value, 4)})
        publish(batch, host=host, port=port)
        rounds += 1
        if time.monotonic() >= deadline:
            break
        time.sleep(every)
    typer.echo(f"published {rounds} round(s) for {len(state)} meters")


@energy_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="An EMS export: CSV or XLSX, one reading a line.")],
    preview: Annotated[
        bool, typer.Option("--preview", help="Only show what the file would store.")
    ] = False,
) -> None:
    """Import an EMS export: preview every line, then store all of it or nothing (exit 1 and
    each refused line with its line number when any is refused). Audited; idempotent."""
    from portal.audit import Actor
    from portal.energy import imports
    from portal.errors import Conflict, InvalidInput

    if not file.is_file():
        typer.echo(f"{file}: no such file", err=True)
        raise typer.Exit(2)
    actor = Actor(label=CLI_ACTOR_LABEL)
    with _session() as db:
        try:
            record = imports.upload(
                db, actor=actor, user_id=None, filename=file.name, data=file.read_bytes()
            )
            db.commit()
        except InvalidInput as error:
            typer.echo(f"{file}: {error.message}", err=True)
            raise typer.Exit(1) from None
        typer.echo(
            f"{file}: {record.line_count} line(s): {record.new_count} new, "
            f"{record.unchanged_count} already stored, {record.flagged_count} flagged, "
            f"{record.error_count} refused (import #{record.id})"
        )
        if record.error_count:
            for line in imports.errors_of(record):
                typer.echo(f"  line {line['row']} {line['field']}: {line['message']}", err=True)
            typer.echo("nothing stored: correct the lines and import the file again", err=True)
            raise typer.Exit(1)
        if preview:
            typer.echo("preview only; nothing stored")
            return
        try:
            record = imports.confirm(db, actor=actor, import_id=record.id or 0)
            db.commit()
        except Conflict as error:
            typer.echo(f"{file}: {error.message}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"stored {record.new_count} reading(s) ({record.unchanged_count} already there)")
