"""`portal pdf read FILE.pdf`: what the bounded reader finds in a PDF, as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from portal.pdfreading.limits import ReadingLimits
from portal.pdfreading.refusals import PdfRefused
from portal.pdfreading.worker import PdfReader

pdf_app = typer.Typer(help="Read supplier evidence PDFs.", no_args_is_help=True)


@pdf_app.callback()
def pdf_group() -> None:
    """Read supplier evidence PDFs in a bounded worker process."""


@pdf_app.command("read")
def read_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The PDF to read.")],
    timeout_s: Annotated[float, typer.Option(help="Wall-clock limit in seconds.")] = (
        ReadingLimits.timeout_s
    ),
    memory_mb: Annotated[int, typer.Option(help="Address-space limit of the worker.")] = (
        ReadingLimits.memory_mb
    ),
    max_pages: Annotated[int, typer.Option(help="Refuse PDFs with more pages.")] = (
        ReadingLimits.max_pages
    ),
    max_bytes: Annotated[int, typer.Option(help="Refuse larger files.")] = (
        ReadingLimits.max_bytes
    ),
) -> None:
    """Print the fields found in FILE (value, unit, tCO2e/t, page), or the refusal (exit 1)."""
    with file.open("rb") as stream:
        data = stream.read(max_bytes + 1)  # one byte more is enough to know it is too large
    with PdfReader(
        max_bytes=max_bytes,
        max_pages=max_pages,
        timeout_s=timeout_s,
        memory_mb=memory_mb,
        workers=1,
    ) as reader:
        try:
            reading = reader.read(data)
        except PdfRefused as refusal:
            _print({"file": str(file), "refused": refusal.to_dict()})
            raise typer.Exit(1) from None
    _print({"file": str(file), **reading.to_dict()})


def _print(document: dict[str, Any]) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
