"""The ledger's CSV and the import's example file speak the user's language."""

from __future__ import annotations

import csv
import io

from factories import make_declaration
from fastapi.testclient import TestClient
from helpers import make_user, sign_in
from sqlmodel import Session

from portal.procurement.importfile import read_lines

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}
LEDGER_KEYS = [
    "po_number", "po_line", "purchase_date", "purchase_year", "product_line", "supplier_code",
    "supplier_name", "material_code", "material_name", "material_category", "quantity_t",
    "check_verdict", "exception_reason", "factor_source", "declaration_id", "pcf_t_per_t",
    "emissions_t", "recycled_fraction", "recycled_t", "ruleset_revision", "check_id",
    "import_id", "recorded_at",
]  # fmt: skip
LEDGER_EN = [
    "PO number", "PO line", "Purchase date", "Purchase year", "Product line", "Supplier code",
    "Supplier name", "Material code", "Material name", "Material category", "Quantity (t)",
    "Check verdict", "Exception reason", "Factor source", "Declaration ID", "Factor (tCO2e/t)",
    "Emissions (tCO2e)", "Recycled fraction", "Recycled aluminium (t)", "Rule-set revision",
    "Check ID", "Import ID", "Recorded at",
]  # fmt: skip
LEDGER_ZH = [
    "采购订单号", "订单行号", "采购日期", "采购年份", "产品线", "供应商代码",
    "供应商名称", "物料代码", "物料名称", "物料类别", "数量（t）",
    "核查结果", "例外原因", "因子来源", "声明编号", "排放因子（tCO2e/t）",
    "排放量（tCO2e）", "再生铝比例", "再生铝（t）", "规则集版本",
    "核查编号", "导入编号", "记录时间",
]  # fmt: skip


def _rows(client: TestClient, url: str, language: dict[str, str]) -> list[dict[str, str]]:
    answer = client.get(url, headers=language)
    assert answer.status_code == 200, answer.text
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel in China needs
    header, *rows = csv.reader(io.StringIO(answer.content.decode("utf-8-sig")))
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_ledger_csv_in_chinese_english_and_keys(
    client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    make_declaration(session, plant.hydro)
    body = {
        "supplier": "YNSD",
        "material": "al_primary_ingot",
        "quantity_t": "10",
        "date": "2026-03-02",
        "product_line": "alloy",
        "po_number": "PO-7",
    }
    assert client.post("/api/v1/purchases", json=body, headers=erp).status_code == 201
    sign_in(client, make_user(session, "esg").email)

    (row,) = _rows(client, "/purchases/export.csv", ZH)
    assert list(row) == LEDGER_ZH
    assert (row["供应商代码"], row["供应商名称"]) == ("YNSD", "YNSD 公司")
    assert (row["物料代码"], row["物料名称"]) == ("al_primary_ingot", "原铝锭")

    (row,) = _rows(client, "/purchases/export.csv?year=2026", EN)
    assert list(row) == LEDGER_EN
    assert row["Supplier name"] == "Yunnan Hydro Aluminium Co."
    assert row["Material name"] == "Primary aluminium ingot"

    (row,) = _rows(client, "/purchases/export.csv?headers=keys", ZH)
    assert list(row) == LEDGER_KEYS
    assert (row["po_number"], row["material_name"]) == ("PO-7", "原铝锭")


def test_the_ledger_page_offers_the_header_choice_with_its_filters(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_user(session, "esg").email)
    page = client.get("/purchases?year=2026&product_line=alloy", headers=ZH).text
    assert '<form method="get" action="/purchases/export.csv"' in page
    assert '<input type="hidden" name="year" value="2026">' in page
    assert '<input type="hidden" name="product_line" value="alloy">' in page
    assert '<option value="zh" lang="zh-Hans" selected>中文</option>' in page


def test_the_import_example_file_is_headed_in_the_users_language_and_reads_back(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_user(session, "buyer").email)
    chinese = client.get("/purchases/import/template.csv", headers=ZH)
    assert chinese.content.decode("utf-8").startswith(
        "\ufeff采购订单号,订单行号,供应商代码,物料代码,数量（吨）,采购日期,产品线,例外原因\r\n"
    )
    english = client.get("/purchases/import/template.csv", headers=EN).content.decode("utf-8")
    assert english.startswith("\ufeffPO number,PO line,Supplier code,Material code,")
    keys = client.get("/purchases/import/template.csv?headers=keys", headers=ZH)
    assert keys.content.startswith(b"po_number,po_line,supplier,material,quantity_t,date,")
    for answer in (chinese.content, english.encode(), keys.content):
        lines = read_lines("template.csv", answer)
        assert [(line["po_number"], line["supplier"]) for line in lines] == [
            ("PO-2026-0101", "YNSD"),
            ("PO-2026-0101", "SXML"),
        ]
    page = client.get("/purchases/import", headers=ZH).text
    assert 'formaction="/purchases/import/template.csv" id="import-template"' in page
