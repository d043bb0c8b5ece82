"""Migration 0005: purchases that shared a check are told apart and reported, none deleted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import insert_foundation_supplier, insert_foundation_user
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal import db, migrations
from portal.audit import verify_chain

CHECK = (
    "INSERT INTO buyer_check (at, user_id, via_api, supplier_id, material_code, quantity_t, "
    "check_date, product_line, verdict, reasons, declaration_id, factor_source, pcf_t_per_t, "
    "recycled_fraction, emissions_t, recycled_t, low_carbon_label, ruleset_revision) VALUES "
    "('2026-03-02 08:00:00.000000', :user, :via, :supplier, 'al_primary_ingot', 25, '2026-03-02', "
    "'alloy', 'fail', '[]', NULL, 'default', 16.5, 0, 412.5, 0, NULL, 'rev')"
)
PURCHASE = (
    "INSERT INTO purchase (supplier_id, material_code, material_category, quantity_t, "
    "purchase_date, purchase_year, product_line, po_number, po_line, check_id, declaration_id, "
    "factor_source, pcf_t_per_t, recycled_fraction, emissions_t, recycled_t, ruleset_revision, "
    "exception_reason, import_id, recorded_by_id, recorded_at) VALUES (:supplier, "
    "'al_primary_ingot', 'raw_material', 25, '2026-03-02', 2026, 'alloy', 'PO-1', :line, :check, "
    "NULL, 'default', 16.5, 0, 412.5, 0, 'rev', 'trial', NULL, :user, :at)"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def before_0005(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated up to 0004 (PostgreSQL's test database is left at head again)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'before.db'}"
        migrations.upgrade(url, "0004")
        yield url
        return
    url = str(request.getfixturevalue("postgres_migrated"))
    engine = db.make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    try:
        migrations.upgrade(url, "0004")
        yield url
    finally:
        migrations.upgrade(url)  # the other tests expect the migrated schema


def test_purchases_that_shared_a_check_each_get_a_copy_and_are_reported(
    before_0005: str, capfd: pytest.CaptureFixture[str]
) -> None:
    url = before_0005
    engine = db.make_engine(url, sqlite_lock_on_begin=False)
    ids = {
        "user": insert_foundation_user(engine, "buyer"),
        "supplier": insert_foundation_supplier(engine, "SXML"),
        "via": True,
    }
    with engine.begin() as connection:
        check_id = connection.execute(text(CHECK + " RETURNING id"), ids).scalar_one()
        other_check = connection.execute(text(CHECK + " RETURNING id"), ids).scalar_one()
        # Three purchases of one check (a race stored them), recorded a second apart.
        for line in (1, 2, 3):
            at = f"2026-03-02 09:00:0{line}.000000"
            connection.execute(text(PURCHASE), {**ids, "line": line, "check": check_id, "at": at})
        connection.execute(text(PURCHASE), {**ids, "line": 4, "check": other_check, "at": at})
    capfd.readouterr()

    migrations.upgrade(url)

    report = capfd.readouterr().err
    assert "2 purchase(s) shared a check" in report and "none was deleted" in report
    assert f"purchase 2 (PO PO-1/2) shared check {check_id} with purchase 1 (PO PO-1/1)" in report
    assert f"purchase 3 (PO PO-1/3) shared check {check_id}" in report
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, check_id FROM purchase ORDER BY id")).all()
        assert len(rows) == 4  # every purchase the plant recorded is still there
        assert rows[0].check_id == check_id and rows[3].check_id == other_check
        copies = [rows[1].check_id, rows[2].check_id]
        assert len(set(copies) | {check_id, other_check}) == 4
        figures = connection.execute(
            text(
                "SELECT verdict, emissions_t, quantity_t, user_id FROM buyer_check "
                "WHERE id IN (:a, :b, :c)"
            ),
            {"a": check_id, "b": copies[0], "c": copies[1]},
        ).all()
        assert len(set(figures)) == 1  # each copy holds the same answer as the original
        events = connection.execute(
            text("SELECT entity_id FROM audit_event WHERE action = 'purchase.check_separated'")
        ).all()
        assert sorted(event.entity_id for event in events) == ["2", "3"]
    with Session(engine) as session:
        assert verify_chain(session).ok
    # From now on a check holds one purchase.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(PURCHASE), {**ids, "line": 9, "check": check_id, "at": at})
    engine.dispose()


def test_without_shared_checks_the_upgrade_says_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'clean.db'}"
    migrations.upgrade(url, "0004")
    capfd.readouterr()
    migrations.upgrade(url)
    assert "shared a check" not in capfd.readouterr().err
