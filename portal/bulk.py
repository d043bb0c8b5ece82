"""Many rows into one table at once: PostgreSQL's COPY, one executemany elsewhere.

On PostgreSQL an executemany still sends one INSERT per row (pipelined), and the server
plans and runs each one; COPY streams the rows into the table in one statement, several
times faster for the thousands of rows an import or a batch of meter readings brings. It
runs on the session's own connection, so it is inside the session's transaction: a rollback
takes the rows back like any insert. SQLite has no COPY; its executemany is already cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import ColumnElement, Table, any_, bindparam, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session


def is_postgres(db: Session) -> bool:
    """Whether DB's connection goes to PostgreSQL."""
    return db.connection().dialect.name == "postgresql"


def one_of(db: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """COLUMN IN VALUES; on PostgreSQL one array parameter, not one per value.

    Thousands of separate parameters made every such query a new statement to compile,
    send and plan; `= ANY(array)` is one statement whatever the count.
    """
    if is_postgres(db):
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def copy_rows(
    db: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """COPY ROWS (values as the driver takes them, in COLUMNS' order) into TABLE (PostgreSQL)."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(name) for name in columns)
    )
    driver = db.connection().connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as error:
        # Raised as SQLAlchemy raises a failed INSERT (IntegrityError for a duplicate, …),
        # so callers handle both paths alike.
        raise DBAPIError.instance(
            statement.as_string(driver), None, error, psycopg.Error
        ) from error


def insert_rows(db: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ROWS (column name → Python value, the same keys in every row) into TABLE.

    The values go through each column's type as SQLAlchemy would bind them, and columns a row
    leaves out get their Python-side default; those with a database default are left to it.
    """
    if not rows:
        return
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    given = [column for column in table.columns if column.name in rows[0]]
    defaulted = [
        column
        for column in table.columns
        if column.name not in rows[0] and column.default is not None and not column.primary_key
    ]
    processors = [_bind_processor(connection, column.type) for column in given + defaulted]

    def values(row: Mapping[str, Any]) -> list[Any]:
        raw = [row[c.name] for c in given] + [_default_value(c) for c in defaulted]
        return [
            v if process is None else process(v) for v, process in zip(raw, processors, strict=True)
        ]

    copy_rows(db, table.name, [c.name for c in given + defaulted], (values(r) for r in rows))


def insert_with_ids(db: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert ROWS with ids taken from TABLE's sequence first (PostgreSQL); the ids, in order.

    The rows go in by COPY, and rows of other tables can point at them without reading them
    back.
    """
    ids = reserve_ids(db, table, len(rows))
    insert_rows(db, table, [{**row, "id": row_id} for row, row_id in zip(rows, ids, strict=True)])
    return ids


def reserve_ids(db: Session, table: Table, count: int) -> list[int]:
    """COUNT new ids from TABLE's id sequence (PostgreSQL), for rows written with their id."""
    if count <= 0:
        return []
    statement = text(
        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"
    )
    return [int(row_id) for row_id in db.execute(statement, {"table": table.name, "count": count})
            .scalars()]  # fmt: skip


def _bind_processor(connection: Connection, column_type: Any) -> Any:
    dialect = connection.dialect
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _default_value(column: Any) -> Any:
    """A column's Python-side default for one row (a callable is called once per row)."""
    default = column.default
    if default.is_sequence or default.is_clause_element:
        raise ValueError(f"{column.name}: a database-side default cannot be copied")
    return default.arg(None) if default.is_callable else default.arg
