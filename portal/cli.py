"""The `portal` command."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from sqlmodel import Session, select

from portal.catalog.revisions import files_for_command
from portal.checking import cli as checking_cli
from portal.checking.cli import rules_app
from portal.config import get_settings
from portal.energy.cli import energy_app
from portal.notifications.cli import notify_command
from portal.pact.cli import pact_app, tls_app
from portal.pdfreading.cli import pdf_app
from portal.procurement.cli import purchases_app
from portal.tracking.cli import report_command, tracking_app

app = typer.Typer(
    help="Supplier Carbon Portal: serve, migrate, load demo data, manage users.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for the JSON API.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
files_app = typer.Typer(
    help="Evidence files (in PostgreSQL, or on disk with SQLite).", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
app.add_typer(files_app, name="files")
app.add_typer(rules_app, name="rules")
checking_cli.stored_revisions = files_for_command
app.add_typer(pdf_app, name="pdf")
app.add_typer(energy_app, name="energy")
app.add_typer(pact_app, name="pact")
app.add_typer(tls_app, name="tls")
app.command("report")(report_command)
app.add_typer(tracking_app, name="tracking")
app.add_typer(purchases_app, name="purchases")
app.command("notify")(notify_command)

CLI_ACTOR_LABEL = "command line"


class FileStore(StrEnum):
    """Where `portal files migrate` moves evidence files."""

    DATABASE = "database"
    DISK = "disk"


def _session() -> Session:
    from portal.db import get_engine

    return Session(get_engine(), expire_on_commit=False)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
    tls_cert: Annotated[
        str | None, typer.Option(help="TLS certificate (PEM): serve HTTPS, as PACT requires.")
    ] = None,
    tls_key: Annotated[str | None, typer.Option(help="The certificate's private key.")] = None,
) -> None:
    """Serve the portal over HTTP, or HTTPS with --tls-cert and --tls-key."""
    import uvicorn

    get_settings()  # refuse to start with bad settings before binding the port
    if (tls_cert is None) != (tls_key is None):
        _fail("tls: give both --tls-cert and --tls-key", 2)
    _settle_base_url(host, port, tls=tls_cert is not None)
    uvicorn.run(
        "portal.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        access_log=False,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
    )


def _settle_base_url(host: str, port: int, *, tls: bool) -> None:
    """Links follow the served address unless PORTAL_BASE_URL is set; warn if that differs."""
    import os

    from portal.notifications.links import mismatch, served_url

    if not os.environ.get("PORTAL_BASE_URL"):
        os.environ["PORTAL_BASE_URL"] = served_url(host, port, tls=tls)  # workers inherit it
        get_settings.cache_clear()
        typer.echo(f"links in emails lead to {get_settings().base_url}", err=True)
        return
    warning = mismatch(get_settings().base_url, host, port, tls=tls)
    if warning:
        typer.echo(warning, err=True)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the database to the newest schema (or REVISION)."""
    from portal.migrations import upgrade

    upgrade(revision=revision)
    typer.echo(f"database at {revision}")


@app.command()
def demo() -> None:
    """Load demo data (idempotent): sign-ins for every role, suppliers and their records."""
    from portal.demo import DEMO_PASSWORD, load_demo

    with _session() as db:
        added = load_demo(db)
        db.commit()
    typer.echo(
        f"demo data ready ({len(added)} records added); "
        f"password for every demo sign-in: {DEMO_PASSWORD}"
    )


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="Sign-in email.")],
    role: Annotated[str, typer.Option(help="supplier, buyer, esg or admin.")],
    supplier: Annotated[
        str | None, typer.Option(help="Supplier code (supplier users only).")
    ] = None,
    name: Annotated[str, typer.Option(help="Full name.")] = "",
    password: Annotated[str | None, typer.Option(help="Password (asked for if omitted).")] = None,
) -> None:
    """Create a user who can sign in at once."""
    from portal.accounts.service import create_user
    from portal.audit import Actor
    from portal.errors import InvalidInput
    from portal.suppliers.models import Supplier

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session() as db:
        supplier_id = None
        if supplier:
            found = db.exec(select(Supplier).where(Supplier.code == supplier.upper())).first()
            if found is None:
                _fail(f"supplier: no supplier with code {supplier!r}", 2)
            assert found is not None
            supplier_id = found.id
        try:
            user = create_user(
                db,
                actor=Actor(label=CLI_ACTOR_LABEL),
                email=email,
                password=password or "",
                full_name=name,
                role=role,
                supplier_id=supplier_id,
            )
        except InvalidInput as invalid:
            _fail(f"{invalid.field}: {invalid.message}", 2)
        db.commit()
        typer.echo(f"created {user.email} ({user.role})")


