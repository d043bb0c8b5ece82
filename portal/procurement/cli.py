"""`portal purchases …`: the purchase ledger from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

purchases_app = typer.Typer(help="The purchase ledger.", no_args_is_help=True)


@purchases_app.command("delete")
def delete_command(
    purchase_id: Annotated[int, typer.Argument(help="The purchase's id.", min=1, max=2**31 - 1)],
    reason: Annotated[str, typer.Option("--reason", help="Why it goes (kept in the audit trail).")],
) -> None:
    """Delete a purchase recorded by mistake; its summaries change in the same transaction."""
    from sqlmodel import Session

    from portal.audit import Actor
    from portal.db import get_engine
    from portal.errors import InvalidInput, NotFound
    from portal.procurement.recording import delete_purchase

    with Session(get_engine()) as db:
        try:
            gone = delete_purchase(
                db, actor=Actor(label="command line"), purchase_id=purchase_id, reason=reason
            )
        except NotFound:
            typer.echo(f"purchase_id: no purchase {purchase_id}", err=True)
            raise typer.Exit(2) from None
        except InvalidInput as invalid:
            typer.echo(f"{invalid.field}: {invalid.message}", err=True)
            raise typer.Exit(2) from None
        db.commit()
    typer.echo(f"deleted purchase {purchase_id} (PO {gone.po_number}/{gone.po_line})")


@purchases_app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(help="The ERP export (CSV or XLSX).", exists=True, dir_okay=False),
    ],
    as_email: Annotated[
        str,
        typer.Option("--as", help="The buyer the import and its purchases are recorded for."),
    ],
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Store the new lines when none is invalid.")
    ] = False,
    language: Annotated[
        str, typer.Option("--language", help="Language of the messages: en or zh.")
    ] = "en",
    shown: Annotated[
        int, typer.Option("--show", help="Invalid lines printed with their errors.", min=0)
    ] = 10,
) -> None:
    """Check an ERP export as the import page does, with a progress bar; --confirm stores it.

    Checking commits a batch at a time; storing is one transaction: Ctrl-C (or any failure)
    while storing leaves none of the file's purchases, and while checking an import that can
    only be uploaded again.
    """
    from portal.i18n import current_locale
    from portal.procurement import foreground

    if language not in ("en", "zh"):
        typer.echo("language: en or zh", err=True)
        raise typer.Exit(2)
    current_locale.set(language)
    raise typer.Exit(foreground.run_import(file, as_email=as_email, confirm=confirm, shown=shown))
