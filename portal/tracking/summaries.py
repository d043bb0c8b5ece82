"""The purchase summaries: kept in the transaction of every change to the ledger, verifiable.

Two tables (portal/tracking/models.py): per year, line, category, factor source and material
(`purchase_year_sum`, what the dashboard, the report and the API read) and the same per
supplier, declaration and rule-set revision (`purchase_supplier_sum`, what the drill-down's
totals and the declarations behind a figure read). Sums are integers of micro-tonnes, computed
by the database from the stored rows with the same expression here, in the migration that
filled them and in `verify`, so they match the raw rows exactly.

Every path that writes purchases calls one of these in its own transaction:
`add_purchases` after inserting (one purchase, or all lines of a confirmed import) and
`delete_purchases` to remove some.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, delete, func, select, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from portal.procurement.models import Purchase
from portal.tracking.models import SUPPLIER_KEY, YEAR_KEY, PurchaseSupplierSum, PurchaseYearSum

MICRO = 1_000_000
P: Any = Purchase.__table__.c  # type: ignore[attr-defined]
YEAR: Any = PurchaseYearSum.__table__  # type: ignore[attr-defined]
SUPPLIER: Any = PurchaseSupplierSum.__table__  # type: ignore[attr-defined]
SUMS = ("purchases", "quantity_ut", "emissions_ut", "recycled_ut")
DATES = ("first_date", "last_date")


def tonnes(micro: int | None) -> Decimal:
    """Micro-tonnes as tonnes with six decimals."""
    return Decimal(int(micro or 0)).scaleb(-6)


def _micro(column: Any) -> Any:
    return func.sum(cast(func.round(column * MICRO), BigInteger))


def _raw_keys(key: Sequence[str]) -> list[Any]:
    return [
        func.coalesce(P.declaration_id, 0).label("declaration_id")
        if name == "declaration_id"
        else P[name]
        for name in key
    ]


def raw_statement(key: Sequence[str], *conditions: Any) -> Any:
    """Count and micro-tonne sums of the purchases CONDITIONS select, grouped by KEY, in order."""
    keys = _raw_keys(key)
    columns = [
        *keys,
        func.count().label("purchases"),
        _micro(P.quantity_t).label("quantity_ut"),
        _micro(P.emissions_t).label("emissions_ut"),
        _micro(P.recycled_t).label("recycled_ut"),
    ]
    if key is SUPPLIER_KEY:
        columns += [
            func.min(P.purchase_date).label("first_date"),
            func.max(P.purchase_date).label("last_date"),
        ]
    # Ordered, so that concurrent transactions lock summary rows in one order (no deadlock).
    return select(*columns).where(*conditions).group_by(*keys).order_by(*keys)


def _insert(db: Session, table: Any) -> Any:
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _upsert(db: Session, table: Any, key: Sequence[str], *conditions: Any) -> None:
    names = [*key, *SUMS, *(DATES if key is SUPPLIER_KEY else ())]
    statement = _insert(db, table).from_select(names, raw_statement(key, *conditions))
    new = statement.excluded
    values: dict[str, Any] = {name: table.c[name] + new[name] for name in SUMS}
    if key is SUPPLIER_KEY:
        values["first_date"] = case(
            (new.first_date < table.c.first_date, new.first_date), else_=table.c.first_date
        )
        values["last_date"] = case(
            (new.last_date > table.c.last_date, new.last_date), else_=table.c.last_date
        )
    db.execute(statement.on_conflict_do_update(index_elements=list(key), set_=values))


def add_purchases(db: Session, *conditions: Any) -> None:
    """Add the purchases CONDITIONS select (inserted in this transaction) to the summaries."""
    _upsert(db, YEAR, YEAR_KEY, *conditions)
    _upsert(db, SUPPLIER, SUPPLIER_KEY, *conditions)


def _matches(table: Any, key: Sequence[str], row: Any) -> ColumnElement[bool]:
    return and_(*(table.c[name] == getattr(row, name) for name in key))


def _raw_matches(key: Sequence[str], row: Any) -> ColumnElement[bool]:
    return and_(*(raw == getattr(row, name) for raw, name in zip(_raw_keys(key), key, strict=True)))


def delete_purchases(db: Session, *conditions: Any) -> int:
    """Delete the purchases CONDITIONS select and take them out of the summaries; how many."""
    gone = {
        key: db.execute(raw_statement(key, *conditions)).all() for key in (YEAR_KEY, SUPPLIER_KEY)
    }
    for key, table in ((YEAR_KEY, YEAR), (SUPPLIER_KEY, SUPPLIER)):
        for row in gone[key]:
            db.execute(
                update(table)
                .where(_matches(table, key, row))
                .values({name: table.c[name] - getattr(row, name) for name in SUMS})
            )
    deleted = db.execute(delete(Purchase.__table__).where(*conditions)).rowcount  # type: ignore[attr-defined]
    for table in (YEAR, SUPPLIER):
        db.execute(delete(table).where(table.c.purchases <= 0))
    for row in gone[SUPPLIER_KEY]:  # the first or last purchase of a group may have gone
        remaining = _raw_matches(SUPPLIER_KEY, row)
        db.execute(
            update(SUPPLIER)
            .where(_matches(SUPPLIER, SUPPLIER_KEY, row))
            .values(
                first_date=select(func.min(P.purchase_date)).where(remaining).scalar_subquery(),
                last_date=select(func.max(P.purchase_date)).where(remaining).scalar_subquery(),
            )
        )
    return int(deleted or 0)


def rebuild(db: Session) -> None:
    """Every summary again from the raw rows (after a bulk load that bypassed the portal)."""
    db.execute(delete(YEAR))
    db.execute(delete(SUPPLIER))
    add_purchases(db, P.id.is_not(None))


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """A summary row that does not match the raw rows (None: missing on that side)."""

    table: str
    key: tuple[Any, ...]
    stored: tuple[Any, ...] | None
    recomputed: tuple[Any, ...] | None

    def text(self) -> str:
        """One printable line."""
        return f"{self.table} {self.key}: stored {self.stored}, from the rows {self.recomputed}"


def _values(row: Any, names: Iterable[str]) -> tuple[Any, ...]:
    return tuple(
        value if isinstance(value, date | str) or value is None else int(value)
        for value in (getattr(row, name) for name in names)
    )


def _as_date(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def verify(db: Session) -> list[Difference]:
    """Recompute every summary from the raw rows; the rows that differ (expected: none)."""
    found: list[Difference] = []
    for key, table in ((YEAR_KEY, YEAR), (SUPPLIER_KEY, SUPPLIER)):
        names = [*SUMS, *(DATES if key is SUPPLIER_KEY else ())]
        stored = {
            _values(row, key): tuple(_as_date(v) for v in _values(row, names))
            for row in db.execute(select(table))
        }
        recomputed = {
            _values(row, key): tuple(_as_date(v) for v in _values(row, names))
            for row in db.execute(raw_statement(key))
        }
        for row_key in sorted(stored.keys() | recomputed.keys(), key=repr):
            if stored.get(row_key) != recomputed.get(row_key):
                found.append(
                    Difference(table.name, row_key, stored.get(row_key), recomputed.get(row_key))
                )
    return found
