"""The demo declarations: real verdicts for every case the demo is meant to show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from portal.clock import plant_today
from portal.declarations.demo import load_demo as load_declarations
from portal.declarations.models import Declaration, EvidenceFile
from portal.demo import load_demo
from portal.suppliers.models import Supplier


def by_supplier(session: Session) -> dict[str, list[Declaration]]:
    found: dict[str, list[Declaration]] = {}
    rows = session.exec(
        select(Declaration, Supplier)
        .join(Supplier, col(Declaration.supplier_id) == Supplier.id)
        .order_by(col(Declaration.id))
    ).all()
    for declaration, supplier in rows:
        found.setdefault(supplier.code, []).append(declaration)
    return found


@pytest.mark.demo
def test_the_demo_shows_each_case_and_loads_only_once(session: Session) -> None:
    load_demo(session)
    session.commit()
    found = by_supplier(session)

    recycled = found["JCHY"][0]
    assert (recycled.material_code, recycled.status) == ("al_recycled_ingot", "accepted")
    assert recycled.recycled_post_consumer_pct == 75 and recycled.recycled_method == "mass_balance"
    hydro = found["YNSD"][0]
    assert hydro.status == "accepted"
    assert [label["code"] for label in hydro.verdict_detail["labels"]] == ["low_carbon"]
    coal_v1, coal_v2 = found["SXML"]
    assert (coal_v1.verdict, coal_v1.status) == ("fail", "superseded")
    assert (coal_v2.version, coal_v2.supersedes_id, coal_v2.status) == (2, coal_v1.id, "accepted")
    queue = [d for d in session.exec(select(Declaration)) if d.status == "in_review"]
    assert {d.pdf_mismatches[0]["field"] for d in queue} == {"pcf", "text_layer"}
    assert found["XJGY"][0].material_code == "silicon_metal"
    magnesium = found["FGMG"][0]
    assert magnesium.status == "accepted"
    assert plant_today() <= magnesium.valid_until <= plant_today() + timedelta(days=60)
    assert session.exec(select(EvidenceFile)).first() is not None

    assert load_declarations(session) == []
