"""The tracking exports speak the user's language: headers, material and supplier names."""

from __future__ import annotations

import csv
import io
from datetime import date

from fastapi.testclient import TestClient
from helpers import make_supplier, make_user, sign_in
from openpyxl import load_workbook
from sqlmodel import Session
from tracking_factory import make_purchase

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}
# The purchases export's columns, by hand, in the three choices.
PURCHASE_KEYS = [
    "id", "purchase_date", "purchase_year", "product_line", "po_number", "po_line",
    "supplier_code", "supplier_name", "material_code", "material_name", "material_category",
    "quantity_t", "factor_source", "pcf_t_per_t", "emissions_t", "recycled_fraction",
    "recycled_t", "declaration_id", "ruleset_revision", "check_id", "exception_reason",
]  # fmt: skip
PURCHASE_EN = [
    "Purchase ID", "Purchase date", "Purchase year", "Product line", "PO number", "PO line",
    "Supplier code", "Supplier name", "Material code", "Material name", "Material category",
    "Quantity (t)", "Factor source", "Factor (tCO2e/t)", "Emissions (tCO2e)",
    "Recycled fraction", "Recycled aluminium (t)", "Declaration ID", "Rule-set revision",
    "Check ID", "Exception reason",
]  # fmt: skip
PURCHASE_ZH = [
    "采购记录编号", "采购日期", "采购年份", "产品线", "采购订单号", "订单行号",
    "供应商代码", "供应商名称", "物料代码", "物料名称", "物料类别",
    "数量（t）", "因子来源", "排放因子（tCO2e/t）", "排放量（tCO2e）",
    "再生铝比例", "再生铝（t）", "声明编号", "规则集版本",
    "核查编号", "例外原因",
]  # fmt: skip


def _one_purchase(session: Session, client: TestClient) -> None:
    """10 t of primary ingot from YNSD at the default 15.1: 151 tCO2e; the ESG team signed in."""
    supplier = make_supplier(
        session, "YNSD", name_zh="云南水电铝业", name_en="Yunnan Hydro Aluminium"
    )
    buyer = make_user(session, "buyer")
    make_purchase(
        session, supplier=supplier, user=buyer, po_number="PO-7", purchase_date=date(2026, 3, 2)
    )
    make_user(session, "esg")
    sign_in(client, "esg@example.com")


def _csv(client: TestClient, url: str, language: dict[str, str]) -> list[list[str]]:
    answer = client.get(url, headers=language)
    assert answer.status_code == 200, answer.text
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel in China needs
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_the_purchases_csv_in_chinese_english_and_keys(
    client: TestClient, session: Session
) -> None:
    _one_purchase(session, client)
    url = "/tracking/export/purchases.csv?year=2026"

    header, row = _csv(client, url, ZH)
    assert header == PURCHASE_ZH
    cells = dict(zip(PURCHASE_KEYS, row, strict=True))
    assert (cells["supplier_code"], cells["supplier_name"]) == ("YNSD", "云南水电铝业")
    assert (cells["material_code"], cells["material_name"]) == ("al_primary_ingot", "原铝锭")
    assert float(cells["emissions_t"]) == 151  # 10 t × 15.1

    header, row = _csv(client, url, EN)
    assert header == PURCHASE_EN
    cells = dict(zip(PURCHASE_KEYS, row, strict=True))
    assert cells["supplier_name"] == "Yunnan Hydro Aluminium"
    assert cells["material_name"] == "Primary aluminium ingot"

    header, row = _csv(client, url + "&headers=keys", ZH)
    assert header == PURCHASE_KEYS  # what scripts read, whatever the language
    assert dict(zip(header, row, strict=True))["material_name"] == "原铝锭"
    header, _row = _csv(client, url + "&headers=en", ZH)
    assert header == PURCHASE_EN  # the choice wins over the browser's language


def test_the_purchases_xlsx_has_its_header_frozen_in_the_chosen_language(
    client: TestClient, session: Session
) -> None:
    _one_purchase(session, client)
    for language, query, sheet_name, expected in (
        (ZH, "", "采购记录", PURCHASE_ZH),
        (EN, "", "Purchases", PURCHASE_EN),
        (ZH, "&headers=keys", "purchases", PURCHASE_KEYS),
    ):
        answer = client.get(f"/tracking/export/purchases.xlsx?year=2026{query}", headers=language)
        assert answer.status_code == 200
        sheet = load_workbook(io.BytesIO(answer.content))[sheet_name]
        assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
        header, row = sheet.iter_rows(values_only=True)
        assert list(header) == expected
        cells = dict(zip(PURCHASE_KEYS, row, strict=True))
        name = "原铝锭" if language is ZH else "Primary aluminium ingot"
        assert (cells["material_code"], cells["material_name"]) == ("al_primary_ingot", name)


def test_the_yearly_figures_name_their_columns_sheets_and_materials(
    client: TestClient, session: Session
) -> None:
    _one_purchase(session, client)
    header, *rows = _csv(client, "/tracking/export/figures.csv?first=2026&last=2026", ZH)
    assert header[:4] == ["年份", "产品线", "产量（t）", "范围三类别1排放量（tCO2e）"]
    assert [row[:2] for row in rows] == [["2026", "alloy"], ["2026", "extrusion"]]
    header, *_rows = _csv(client, "/tracking/export/figures.csv?first=2026&last=2026", EN)
    assert header[:4] == ["Year", "Product line", "Production (t)", "Scope 3.1 emissions (tCO2e)"]

    answer = client.get("/tracking/export/figures.xlsx?first=2026&last=2026", headers=ZH)
    workbook = load_workbook(io.BytesIO(answer.content))
    assert workbook.sheetnames == ["年度数据", "物料", "目标来源"]
    materials = workbook["物料"]
    assert workbook["年度数据"].freeze_panes == "A2" and materials.freeze_panes == "A2"
    header, *rows = materials.iter_rows(values_only=True)
    assert header[2:5] == ("物料代码", "物料名称", "物料类别")
    assert (2026, "alloy", "al_primary_ingot", "原铝锭", "raw_material", 1, 10, 151, 0, 0) in rows

    answer = client.get("/tracking/export/figures.xlsx?first=2026&last=2026&headers=keys")
    workbook = load_workbook(io.BytesIO(answer.content))
    assert workbook.sheetnames == ["figures", "materials", "targets source"]
    assert next(workbook["materials"].iter_rows(values_only=True))[2:4] == (
        "material_code",
        "material_name",
    )


def test_an_unknown_header_choice_is_refused_by_name(client: TestClient, session: Session) -> None:
    _one_purchase(session, client)
    answer = client.get("/tracking/export/purchases.csv?year=2026&headers=fr", headers=ZH)
    assert answer.status_code == 422
    assert "表头：请选择 zh（中文）、en（英文）或 keys" in answer.text


def test_the_pages_offer_the_header_choice_beside_the_export_buttons(
    client: TestClient, session: Session
) -> None:
    _one_purchase(session, client)
    page = client.get("/tracking/purchases?year=2026&line=alloy", headers=ZH).text
    assert '<form method="get" action="/tracking/export/purchases.csv"' in page
    assert '<input type="hidden" name="line" value="alloy">' in page  # the filter goes along
    assert '<option value="zh" lang="zh-Hans" selected>中文</option>' in page
    assert 'formaction="/tracking/export/purchases.xlsx" id="export-purchases-xlsx"' in page
    dashboard = client.get("/tracking", headers=EN).text
    assert '<option value="en" lang="en" selected>English</option>' in dashboard
    assert 'id="export-figures-csv"' in dashboard and "column keys (for scripts)" in dashboard
