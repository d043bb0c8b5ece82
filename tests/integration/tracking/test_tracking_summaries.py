"""The purchase summaries follow every change to the ledger; `portal tracking verify` proves it.

One story on each database: purchases recorded through the API, imported from an ERP file,
recorded after their supplier's declaration was superseded and after a material's default
factor changed, corrected declarations, one purchase deleted by an administrator; after each
step the yearly report (read from the summaries) shows the hand-worked figures and verify
finds no difference. A summary altered behind the portal's back is reported, exit code 1.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from factories import make_declaration
from fastapi.testclient import TestClient
from helpers import csrf_from, make_supplier, make_user, sign_in
from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from portal import config
from portal.audit import Actor, AuditEvent
from portal.catalog import get_ruleset
from portal.cli import app as cli
from portal.procurement import service
from portal.procurement.models import Purchase
from portal.security import create_api_token
from portal.tracking import summaries

HEADER = "po_number,po_line,supplier,material,quantity_t,date,product_line,exception_reason"


def _token(session: Session, user: Any) -> dict[str, str]:
    _row, plain = create_api_token(session, user, "test")
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


def _buy(client: TestClient, erp: dict[str, str], po: str, supplier: str, tonnes: str, day: str):  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/purchases",
        json={
            "supplier": supplier,
            "material": "al_primary_ingot",
            "quantity_t": tonnes,
            "date": day,
            "product_line": "alloy",
            "po_number": po,
            "exception_reason": "no declaration yet",
        },
        headers=erp,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def _import(client: TestClient, *lines: str) -> None:
    data = ("\n".join([HEADER, *lines]) + "\n").encode()
    token = csrf_from(client.get("/purchases/import").text)
    page = client.post(
        "/purchases/import", data={"csrf_token": token}, files={"file": ("erp.csv", data)}
    )
    assert page.status_code == 200, page.text
    url = re.search(r"/purchases/import/\d+", str(page.url))
    assert url, page.url
    token = csrf_from(client.get(url.group(0)).text)
    confirmed = client.post(url.group(0) + "/confirm", data={"csrf_token": token})
    assert confirmed.status_code == 200, confirmed.text


def _alloy(client: TestClient, esg: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/v1/reports/2026", headers=esg)
    assert response.status_code == 200, response.text
    return next(line for line in response.json()["lines"] if line["product_line"] == "alloy")


def _figures(line: dict[str, Any]) -> tuple[int, Decimal, Decimal, Decimal]:
    return (
        line["purchases"],
        Decimal(str(line["purchased_t"])),
        Decimal(str(line["scope3_cat1_t"])),
        Decimal(str(line["supplier_specific_t"])),
    )


def _verified(session: Session) -> None:
    assert summaries.verify(session) == []
    result = CliRunner().invoke(cli, ["tracking", "verify"])
    assert result.exit_code == 0, result.output
    assert "summaries match the purchases" in result.output


def _rules_with_default(tmp_path: Path, value: str) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(config.get_settings().rules_dir, rules)
    materials = rules / "materials.toml"
    before = materials.read_text(encoding="utf-8")
    after = before.replace(
        'default_factor = { value = 15.1, unit = "tCO2e/t", year = 2022',
        f'default_factor = {{ value = {value}, unit = "tCO2e/t", year = 2022',
        1,
    )
    assert after != before
    materials.write_text(after, encoding="utf-8")
    return rules


def test_every_change_to_the_ledger_keeps_the_summaries_exact(
    client: TestClient, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hydro = make_supplier(session, "YNSD", name_en="Yunnan Hydro Aluminium Co.")
    make_supplier(session, "SXML", name_en="Shanxi Coal-Power Aluminium Co.")
    buyer = make_user(session, "buyer")
    esg = _token(session, make_user(session, "esg"))
    admin = make_user(session, "admin")
    erp = _token(session, buyer)
    sign_in(client, buyer.email)
    first = make_declaration(
        session,
        hydro,
        pcf_t_per_t="4.0",
        reference_period_start=date(2025, 1, 1),
        reference_period_end=date(2025, 12, 31),
        valid_until=date(2026, 4, 30),
        submitted_on=date(2026, 1, 10),
    )
    _verified(session)

    # 1. Recorded through the API: 100 t from YNSD on 2026-03-02 at its declared 4.0 t/t =
    # 400 t CO2e, all supplier-specific; 10 t from SXML (no declaration) at the default
    # 15.1 = 151 t. Totals: 2 purchases, 110 t, 551 t CO2e, 400 supplier-specific.
    _buy(client, erp, "API-1", "YNSD", "100", "2026-03-02")
    _buy(client, erp, "API-2", "SXML", "10", "2026-03-03")
    assert _figures(_alloy(client, esg)) == (2, 110, 551, 400)
    _verified(session)

    # 2. Imported: YNSD 50 t on 2026-03-10 (4.0: 200 t) and SXML 20 t (15.1: 302 t).
    # 4 purchases, 180 t, 551 + 200 + 302 = 1,053 t CO2e, 400 + 200 = 600 supplier-specific.
    _import(
        client,
        "ERP-1,1,YNSD,al_primary_ingot,50,2026-03-10,alloy,",
        "ERP-2,1,SXML,al_primary_ingot,20,2026-03-11,alloy,no declaration yet",
    )
    assert _figures(_alloy(client, esg)) == (4, 180, 1053, 600)
    _verified(session)

    # 3. The declaration superseded by version 2 (3.0 t/t from 2026-04-01): what was bought
    # stays at 4.0; 100 t on 2026-06-01 at 3.0 = 300 t. 5 purchases, 280 t, 1,353 t, 900.
    make_declaration(
        session,
        hydro,
        pcf_t_per_t="3.0",
        supersedes=first,
        reference_period_start=date(2026, 4, 1),
        reference_period_end=date(2026, 4, 30),
        valid_until=date(2027, 12, 31),
        submitted_on=date(2026, 5, 10),
    )
    _verified(session)
    _buy(client, erp, "API-3", "YNSD", "100", "2026-06-01")
    assert _figures(_alloy(client, esg)) == (5, 280, 1353, 900)
    _verified(session)

    # 4. The material's default factor changed to 14.0 (a new rule-set revision): recorded
    # purchases keep 15.1; 10 t more from SXML now at 14.0 = 140 t.
    # 6 purchases, 290 t, 1,493 t CO2e, 900 supplier-specific.
    old_revision = get_ruleset().revision
    monkeypatch.setenv("PORTAL_RULES_DIR", str(_rules_with_default(tmp_path, "14.0")))
    config.get_settings.cache_clear()
    assert get_ruleset().revision != old_revision
    _verified(session)
    _buy(client, erp, "API-4", "SXML", "10", "2026-07-01")
    assert _figures(_alloy(client, esg)) == (6, 290, 1493, 900)
    _verified(session)
    revisions = dict(service_revisions(session))  # both revisions behind the year's purchases
    assert revisions == {old_revision: 5, get_ruleset().revision: 1}

    # 5. An administrator deletes the imported SXML line (20 t, 302 t CO2e), with a reason:
    # 5 purchases, 270 t, 1,191 t CO2e, 900 supplier-specific; audited with its facts.
    wrong = session.exec(select(Purchase).where(Purchase.po_number == "ERP-2")).one()
    service.delete_purchase(
        session,
        actor=Actor(user_id=admin.id, label=admin.email),
        purchase_id=wrong.id or 0,
        reason="entered twice in the ERP",
    )
    session.commit()
    assert _figures(_alloy(client, esg)) == (5, 270, 1191, 900)
    entry = session.exec(select(AuditEvent).where(AuditEvent.action == "purchase.deleted")).one()
    assert entry.before and entry.before["po_number"] == "ERP-2"
    assert entry.after == {"reason": "entered twice in the ERP"}
    _verified(session)

    # 6. Summaries changed behind the portal's back are found, and verify exits 1: the year
    # has two yearly rows (YNSD's declared factor, SXML's default), each one purchase too many.
    session.execute(text("UPDATE purchase_year_sum SET purchases = purchases + 1"))
    session.commit()
    differences = summaries.verify(session)
    assert [(row.table, row.key[3]) for row in differences] == [
        ("purchase_year_sum", "declaration"),
        ("purchase_year_sum", "default"),
    ]
    # YNSD: 100 + 50 + 100 t = 250 t, 400 + 200 + 300 = 900 t CO2e, in 3 purchases (4 stored).
    assert differences[0].stored == (4, 250_000000, 900_000000, 0)
    assert differences[0].recomputed == (3, 250_000000, 900_000000, 0)
    result = CliRunner().invoke(cli, ["tracking", "verify"])
    assert result.exit_code == 1
    assert "purchase_year_sum" in result.output


def service_revisions(session: Session) -> list[tuple[str, int]]:
    """The rule-set revisions behind 2026's purchases, from the per-supplier summary."""
    from portal.tracking.queries import PurchaseFilter, revisions_used

    return revisions_used(session, PurchaseFilter(year=2026))


