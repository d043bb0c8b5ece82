"""`portal purchases …`: the purchase ledger from the command line."""

from __future__ import annotations

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
