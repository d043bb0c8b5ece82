"""Migration 0011: each superseded declaration gets the status it had, from the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from helpers import insert_foundation_supplier
from sqlalchemy import text
from sqlmodel import Session

from portal import audit, db, migrations
from portal.declarations.models import Declaration


@pytest.fixture(params=["sqlite", "postgresql"])
def before_0011(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated up to 0010 (PostgreSQL's test database is left at head again)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'before.db'}"
        migrations.upgrade(url, "0010")
        yield url
        return
    url = str(request.getfixturevalue("postgres_migrated"))
    engine = db.make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    try:
        migrations.upgrade(url, "0010")
        yield url
    finally:
        migrations.upgrade(url)  # the other tests expect the migrated schema


def _row(supplier_id: int, version: int, status: str) -> dict[str, Any]:
    return {
        "pact_id": f"00000000-0000-0000-0000-00000000000{version}",
        "supplier_id": supplier_id,
        "material_code": "al_primary_ingot",
        "version": version,
        "product_name": "Ingot",
        "site_name": "",
        "geography_country": "CN",
        "declared_unit_of_measurement": "kilogram",
        "declared_unit_amount": 1,
        "pcf_excluding_biogenic": 4,
        "pcf_t_per_t": 4,
        "boundary": "cradle-to-gate",
        "standards": ["ISO 14067"],
        "reference_period_start": date(2025, 1, 1),
        "reference_period_end": date(2025, 12, 31),
        "valid_until": date(2026, 4, 30),
        "recycled_fraction": 0,
        "low_carbon_electricity_claimed": False,
        "comment": "",
        "status": status,
        "verdict": "pass",
        "verdict_detail": {},
        "ruleset_revision": "rev",
        "pdf_mismatches": [],
        "submitted_on": date(2026, 1, 10),
        "submitted_at": db.utcnow(),
    }


def test_superseded_declarations_get_the_status_the_audit_trail_recorded(
    before_0011: str,
) -> None:
    url = before_0011
    engine = db.make_engine(url, sqlite_lock_on_begin=False)
    supplier_id = insert_foundation_supplier(engine, "YNSD")
    columns = [
        c
        for c in Declaration.__table__.columns
        if c.key != "superseded_status"  # type: ignore[attr-defined]
    ]
    table = sa.table("declaration", *(sa.column(c.key, c.type) for c in columns))
    ids = {}
    with engine.begin() as connection:
        for version, status in ((1, "superseded"), (2, "superseded"), (3, "superseded")):
            ids[version] = connection.execute(
                sa.insert(table).returning(table.c.id), _row(supplier_id, version, status)
            ).scalar_one()
        ids[4] = connection.execute(
            sa.insert(table).returning(table.c.id), _row(supplier_id, 4, "accepted")
        ).scalar_one()
    with Session(engine) as session:
        # Version 1 was accepted and version 2 rejected when replaced; version 3 has no entry.
        for version, before in ((1, "accepted"), (2, "rejected")):
            audit.record(
                session,
                actor=audit.SYSTEM,
                action="declaration.superseded",
                entity_type="declaration",
                entity_id=ids[version],
                before={"status": before},
                after={"status": "superseded"},
            )
        session.commit()

    migrations.upgrade(url)

    with engine.connect() as connection:
        found = dict(
            connection.execute(text("SELECT id, superseded_status FROM declaration")).all()
        )
    engine.dispose()
    assert found == {ids[1]: "accepted", ids[2]: "rejected", ids[3]: None, ids[4]: None}