def test_a_deleted_purchase_needs_a_reason_and_must_exist(session: Session) -> None:
    from portal.errors import InvalidInput, NotFound

    with pytest.raises(InvalidInput) as missing:
        service.delete_purchase(session, actor=Actor(label="admin"), purchase_id=1, reason=" ")
    assert missing.value.field == "reason"
    with pytest.raises(NotFound):
        service.delete_purchase(session, actor=Actor(label="admin"), purchase_id=99, reason="x")


def test_the_drill_down_pages_by_keyset_and_the_xlsx_export_streams(
    client: TestClient, session: Session
) -> None:
    import io

    from openpyxl import load_workbook
    from tracking_factory import make_purchase

    supplier = make_supplier(session, "YNSD")
    buyer = make_user(session, "buyer")
    esg = make_user(session, "esg")
    # 120 purchases of 1 t on 2026-01-01 … 2026-04-30 (one a day): pages of 50, 50 and 20.
    for number in range(120):
        make_purchase(
            session,
            supplier=supplier,
            user=buyer,
            quantity_t="1",
            purchase_date=date.fromordinal(date(2026, 1, 1).toordinal() + number),
            po_number=f"K-{number:03d}",
        )
    sign_in(client, esg.email)
    first = client.get("/tracking/purchases?year=2026")
    assert first.status_code == 200
    assert "Page 1 of 3" in first.text and "K-000" in first.text and "K-050" not in first.text
    after = re.search(r'href="([^"]+)" id="next-page"', first.text)
    assert after
    second = client.get(after.group(1).replace("&amp;", "&"))
    assert "Page 2 of 3" in second.text and "K-050" in second.text and "K-049" not in second.text
    back = re.search(r'href="([^"]+)" id="previous-page"', second.text)
    assert back
    again = client.get(back.group(1).replace("&amp;", "&"))
    assert "Page 1 of 3" in again.text and "K-000" in again.text and "K-050" not in again.text
    bad = client.get("/tracking/purchases?year=2026&after=yesterday")
    assert bad.status_code == 422

    export = client.get("/tracking/export/purchases.xlsx?year=2026&headers=keys")
    assert export.status_code == 200 and export.headers["content-type"].startswith(
        "application/vnd.openxmlformats"
    )
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert len(rows) == 121  # the header and 120 purchases, oldest first
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["po_number"] == "K-000" and cells["quantity_t"] == 1
    assert cells["purchase_date"].date() == date(2026, 1, 1)  # type: ignore[union-attr]


