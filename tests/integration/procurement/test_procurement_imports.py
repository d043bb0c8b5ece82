"""ERP imports: per-line preview, all-or-nothing confirmation, idempotence, progress."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from factories import make_declaration
from fastapi.testclient import TestClient
from helpers import csrf_from
from openpyxl import Workbook
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal.audit import AuditEvent
from portal.declarations.models import DeclarationStatus
from portal.jobs.runner import run_until_idle
from portal.procurement import imports
from portal.procurement.models import BuyerCheck, Purchase, PurchaseImport, PurchaseImportLine

HEADER = "po_number,po_line,supplier,material,quantity_t,date,product_line,exception_reason"
GOOD = [
    "PO-1,1,YNSD,al_primary_ingot,100,2026-02-01,alloy,",
    "PO-1,2,YNSD,al_primary_ingot,20.5,2026-02-01,extrusion,",
    "PO-2,1,SXML,al_primary_ingot,10,2026-02-03,alloy,Only supplier with stock",
]


def csv_file(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def upload(client: TestClient, data: bytes, name: str = "erp.csv"):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/purchases/import").text)
    return client.post(
        "/purchases/import",
        data={"csrf_token": token},
        files={"file": (name, data, "text/csv")},
    )


def confirm(client: TestClient, page_url: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page_url).text)
    return client.post(page_url + "/confirm", data={"csrf_token": token})


def import_url(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r"/purchases/import/\d+", str(response.url))
    assert match, response.url
    return match.group(0)


@pytest.fixture
def hydro_declared(session: Session, plant):  # type: ignore[no-untyped-def]
    return make_declaration(session, plant.hydro, pcf_t_per_t="4.5")


def test_preview_then_confirm_stores_every_line_once(
    buyer_client: TestClient,
    session: Session,
    plant,
    hydro_declared,
    buyer,  # type: ignore[no-untyped-def]
) -> None:
    page = upload(buyer_client, csv_file(*GOOD))
    assert page.status_code == 200
    assert "3 lines: 3 new, 0 already recorded (skipped), 0 invalid, 1 exceptions" in page.text
    assert re.search(r'id="line-2-verdict">pass<', page.text)
    assert re.search(r'id="line-4-verdict">fail<', page.text)
    assert "has not submitted a carbon-footprint declaration" in page.text
    assert session.exec(select(Purchase)).all() == []  # a preview stores nothing
    assert session.exec(select(BuyerCheck)).all() == []

    url = import_url(page)
    stored = confirm(buyer_client, url)
    assert stored.status_code == 200 and "3 new purchases" in stored.text
    purchases = session.exec(select(Purchase).order_by(Purchase.po_number, Purchase.po_line)).all()
    assert [(p.po_number, p.po_line, p.product_line) for p in purchases] == [
        ("PO-1", 1, "alloy"),
        ("PO-1", 2, "extrusion"),
        ("PO-2", 1, "alloy"),
    ]
    assert purchases[0].declaration_id == hydro_declared.id and purchases[0].emissions_t == 450
    assert purchases[2].exception_reason == "Only supplier with stock"
    assert all(p.import_id is not None and p.recorded_by_id == buyer.id for p in purchases)
    assert len(session.exec(select(BuyerCheck)).all()) == 3
    [event] = session.exec(
        select(AuditEvent).where(AuditEvent.action == "purchase_import.confirmed")
    ).all()
    assert event.after and event.after["stored"] == 3
    [exception] = event.after["exceptions"]  # each exception with its reason, in the audit trail
    assert exception["purchase_id"] == purchases[2].id
    assert exception["exception_reason"] == "Only supplier with stock"

    again = upload(buyer_client, csv_file(*GOOD))
    assert "0 new, 3 already recorded (skipped), 0 invalid" in again.text
    assert confirm(buyer_client, import_url(again)).status_code == 200
    assert len(session.exec(select(Purchase)).all()) == 3  # importing again adds nothing

    twice = confirm(buyer_client, url)
    assert twice.status_code == 409


def test_a_file_with_any_invalid_line_stores_nothing(
    buyer_client: TestClient,
    session: Session,
    plant,
    hydro_declared,  # type: ignore[no-untyped-def]
) -> None:
    lines = [
        *GOOD[:2],
        "PO-3,1,PLANT,al_billet,40,2026-02-05,extrusion,",  # an internal transfer
        "PO-4,1,SXML,al_primary_ingot,10,2026-02-06,alloy,",  # failed check, no reason
        "PO-5,1,NOPE,gold,-3,2026-13-01,rolling,",
        "PO-1,1,YNSD,al_primary_ingot,5,2026-02-07,alloy,",  # PO line repeated
    ]
    page = upload(buyer_client, csv_file(*lines))
    assert "4 invalid" in page.text
    assert 'id="import-invalid"' in page.text and 'id="confirm-import"' not in page.text
    problems = {
        row: re.search(rf'id="line-{row}-problems">(.*?)</ul>', page.text, re.S)
        for row in (4, 5, 6, 7)
    }
    assert "Internal transfers from the plant itself are not purchases" in problems[4].group(1)  # type: ignore[union-attr]
    assert "give an exception reason" in problems[5].group(1)  # type: ignore[union-attr]
    row6 = problems[6].group(1)  # type: ignore[union-attr]
    for text in ("NOPE", "gold", "more than 0", "YYYY-MM-DD", "alloy (铝合金)"):
        assert text in row6
    assert "appears twice in this file (first in row 2)" in problems[7].group(1)  # type: ignore[union-attr]

    response = confirm(buyer_client, import_url(page))
    assert response.status_code == 422 and 'id="import-invalid"' in response.text
    assert session.exec(select(Purchase)).all() == []


def test_confirming_checks_again_and_stores_nothing_if_a_line_became_invalid(
    buyer_client: TestClient,
    session: Session,
    plant,
    hydro_declared,  # type: ignore[no-untyped-def]
) -> None:
    page = upload(buyer_client, csv_file(*GOOD[:2]))
    assert 'id="confirm-import"' in page.text
    hydro_declared.status = DeclarationStatus.REJECTED
    session.add(hydro_declared)
    session.commit()
    response = confirm(buyer_client, import_url(page))
    assert response.status_code == 422 and 'id="import-changed"' in response.text
    assert "2 invalid" in response.text
    assert session.exec(select(Purchase)).all() == []
    assert session.exec(select(BuyerCheck)).all() == []


def test_a_recorded_po_line_with_other_data_is_refused(
    buyer_client: TestClient,
    session: Session,
    plant,
    hydro_declared,  # type: ignore[no-untyped-def]
) -> None:
    confirm(buyer_client, import_url(upload(buyer_client, csv_file(GOOD[0]))))
    changed = GOOD[0].replace(",100,", ",101,")
    page = upload(buyer_client, csv_file(changed, GOOD[1]))
    assert "already recorded with different data" in page.text and "1 invalid" in page.text


def test_chinese_headers_gbk_csv_and_xlsx(
    buyer_client: TestClient,
    session: Session,
    plant,
    hydro_declared,  # type: ignore[no-untyped-def]
) -> None:
    chinese = "采购订单号;订单行号;供应商代码;物料代码;数量（吨）;采购日期;产品线;例外原因\n"
    chinese += "CN-1;1;YNSD;原铝锭;12;2026/03/01;铝合金;\n"
    page = upload(buyer_client, chinese.encode("gb18030"), "导出.csv")
    assert "1 new" in page.text, page.text
    confirm(buyer_client, import_url(page))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Report of purchases"])  # not a header: the first row with our columns is
    sheet.append(
        [
            "PO number",
            "Supplier code",
            "Material code",
            "Quantity (t)",
            "Purchase date",
            "Product line",
            "Buyer",
        ]
    )
    sheet.append(
        ["X-1", "ynsd", "Primary aluminium ingot", 7.5, datetime(2026, 3, 2), "extrusion", "Zhang"]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = upload(buyer_client, buffer.getvalue(), "export.xlsx")
    assert page.status_code == 422 and "Columns missing" in page.text  # the title row is no header

    sheet.delete_rows(1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = upload(buyer_client, buffer.getvalue(), "export.xlsx")
    assert "1 new" in page.text, page.text
    confirm(buyer_client, import_url(page))
    purchases = session.exec(select(Purchase).order_by(Purchase.id)).all()
    assert [
        (p.po_number, p.material_code, p.quantity_t, p.purchase_date, p.product_line)
        for p in purchases
    ] == [
        ("CN-1", "al_primary_ingot", 12, date(2026, 3, 1), "alloy"),
        ("X-1", "al_primary_ingot", 7.5, date(2026, 3, 2), "extrusion"),
    ]


UNREADABLE = [
    (b"", "The file is empty."),
    (b"po_number,supplier\nPO-1,YNSD\n", "Columns missing: Material code / 物料代码"),
    (b"\xd0\xcf\x11\xe0old excel", ".xls files are not supported"),
    (HEADER.encode() + b"\n", "header but no lines"),
    (b"PK\x03\x04broken zip", "could not be read"),
]


def test_unreadable_files_are_refused_with_a_reason(buyer_client: TestClient) -> None:
    for data, message in UNREADABLE:
        page = upload(buyer_client, data)
        assert page.status_code == 422, message
        assert message in page.text


def test_a_large_file_is_checked_and_stored_by_jobs_with_progress(
    buyer_client: TestClient,
    session: Session,
    engine: Engine,
    plant,
    hydro_declared,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    lines = [f"L-{n},1,YNSD,al_primary_ingot,1,2026-02-01,alloy," for n in range(5)]
    page = upload(buyer_client, csv_file(*lines))
    assert 'id="import-progress"' in page.text
    assert 'max="5" value="0"' in page.text and "0 of 5 lines checked" in page.text
    url = import_url(page)
    polled = buyer_client.get(url + "/progress", headers={"HX-Request": "true"})
    assert 'id="import-progress-box"' in polled.text and 'hx-trigger="every 1s"' in polled.text
    assert 'id="cancel-import"' in polled.text
    # Without JavaScript the fragment's address leads back to the page.
    plain = buyer_client.get(url + "/progress", follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == url
    assert run_until_idle(engine) == 1  # the checking job, as a server's runner runs it
    done = buyer_client.get(url + "/progress", headers={"HX-Request": "true"})
    assert done.headers["HX-Redirect"] == url
    preview = buyer_client.get(url)
    assert "5 lines: 5 new" in preview.text and 'id="confirm-import"' in preview.text
    stored = session.exec(select(PurchaseImport)).one()
    assert stored.id is not None and stored.checked_count == 5
    assert len(imports.line_results(session, import_id=stored.id)) == 5

    storing = confirm(buyer_client, url)
    assert storing.status_code == 200 and "Storing the purchases" in storing.text
    assert session.exec(select(Purchase)).all() == []
    assert run_until_idle(engine) == 1  # the confirming job
    finished = buyer_client.get(url + "/progress", headers={"HX-Request": "true"})
    assert finished.headers["HX-Redirect"] == f"/purchases?import_id={stored.id}&stored=5&skipped=0"
    assert len(session.exec(select(Purchase)).all()) == 5
    assert confirm(buyer_client, url).status_code == 409


def test_unknown_imports_are_not_found(buyer_client: TestClient) -> None:
    for import_id in ("999", "99999999999999999999"):
        assert buyer_client.get(f"/purchases/import/{import_id}").status_code == 404


def test_each_import_line_is_answered_as_the_check_api_answers_it(
    buyer_client: TestClient,
    session: Session,
    plant,
    erp: dict[str, str],  # type: ignore[no-untyped-def]
) -> None:
    make_declaration(session, plant.hydro, pcf_t_per_t="4.5", valid_until=date(2026, 12, 31))
    make_declaration(  # another product of the same material, declared later
        session,
        plant.hydro,
        pcf_t_per_t="3.9",
        submitted_on=date(2026, 1, 20),
        reference_period_start=date(2025, 1, 1),
        reference_period_end=date(2025, 12, 31),
    )
    make_declaration(session, plant.coal, status=DeclarationStatus.REJECTED, verdict="fail")
    make_declaration(session, plant.coal, "silicon_metal", valid_until=date(2025, 6, 30))
    make_declaration(session, plant.hydro, "al_recycled_ingot", status="in_review")
    questions = [
        ("YNSD", "al_primary_ingot", "2024-06-01"),  # only the first product covers the day
        ("YNSD", "al_primary_ingot", "2026-06-01"),  # both do: the newer one applies
        ("SXML", "al_primary_ingot", "2026-06-01"),  # rejected only
        ("SXML", "silicon_metal", "2026-06-01"),  # expired
        ("YNSD", "al_recycled_ingot", "2026-06-01"),  # in review only
        ("SXML", "magnesium", "2026-06-01"),  # none submitted
    ]
    lines = [
        f"PO-X,{n},{supplier},{material},12.5,{day},alloy,Approved by ESG"
        for n, (supplier, material, day) in enumerate(questions, start=1)
    ]
    page = upload(buyer_client, csv_file(*lines))
    assert page.status_code == 200
    import_id = session.exec(select(PurchaseImport.id)).one()
    results = imports.line_results(session, import_id=import_id)
    for (supplier, material, day), result in zip(questions, results, strict=True):
        answer = buyer_client.post(
            "/api/v1/checks",
            headers=erp,
            json={
                "supplier": supplier,
                "material": material,
                "quantity_t": "12.5",
                "date": day,
                "product_line": "alloy",
            },
        ).json()
        assert (result["verdict"], result["declaration_id"], result["factor_source"]) == (
            answer["verdict"],
            answer["declaration_id"],
            answer["factor_source"],
        ), (supplier, material, day)
        assert [r["rule_id"] for r in result["reasons"]] == [
            r["rule_id"] for r in answer["reasons"]
        ]
        assert Decimal(result["emissions_t"]) == Decimal(answer["emissions_t"])
    chosen = [result["declaration_id"] for result in results[:2]]
    assert chosen[0] != chosen[1] and None not in chosen


def test_lines_are_rows_and_each_batch_writes_only_its_own(
    buyer_client: TestClient,
    session: Session,
    engine: Engine,
    plant,
    hydro_declared,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    written: list[int] = []

    def count_line_writes(_c, _cursor, statement: str, parameters, _context, many: bool) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE PURCHASE_IMPORT_LINE"):
            written.append(len(parameters) if many else 1)

    event.listen(engine, "before_cursor_execute", count_line_writes)
    try:
        page = upload(
            buyer_client,
            csv_file(*[f"L-{n},1,YNSD,al_primary_ingot,1,2026-02-01,alloy," for n in range(5)]),
        )
        url = import_url(page)
        assert run_until_idle(engine) == 1
        assert "5 lines: 5 new" in buyer_client.get(url).text
        assert confirm(buyer_client, url).status_code == 200
        assert run_until_idle(engine) == 1
    finally:
        event.remove(engine, "before_cursor_execute", count_line_writes)
    # 5 lines in batches of 2: each batch writes its 2, 2 and 1 outcomes, nothing before it;
    # confirming checks all 5 again and writes none, as none changed.
    assert written == [2, 2, 1]
    assert len(session.exec(select(Purchase)).all()) == 5
    lines = session.exec(select(PurchaseImportLine).order_by(PurchaseImportLine.line_index)).all()
    assert [(line.sheet_row, line.cells["po_number"], line.status) for line in lines] == [
        (n + 2, f"L-{n}", "new") for n in range(5)
    ]


def test_an_over_long_cell_is_kept_once_not_repeated_in_the_outcome(
    buyer_client: TestClient,
    session: Session,
    plant,  # type: ignore[no-untyped-def]
) -> None:
    long = "x" * 2100  # the longest a cell is kept; every field refuses it
    page = upload(buyer_client, csv_file(",".join([long] * 7 + [""])))
    assert "1 invalid" in page.text
    [line] = session.exec(select(PurchaseImportLine)).all()
    assert line.cells["supplier"] == long  # the cell as read, once
    # Seven 2,100-character values shown cut to 100 characters, in the row and each problem.
    assert line.result is not None and len(json.dumps(line.result)) < 4000
    assert line.result["supplier"] == "x" * 100 + "…"
