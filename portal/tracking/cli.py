"""`portal report`: the yearly tracking figures on the command line (as the API gives them)."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Annotated

import typer

YEAR_MIN = 2000  # same bounds as portal.tracking.service, kept here so --help stays light
YEAR_MAX = 2100


class OutputFormat(StrEnum):
    """How the report is printed."""

    JSON = "json"
    CSV = "csv"


def report_command(
    year: Annotated[
        int, typer.Option("--year", min=YEAR_MIN, max=YEAR_MAX, help="Calendar year, e.g. 2025.")
    ],
    output: Annotated[
        OutputFormat, typer.Option("--format", help="json (as GET /api/v1/reports/YEAR) or csv.")
    ] = OutputFormat.JSON,
) -> None:
    """Print the year's Scope 3.1 and Scope 1+2 intensities and shares against the plan."""
    from sqlmodel import Session

    from portal import i18n
    from portal.db import get_engine
    from portal.tracking.schemas import CSV_COLUMNS, csv_row
    from portal.tracking.yearly import full_year_report

    i18n.current_locale.set("en")
    with Session(get_engine()) as db:
        report = full_year_report(db, year)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for line in report.lines:
        writer.writerow(csv_row(report.year, line))
    typer.echo(buffer.getvalue(), nl=False)


tracking_app = typer.Typer(help="Tracking against the plan: the purchase summaries.")


@tracking_app.command("verify")
def verify_command() -> None:
    """Recompute every purchase summary from the raw rows; print differences, exit 1 on any."""
    from sqlmodel import Session

    from portal.db import maintenance_engine
    from portal.tracking.summaries import verify

    with maintenance_engine() as engine, Session(engine) as db:
        differences = verify(db)
    for difference in differences:
        typer.echo(difference.text())
    if differences:
        typer.echo(f"{len(differences)} summary row(s) differ from the purchases", err=True)
        raise typer.Exit(1)
    typer.echo("summaries match the purchases")
