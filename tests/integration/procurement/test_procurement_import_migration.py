"""Migration 0006: imports stored as two JSON lists move to a row per line, and back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sqlalchemy import inspect

from portal import db, migrations

LINES = [
    {"row": 2, "po_number": "PO-1", "supplier": "YNSD", "quantity_t": "5"},
    {"row": 3, "po_number": "PO-1", "supplier": "YNSD", "quantity_t": "6"},
    {"row": 5, "po_number": "PO-2", "supplier": "NOPE", "quantity_t": "1"},
]
# Results were appended in line order; this import was checked up to its second line.
RESULTS = [
    {"row": 2, "status": "new", "verdict": "pass", "key": ["PO-1", 1], "problems": []},
    {"row": 3, "status": "invalid", "verdict": None, "key": ["PO-1", 1], "problems": [{}]},
]


def test_lines_and_results_move_to_rows_and_back(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    migrations.upgrade(url, "0005")
    with sqlite3.connect(path) as raw:  # foreign keys off: no user is needed for the row
        raw.execute(
            "INSERT INTO purchase_import (id, filename, sha256, uploaded_by_id, uploaded_at,"
            " status, line_count, checked_count, lines, results) VALUES"
            " (7, 'erp.csv', 'x', 1, '2026-03-01 00:00:00', 'checking', 3, 2, ?, ?)",
            (json.dumps(LINES), json.dumps(RESULTS)),
        )
    migrations.upgrade(url)
    engine = db.make_engine(url)
    columns = {column["name"] for column in inspect(engine).get_columns("purchase_import")}
    assert "lines" not in columns and "results" not in columns
    engine.dispose()
    with sqlite3.connect(path) as raw:
        rows = raw.execute(
            "SELECT line_index, sheet_row, cells, status, verdict, po_number, po_line, result"
            " FROM purchase_import_line WHERE import_id = 7 ORDER BY line_index"
        ).fetchall()
    assert [(index, row, json.loads(cells)) for index, row, cells, *_ in rows] == [
        (0, 2, {"po_number": "PO-1", "supplier": "YNSD", "quantity_t": "5"}),
        (1, 3, {"po_number": "PO-1", "supplier": "YNSD", "quantity_t": "6"}),
        (2, 5, {"po_number": "PO-2", "supplier": "NOPE", "quantity_t": "1"}),
    ]
    assert [row[3:7] for row in rows] == [
        ("new", "pass", "PO-1", 1),
        ("invalid", None, "PO-1", 1),
        (None, None, None, None),  # not checked yet: the next batch checks it
    ]
    assert [json.loads(row[7]) if row[7] else None for row in rows] == [*RESULTS, None]

    migrations.downgrade(url, "0005")
    with sqlite3.connect(path) as raw:
        lines, results = raw.execute(
            "SELECT lines, results FROM purchase_import WHERE id = 7"
        ).fetchone()
    assert json.loads(lines) == LINES and json.loads(results) == RESULTS
