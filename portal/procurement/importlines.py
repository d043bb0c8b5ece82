"""The lines of an import, a row each: stored once at upload, their outcome written per batch.

Queries only; what a line's outcome is belongs to portal.procurement.imports.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, bindparam, cast, delete, func, insert, literal, or_, update
from sqlmodel import Session, col, select

from portal.procurement.importfile import ROW
from portal.procurement.models import PurchaseImportLine

CHUNK = 1000  # rows per INSERT statement
NEW, RECORDED, INVALID = "new", "recorded", "invalid"
_table = PurchaseImportLine.__table__  # type: ignore[attr-defined]


def store_batches(
    db: Session, *, import_id: int, batches: Iterable[Sequence[Mapping[str, Any]]]
) -> int:
    """Store the lines of a file, given a batch at a time, in its order; how many."""
    index = 0
    for batch in batches:
        rows = []
        for line in batch:
            rows.append(
                {
                    "import_id": import_id,
                    "line_index": index,
                    "sheet_row": int(line[ROW]),
                    "cells": {key: value for key, value in line.items() if key != ROW},
                }
            )
            index += 1
        for start in range(0, len(rows), CHUNK):
            db.execute(insert(_table), rows[start : start + CHUNK])
    return index


def remove(db: Session, *, import_id: int) -> None:
    """Drop an import's lines (its checking was given up)."""
    db.execute(delete(_table).where(_table.c.import_id == import_id))


@dataclass(frozen=True)
class StoredLine:
    """A line as stored: its id, the line as read (with its row) and its last outcome's JSON."""

    id: int
    raw: dict[str, Any]
    result_json: str | None


def between(
    db: Session,
    *,
    import_id: int,
    start: int = 0,
    end: int | None = None,
    with_results: bool = False,
) -> list[StoredLine]:
    """The lines from index START up to END (all when None), in the file's order.

    WITH_RESULTS, each with its last outcome as stored text: compared, not decoded (decoding
    20,000 outcomes took most of a confirmation's reading).
    """
    result = cast(PurchaseImportLine.result, Text) if with_results else literal(None)
    statement = (
        select(
            PurchaseImportLine.id,
            PurchaseImportLine.sheet_row,
            PurchaseImportLine.cells,
            result,
        )
        .where(
            col(PurchaseImportLine.import_id) == import_id,
            col(PurchaseImportLine.line_index) >= start,
        )
        .order_by(col(PurchaseImportLine.line_index))
    )
    if end is not None:
        statement = statement.where(col(PurchaseImportLine.line_index) < end)
    return [
        StoredLine(id=line_id or 0, raw={ROW: row, **cells}, result_json=stored)
        for line_id, row, cells, stored in db.exec(statement)
    ]


def seen_before(db: Session, *, import_id: int, before: int) -> dict[tuple[str, int], int]:
    """(PO number, PO line) -> first row, of the lines checked before index BEFORE."""
    statement = (
        select(
            PurchaseImportLine.po_number,
            PurchaseImportLine.po_line,
            func.min(PurchaseImportLine.sheet_row),
        )
        .where(
            col(PurchaseImportLine.import_id) == import_id,
            col(PurchaseImportLine.line_index) < before,
            col(PurchaseImportLine.po_number).is_not(None),
            col(PurchaseImportLine.po_line).is_not(None),
        )
        .group_by(col(PurchaseImportLine.po_number), col(PurchaseImportLine.po_line))
    )
    return {(str(number), int(line or 0)): int(row) for number, line, row in db.exec(statement)}


def write_results(
    db: Session, outcomes: Sequence[tuple[StoredLine, dict[str, Any]]], *, only_changed: bool
) -> int:
    """Write each line's new outcome (those that differ from the stored one when ONLY_CHANGED).

    Returns how many lines were written.
    """
    rows = [
        {
            "line_id": line.id,
            "new_status": result["status"],
            "new_verdict": result["verdict"],
            "new_po_number": result["key"][0] if result["key"] else None,
            "new_po_line": result["key"][1] if result["key"] else None,
            "new_result": result,
        }
        for line, result in outcomes
        # As the JSON column writes it (json.dumps): equal text, equal outcome.
        if not only_changed or line.result_json != json.dumps(result)
    ]
    if rows:
        statement = (
            update(_table)
            .where(_table.c.id == bindparam("line_id"))
            .values(
                status=bindparam("new_status"),
                verdict=bindparam("new_verdict"),
                po_number=bindparam("new_po_number"),
                po_line=bindparam("new_po_line"),
                result=bindparam("new_result"),
            )
        )
        db.connection().execute(statement, rows)
    return len(rows)


@dataclass(frozen=True)
class Counts:
    """Counts of an import's checked lines."""

    new: int
    recorded: int
    invalid: int
    exceptions: int

    @property
    def storable(self) -> bool:
        """Whether confirming would store the file."""
        return self.invalid == 0


def counts(db: Session, *, import_id: int) -> Counts:
    """How many checked lines are new, recorded, invalid, and new with a failed check."""
    statement = (
        select(PurchaseImportLine.status, PurchaseImportLine.verdict, func.count())
        .where(
            col(PurchaseImportLine.import_id) == import_id,
            col(PurchaseImportLine.status).is_not(None),
        )
        .group_by(col(PurchaseImportLine.status), col(PurchaseImportLine.verdict))
    )
    found: dict[str, int] = {NEW: 0, RECORDED: 0, INVALID: 0}
    exceptions = 0
    for status, verdict, number in db.exec(statement):
        found[str(status)] = found.get(str(status), 0) + int(number)
        if status == NEW and verdict == "fail":
            exceptions += int(number)
    return Counts(
        new=found[NEW], recorded=found[RECORDED], invalid=found[INVALID], exceptions=exceptions
    )


def results(
    db: Session,
    *,
    import_id: int,
    problems_only: bool = False,
    limit: int | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """The outcomes of the checked lines in the file's order (only invalid or failed ones,
    or only those of STATUS)."""
    statement = (
        select(PurchaseImportLine.result)
        .where(
            col(PurchaseImportLine.import_id) == import_id,
            col(PurchaseImportLine.result).is_not(None),
        )
        .order_by(col(PurchaseImportLine.line_index))
        .limit(limit)
    )
    if status is not None:
        statement = statement.where(col(PurchaseImportLine.status) == status)
    if problems_only:
        statement = statement.where(
            or_(
                col(PurchaseImportLine.status) == INVALID,
                col(PurchaseImportLine.verdict) == "fail",
            )
        )
    return [dict(result) for result in db.exec(statement) if result is not None]
