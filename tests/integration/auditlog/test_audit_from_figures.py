"""From a figure's purchase to the audit entries that made it: purchase, check, declaration."""

from __future__ import annotations

import re

from factories import make_declaration
from fastapi.testclient import TestClient
from helpers import make_supplier, make_user, sign_in
from sqlmodel import Session, select

from portal.declarations.models import EvidenceFile
from portal.security import create_api_token


def test_a_purchase_links_to_the_entries_that_made_it_its_rules_and_its_pdfs_hash(
    client: TestClient, session: Session
) -> None:
    supplier = make_supplier(session, "YNSD")
    declaration = make_declaration(session, supplier, pcf_t_per_t="3.5")
    buyer = make_user(session, "buyer")
    make_user(session, "esg")
    _token, plain = create_api_token(session, buyer, "ERP")
    session.commit()
    answer = client.post(
        "/api/v1/purchases",
        headers={"Authorization": f"Bearer {plain}"},
        json={
            "supplier": "YNSD",
            "material": "al_primary_ingot",
            "quantity_t": "100",
            "date": "2026-03-02",
            "product_line": "alloy",
            "po_number": "PO-77",
        },
    )
    assert answer.status_code == 201, answer.text
    purchase = answer.json()
    sign_in(client, "esg@example.com")
    page = client.get(f"/tracking/purchases/{purchase['id']}").text
    # 100 t × 3.5 tCO2e/t = 350 tCO2e, from declaration v1, with links to who made each part.
    assert "100.000 t × 3.500 = 350.000 tCO2e" in page
    links = dict(re.findall(r'href="(/audit\?[^"]+)" id="(audit-[a-z]+)"', page))
    assert set(links.values()) == {"audit-purchase", "audit-check", "audit-declaration"}
    assert f'href="/rules?revision={declaration.ruleset_revision}"' in page
    evidence = session.exec(
        select(EvidenceFile).where(EvidenceFile.declaration_id == declaration.id)
    ).all()
    for file in evidence:
        assert file.sha256[:12] in page

    by_link = {name: href.replace("&amp;", "&") for href, name in links.items()}
    for name, action in (
        ("audit-purchase", "purchase.recorded"),
        ("audit-check", "check.recorded"),
    ):
        trail = client.get(by_link[name])
        assert trail.status_code == 200
        [entry] = re.findall(r'<tr id="entry-\d+">(.*?)</tr>', trail.text, re.S)  # one each
        assert action in entry and "buyer@example.com" in entry
