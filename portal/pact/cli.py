"""`portal pact …` and `portal tls …`: PACT clients, publishing, the outbox, certificates."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

pact_app = typer.Typer(
    help="PACT exchange: clients, published footprints, owed events.", no_args_is_help=True
)
clients_app = typer.Typer(help="Customer companies' PACT clients.", no_args_is_help=True)
outbox_app = typer.Typer(help="Events owed to other PACT hosts.", no_args_is_help=True)
tls_app = typer.Typer(help="TLS certificates for serving HTTPS.", no_args_is_help=True)
hosts_app = typer.Typer(help="Suppliers' PACT hosts the portal pulls from.", no_args_is_help=True)
pact_app.add_typer(clients_app, name="clients")
pact_app.add_typer(hosts_app, name="hosts")
pact_app.add_typer(outbox_app, name="outbox")

ACTOR_LABEL = "command line"
HOST_SECRET_ENV = "PORTAL_PACT_HOST_SECRET"  # noqa: S105 - a variable name
CALLBACK_SECRET_ENV = "PORTAL_PACT_CALLBACK_SECRET"  # noqa: S105 - a variable name


def _fail(message: str, code: int = 2) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


@clients_app.command("create")
def clients_create(
    name: Annotated[str, typer.Argument(help="The customer company.")],
    callback_url: Annotated[
        str | None, typer.Option(help="The customer's PACT host (https://…) to answer requests at.")
    ] = None,
    callback_client_id: Annotated[
        str | None, typer.Option(help="The client id the customer's host gave the plant.")
    ] = None,
    supplier: Annotated[
        str | None,
        typer.Option(help="For a supplier's host: its Published events start a pull (code)."),
    ] = None,
) -> None:
    """Create a PACT client; its id and secret are printed once (the secret is stored hashed).

    The customer host's secret, if any, is read from PORTAL_PACT_CALLBACK_SECRET or asked for.
    """
    from portal.audit import Actor
    from portal.cli import _session
    from portal.errors import InvalidInput
    from portal.pact.auth import create_client

    secret = None
    if callback_client_id:
        secret = os.environ.get(CALLBACK_SECRET_ENV) or typer.prompt(
            "Secret of the customer's host", hide_input=True
        )
    with _session() as db:
        supplier_id = None
        if supplier:
            from sqlmodel import select

            from portal.suppliers.models import Supplier

            found = db.exec(select(Supplier).where(Supplier.code == supplier.upper())).first()
            if found is None:
                _fail(f"supplier: no supplier with code {supplier!r}")
                return
            supplier_id = found.id
        try:
            created = create_client(
                db,
                actor=Actor(label=f"{ACTOR_LABEL}: portal pact clients create"),
                name=name,
                callback_base_url=callback_url,
                callback_client_id=callback_client_id,
                callback_secret=secret,
                supplier_id=supplier_id,
            )
        except InvalidInput as invalid:
            _fail(f"{invalid.field}: {invalid.message}")
            return
        db.commit()
    typer.echo(f"client_id: {created.client.client_id}")
    typer.echo(f"client_secret: {created.secret}")
    typer.echo("Store the secret now: it is not shown again.", err=True)


@clients_app.command("list")
def clients_list() -> None:
    """List PACT clients: id, status, customer company."""
    from portal.cli import _session
    from portal.pact.auth import list_clients

    with _session() as db:
        for client in list_clients(db):
            status = "revoked" if client.revoked_at else "active"
            callback = client.callback_base_url or "-"
            typer.echo(f"{client.client_id}\t{status}\t{client.name}\t{callback}")


@clients_app.command("revoke")
def clients_revoke(
    client_id: Annotated[str, typer.Argument(help="The client id (pact-…).")],
) -> None:
    """Revoke a PACT client: its tokens stop working at once."""
    from portal.audit import Actor
    from portal.cli import _session
    from portal.errors import NotFound
    from portal.pact.auth import revoke_client

    with _session() as db:
        try:
            revoke_client(
                db,
                actor=Actor(label=f"{ACTOR_LABEL}: portal pact clients revoke"),
                client_id=client_id,
            )
        except NotFound as missing:
            _fail(f"client_id: {missing.message}")
        db.commit()
    typer.echo(f"revoked {client_id}")


@pact_app.command("publish")
def publish(
    line: Annotated[str, typer.Option(help="Product line code (alloy, extrusion).")],
    year: Annotated[int, typer.Option(help="The year whose figures are published.")],
) -> None:
    """Publish a product line's footprint for a year (an earlier one is deprecated)."""
    from portal.audit import Actor
    from portal.cli import _session
    from portal.errors import Conflict, InvalidInput
    from portal.pact.publishing import publish as publish_footprint

    with _session() as db:
        try:
            row = publish_footprint(
                db, actor=Actor(label=f"{ACTOR_LABEL}: portal pact publish"), line=line, year=year
            )
        except (InvalidInput, Conflict) as refused:
            _fail(f"{refused.field or 'year'}: {refused.message}")
            return
        db.commit()
        typer.echo(f"{row.id}\t{row.body['pcf']['pcfExcludingBiogenicUptake']} kgCO2e/kg")


