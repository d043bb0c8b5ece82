"""Bulk inserts (COPY on PostgreSQL) store what an ORM insert would, inside the transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal import bulk
from portal.logistics.models import PackagingItem, Shipment

SHIPMENTS = Shipment.__table__  # type: ignore[attr-defined]
PACKAGING = PackagingItem.__table__  # type: ignore[attr-defined]


def _shipment(reference: str, **changes: object) -> dict[str, object]:
    return {
        "direction": "inbound",
        "reference": reference,
        "shipped_on": date(2026, 3, 1),
        "year": 2026,
        "tonnes": Decimal("25.125"),
        "emissions_t": Decimal("1.234567"),
        "source": "import",
        "ruleset_revision": "r1",
        "recorded_at": datetime(2026, 3, 1, 2, 30, tzinfo=UTC),
        **changes,
    }


def test_rows_keep_their_values_and_get_the_columns_defaults(session: Session) -> None:
    ids = bulk.reserve_ids(session, SHIPMENTS, 2) if bulk.is_postgres(session) else [None, None]
    rows = [_shipment("WH-1"), _shipment("WH-2", tonnes=Decimal(7), emissions_t=Decimal(0))]
    if ids[0] is not None:
        rows = [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)]
    bulk.insert_rows(session, SHIPMENTS, rows)
    stored = session.exec(select(Shipment).order_by(col(Shipment.reference))).all()
    assert [s.reference for s in stored] == ["WH-1", "WH-2"]
    first = stored[0]
    assert first.tonnes == Decimal("25.125") and first.emissions_t == Decimal("1.234567")
    assert first.shipped_on == date(2026, 3, 1)
    assert first.recorded_at == datetime(2026, 3, 1, 2, 30, tzinfo=UTC)
    assert first.customer == "" and first.product_line == ""  # the columns' defaults
    assert first.purchase_id is None
    if ids[0] is not None:
        assert [s.id for s in stored] == ids  # reserved ids, consecutive from the sequence
        assert ids[1] == ids[0] + 1

    bulk.insert_rows(
        session,
        PACKAGING,
        [{"shipment_id": first.id, "packaging": "aluminium_rack", "mass_kg": Decimal("80.5"),
          "reusable": True, "trips": None, "recycled_content": Decimal("0.5"),
          "source": "delivery"}],
    )  # fmt: skip
    [item] = session.exec(select(PackagingItem)).all()
    assert item.reusable is True and item.recyclable is False  # given, and the default
    assert item.mass_kg == Decimal("80.5") and item.trips is None and item.recyclable_basis == ""


def test_rows_go_back_with_the_transaction(session: Session) -> None:
    bulk.insert_rows(session, SHIPMENTS, [_shipment("WH-9")])
    session.rollback()
    assert session.exec(select(Shipment)).all() == []


def test_one_of_matches_many_values_in_one_parameter(session: Session) -> None:
    bulk.insert_rows(session, SHIPMENTS, [_shipment(f"WH-{i}") for i in range(3)])
    wanted = ["WH-0", "WH-2", *(f"NONE-{i}" for i in range(2000))]
    found = session.exec(
        select(Shipment.reference).where(bulk.one_of(session, Shipment.reference, wanted))
    ).all()
    assert sorted(found) == ["WH-0", "WH-2"]


def test_a_duplicate_is_refused_as_an_insert_would_be(session: Session) -> None:
    bulk.insert_rows(session, SHIPMENTS, [_shipment("WH-1")])
    with pytest.raises(IntegrityError):  # (direction, reference) is unique
        bulk.insert_rows(session, SHIPMENTS, [_shipment("WH-2"), _shipment("WH-1")])
    session.rollback()
    assert session.exec(select(Shipment)).all() == []
