"""Import lines and their results stored a row per line.

The lines of an upload and the results of checking them were two JSON lists on the import,
rewritten whole at every batch. Each line is now a row of purchase_import_line; the lists of
existing imports move there (line i with result i: results were appended in line order), and
the two columns are dropped. Downgrading rebuilds the lists from the rows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 1000

imports_before = sa.table(
    "purchase_import",
    sa.column("id", sa.Integer),
    sa.column("lines", sa.JSON),
    sa.column("results", sa.JSON),
)
lines_table = sa.table(
    "purchase_import_line",
    sa.column("import_id", sa.Integer),
    sa.column("line_index", sa.Integer),
    sa.column("sheet_row", sa.Integer),
    sa.column("cells", sa.JSON),
    sa.column("status", sa.String),
    sa.column("verdict", sa.String),
    sa.column("po_number", sa.String),
    sa.column("po_line", sa.Integer),
    sa.column("result", sa.JSON),
)


def _line_row(import_id: int, index: int, line: dict[str, Any], result: Any) -> dict[str, Any]:
    cells = {key: str(value) for key, value in line.items() if key != "row"}
    key = result.get("key") if isinstance(result, dict) else None
    po_number = str(key[0]) if key and len(str(key[0])) <= 64 else None
    return {
        "import_id": import_id,
        "line_index": index,
        "sheet_row": int(line.get("row", index + 2)),
        "cells": cells,
        "status": result.get("status") if isinstance(result, dict) else None,
        "verdict": result.get("verdict") if isinstance(result, dict) else None,
        "po_number": po_number,
        "po_line": int(key[1]) if po_number is not None else None,
        "result": result if isinstance(result, dict) else None,
    }


def upgrade() -> None:
    op.create_table(
        "purchase_import_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("sheet_row", sa.Integer(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("verdict", sa.String(8), nullable=True),
        sa.Column("po_number", sa.String(64), nullable=True),
        sa.Column("po_line", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["purchase_import.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("import_id", "line_index", name="uq_purchase_import_line_index"),
    )
    connection = op.get_bind()
    ids = [row[0] for row in connection.execute(sa.select(imports_before.c.id))]
    for import_id in ids:  # one import at a time: each may hold 20,000 lines
        lines, results = connection.execute(
            sa.select(imports_before.c.lines, imports_before.c.results).where(
                imports_before.c.id == import_id
            )
        ).one()
        rows = [
            _line_row(import_id, index, line, results[index] if index < len(results) else None)
            for index, line in enumerate(lines or [])
        ]
        for start in range(0, len(rows), CHUNK):
            connection.execute(lines_table.insert(), rows[start : start + CHUNK])
    # Plain ALTER TABLE on SQLite too (3.35+): a batch copy would drop and recreate the table
    # that purchases refer to.
    op.execute("ALTER TABLE purchase_import DROP COLUMN lines")
    op.execute("ALTER TABLE purchase_import DROP COLUMN results")


def downgrade() -> None:
    op.execute("ALTER TABLE purchase_import ADD COLUMN lines JSON NOT NULL DEFAULT '[]'")
    op.execute("ALTER TABLE purchase_import ADD COLUMN results JSON NOT NULL DEFAULT '[]'")
    connection = op.get_bind()
    ids = [row[0] for row in connection.execute(sa.select(imports_before.c.id))]
    for import_id in ids:
        found = connection.execute(
            sa.select(lines_table.c.sheet_row, lines_table.c.cells, lines_table.c.result)
            .where(lines_table.c.import_id == import_id)
            .order_by(lines_table.c.line_index)
        ).all()
        lines = [{"row": row, **cells} for row, cells, _result in found]
        # Results were a prefix of the lines (those checked so far).
        results = []
        for _row, _cells, result in found:
            if result is None:
                break
            results.append(result)
        connection.execute(
            imports_before.update()
            .where(imports_before.c.id == import_id)
            .values(lines=lines, results=results)
        )
    op.drop_table("purchase_import_line")
