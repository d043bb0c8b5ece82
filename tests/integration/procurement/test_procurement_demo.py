"""The demo purchases go through the real services, for both lines and every year, once."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from portal.demo import load_demo
from portal.logistics.demo import FAR_PURCHASES
from portal.procurement.demo import DEMO_PURCHASES
from portal.procurement.models import BuyerCheck, Purchase


@pytest.mark.demo
def test_demo_purchases_cover_the_years_and_lines_and_load_once(session: Session) -> None:
    load_demo(session)
    session.commit()
    purchases = session.exec(select(Purchase)).all()
    assert {p.purchase_year for p in purchases} == {2023, 2024, 2025, 2026}
    assert {p.product_line for p in purchases} == {"alloy", "extrusion"}
    assert any(p.exception_reason for p in purchases)
    assert all(p.check_id for p in purchases)
    checks = len(session.exec(select(BuyerCheck)).all())
    assert checks == len(purchases) + 1  # one check was not followed by a purchase

    assert not [added for added in load_demo(session) if added.startswith(("DEMO-", "check"))]
    session.commit()
    assert len(session.exec(select(Purchase)).all()) == len(purchases)
    assert len(session.exec(select(BuyerCheck)).all()) == checks


def test_demo_purchases_load_without_any_declaration(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portal.declarations.demo.load_demo", lambda db: [])
    monkeypatch.setattr("portal.energy.demo.load_demo", lambda db: [])  # no purchases in it
    load_demo(session)
    session.commit()
    purchases = session.exec(select(Purchase)).all()
    assert len(purchases) == len(DEMO_PURCHASES) + len(FAR_PURCHASES)  # + logistics demo
    assert {p.factor_source for p in purchases} == {"default"}
    # Raw materials need a declaration; scrap does not (rules/requirements.toml, cut-off).
    scrap = [p for p in purchases if p.material_code.startswith("al_scrap_")]
    assert scrap and not any(p.exception_reason for p in scrap)
    assert all(p.exception_reason for p in purchases if p not in scrap)