@tokens_app.command("create")
def tokens_create(
    email: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'ERP'.")],
) -> None:
    """Create an API token; it is printed once and only its hash is stored."""
    from portal import audit
    from portal.accounts.models import User
    from portal.security import create_api_token

    with _session() as db:
        user = db.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None or not user.is_active:
            _fail(f"email: no active user {email!r}", 2)
        assert user is not None
        token, plain = create_api_token(db, user, name[:100])
        audit.record(
            db,
            actor=audit.Actor(label=CLI_ACTOR_LABEL),
            action="api_token.created",
            entity_type="api_token",
            entity_id=token.id,
            after={"name": token.name, "prefix": token.prefix, "user_id": user.id},
        )
        db.commit()
    typer.echo(plain)
    typer.echo("Store this token now: it is not shown again.", err=True)


@tokens_app.command("revoke")
def tokens_revoke(
    prefix: Annotated[str, typer.Argument(help="The token's first characters (pcp_…).")],
) -> None:
    """Revoke API tokens whose value starts with PREFIX."""
    from portal.accounts.models import ApiToken
    from portal.accounts.service import revoke_token
    from portal.audit import Actor

    with _session() as db:
        tokens = db.exec(select(ApiToken).where(ApiToken.prefix == prefix[:10])).all()
        if not tokens:
            _fail(f"prefix: no token starts with {prefix!r}", 2)
        for token in tokens:
            assert token.id is not None
            revoke_token(db, actor=Actor(label=CLI_ACTOR_LABEL), token_id=token.id)
        db.commit()
    typer.echo(f"revoked {len(tokens)} token(s)")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit trail's hash chain; exits 1 at the first broken entry."""
    from portal.audit import verify_chain

    with _session() as db:
        report = verify_chain(db)
    typer.echo(
        json.dumps(
            {
                "entries": report.entries,
                "ok": report.ok,
                "broken_at": report.broken_at,
                "problem": report.problem,
            }
        )
    )
    if not report.ok:
        sys.exit(1)


@files_app.command("gc")
def files_gc(
    min_age_minutes: Annotated[
        int, typer.Option(min=0, help="Leave files younger than this alone (a writer may be busy).")
    ] = 60,
) -> None:
    """Remove temporary and unreferenced evidence files left by crashes; print what went."""
    from datetime import timedelta
    from pathlib import Path

    from portal.audit import Actor
    from portal.db import get_engine
    from portal.declarations.leftovers import sweep

    report = sweep(
        data_dir=Path(get_settings().data_dir),
        engine=get_engine(),
        actor=Actor(label=f"{CLI_ACTOR_LABEL}: portal files gc"),
        min_age=timedelta(minutes=min_age_minutes),
    )
    for line in report.lines():
        typer.echo(line)


@files_app.command("migrate")
def files_migrate(
    to: Annotated[
        FileStore,
        typer.Option(
            "--to", help="Where the files go: `database` (PostgreSQL only) or `disk` (data_dir)."
        ),
    ],
) -> None:
    """Move every evidence file to the database or to disk, verifying each file's SHA-256."""
    from pathlib import Path

    from portal.audit import Actor
    from portal.db import get_engine
    from portal.declarations import filestore
    from portal.declarations.filemoves import CannotMove, migrate

    settings = get_settings()
    try:
        report = migrate(
            data_dir=Path(settings.data_dir),
            engine=get_engine(),
            actor=Actor(label=f"{CLI_ACTOR_LABEL}: portal files migrate --to {to}"),
            to="database" if to is FileStore.DATABASE else "disk",
        )
    except CannotMove as error:
        _fail(f"files migrate: {error}", 2)
        return
    for line in report.lines():
        typer.echo(line)
    if filestore.store_of(settings) != report.to:
        typer.echo(
            f"note: new uploads still go to the {filestore.store_of(settings)}; "
            f"set PORTAL_FILE_STORE={report.to} to keep them on the {report.to}"
        )
    if report.refused:
        sys.exit(1)