@outbox_app.command("run")
def outbox_run(
    forever: Annotated[bool, typer.Option(help="Keep running, polling for new events.")] = False,
) -> None:
    """Deliver the events owed to other PACT hosts (once, or until stopped)."""
    import threading

    from portal.db import get_engine
    from portal.pact.config import get_pact_settings
    from portal.pact.outbox import run_forever, run_once

    if forever:
        run_forever(get_engine(), threading.Event(), get_pact_settings().outbox_poll_s)
        return
    counts = run_once(get_engine())
    typer.echo(", ".join(f"{status}: {n}" for status, n in sorted(counts.items())) or "nothing due")


@tls_app.command("self-signed")
def tls_self_signed(
    cert: Annotated[Path, typer.Option(help="Where to write the certificate (PEM).")] = Path(
        "var/tls/cert.pem"
    ),
    key: Annotated[
        Path, typer.Option(help="Where to write the private key (PEM, mode 600).")
    ] = Path("var/tls/key.pem"),
    host: Annotated[
        list[str] | None, typer.Option(help="Host name or IP the certificate names (repeatable).")
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=825, help="Days the certificate is valid.")] = 365,
) -> None:
    """A self-signed development certificate (for 127.0.0.1 and localhost unless --host)."""
    from portal.pact.tls import self_signed

    hosts = host or ["127.0.0.1", "localhost"]
    self_signed(cert, key, hosts=hosts, days=days)
    typer.echo(f"certificate {cert} and key {key} for {', '.join(hosts)}")


@hosts_app.command("set")
def hosts_set(
    supplier: Annotated[str, typer.Argument(help="Supplier code.")],
    url: Annotated[str, typer.Option(help="The supplier's PACT host (https://…).")],
    client_id: Annotated[str, typer.Option(help="The client id the supplier gave the plant.")],
    product: Annotated[
        list[str], typer.Option(help="URN=MATERIAL: which product is which material (repeatable).")
    ],
) -> None:
    """Set a supplier's PACT host; the secret (PORTAL_PACT_HOST_SECRET or asked) is encrypted."""
    from portal.audit import Actor
    from portal.cli import _session
    from portal.errors import InvalidInput, NotFound
    from portal.pact.pulling import set_host

    products = {}
    for item in product:
        urn, sep, material = item.rpartition("=")
        if not sep or not urn:
            _fail(f"product: {item!r} is not URN=MATERIAL")
        products[urn.strip()] = material.strip()
    secret = os.environ.get(HOST_SECRET_ENV) or typer.prompt("Secret", hide_input=True)
    with _session() as db:
        try:
            set_host(
                db,
                actor=Actor(label=f"{ACTOR_LABEL}: portal pact hosts set"),
                supplier_code=supplier,
                base_url=url,
                client_id=client_id,
                secret=secret,
                products=products,
            )
        except (InvalidInput, NotFound) as refused:
            _fail(f"{getattr(refused, 'field', None) or 'supplier'}: {refused.message}")
        db.commit()
    typer.echo(f"PACT host of {supplier.upper()} set: {url}")


@pact_app.command("pull")
def pull(
    supplier: Annotated[
        str | None, typer.Option(help="Only this supplier (default: every supplier with a host).")
    ] = None,
) -> None:
    """Pull suppliers' footprints into declarations (source PACT); exits 1 if any pull failed."""
    from portal.audit import Actor
    from portal.cli import _session
    from portal.db import get_engine
    from portal.errors import NotFound
    from portal.pact.pulling import pull as pull_supplier
    from portal.pact.pulling import suppliers_with_hosts

    if supplier:
        codes = [supplier]
    else:
        with _session() as db:
            codes = suppliers_with_hosts(db)
    failed = False
    for code in codes:
        try:
            report = pull_supplier(
                get_engine(),
                actor=Actor(label=f"{ACTOR_LABEL}: portal pact pull"),
                supplier_code=code,
            )
        except NotFound as missing:
            _fail(f"supplier: {missing.message}")
            return
        typer.echo(report.line())
        failed = failed or report.error is not None
    if failed:
        raise typer.Exit(1)
