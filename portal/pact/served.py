"""Which client received which published footprint, for the publication page."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from portal.db import get_engine, utcnow
from portal.pact.models import PactServed


def record_served(
    *, client_pk: int, footprint_ids: Iterable[str], db: Session | None = None
) -> None:
    """Count that CLIENT_PK received FOOTPRINT_IDS, in DB or in a short transaction of its own.

    Reading requests hold a read transaction; the count is written in its own, so a list
    never waits for a writer while holding its snapshot.
    """
    ids = sorted(set(footprint_ids))
    if not ids:
        return
    if db is None:
        with Session(get_engine()) as own, own.begin():
            _upsert(own, client_pk, ids)
        return
    _upsert(db, client_pk, ids)


def _upsert(db: Session, client_pk: int, ids: list[str]) -> None:
    table = PactServed.__table__  # type: ignore[attr-defined]
    now = utcnow()
    dialect = db.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [
        {"footprint_id": i, "client_pk": client_pk, "first_at": now, "last_at": now, "times": 1}
        for i in ids
    ]
    statement = insert(table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["footprint_id", "client_pk"],
        set_={"last_at": now, "times": table.c.times + 1},
    )
    db.execute(statement)