def test_portal_purchases_delete_takes_the_purchase_out_of_the_figures(
    session: Session,
) -> None:
    from tracking_factory import make_purchase

    supplier = make_supplier(session, "YNSD")
    buyer = make_user(session, "buyer")
    # Two purchases of 10 t and 5 t at the default 15.1: 151 + 75.5 = 226.5 t CO2e.
    kept = make_purchase(session, supplier=supplier, user=buyer, quantity_t="10")
    gone = make_purchase(session, supplier=supplier, user=buyer, quantity_t="5")
    runner = CliRunner()
    refused = runner.invoke(cli, ["purchases", "delete", str(gone.id), "--reason", " "])
    assert refused.exit_code == 2 and "reason" in refused.output
    missing = runner.invoke(cli, ["purchases", "delete", "999", "--reason", "typo"])
    assert missing.exit_code == 2 and "no purchase 999" in missing.output
    done = runner.invoke(cli, ["purchases", "delete", str(gone.id), "--reason", "typo in ERP"])
    assert done.exit_code == 0, done.output
    totals = summaries_totals(session)
    # What is left: 1 purchase, 10 t, 151 t CO2e.
    assert totals == (1, Decimal("10"), Decimal("151"))
    assert session.get(Purchase, kept.id) is not None
    _verified(session)


def summaries_totals(session: Session) -> tuple[int, Decimal, Decimal]:
    """2026's count, tonnes and emissions from the drill-down's totals (the summaries)."""
    from portal.tracking.queries import PurchaseFilter, purchase_totals

    found = purchase_totals(session, PurchaseFilter(year=2026))
    return found.purchases, found.quantity_t, found.emissions_t
