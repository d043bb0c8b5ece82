"""The export columns' labels: one map, every key in Chinese and English (pure)."""

from __future__ import annotations

import re

import pytest

from portal import exportcolumns, i18n
from portal.energy.pages import CSV_COLUMNS as ENERGY_COLUMNS
from portal.energy.review import REVIEW_COLUMNS
from portal.errors import InvalidInput
from portal.exportcolumns import Headers, headers_for, labels
from portal.procurement.importfile import COLUMNS as IMPORT_COLUMNS
from portal.procurement.ledger import CSV_COLUMNS as LEDGER_COLUMNS
from portal.tracking.exports import MATERIAL_COLUMNS, PURCHASE_COLUMNS
from portal.tracking.schemas import CSV_COLUMNS as FIGURE_COLUMNS

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_key_has_a_chinese_and_an_english_label() -> None:
    chinese, english = labels("zh"), labels("en")
    assert chinese.keys() == english.keys()
    for key in english:
        assert english[key].strip() and not CHINESE.search(english[key]), key
        assert CHINESE.search(chinese[key]), f"{key}: {chinese[key]!r} has no Chinese"


def test_every_exports_columns_are_in_the_one_map() -> None:
    known = labels("en").keys()
    for columns in (
        FIGURE_COLUMNS, MATERIAL_COLUMNS, PURCHASE_COLUMNS, LEDGER_COLUMNS, ENERGY_COLUMNS,
        REVIEW_COLUMNS,
    ):  # fmt: skip
        assert set(columns) <= known, set(columns) - known


def test_a_header_row_in_each_choice() -> None:
    columns = ("po_number", "material_code", "material_name")
    assert Headers("zh", "zh").row(columns) == ["采购订单号", "物料代码", "物料名称"]
    assert Headers("en", "en").row(columns) == ["PO number", "Material code", "Material name"]
    assert Headers("keys", "zh").row(columns) == list(columns)


def test_names_follow_the_headers_language_and_the_users_for_keys() -> None:
    token = i18n.current_locale.set("zh")
    try:
        assert headers_for("") == Headers("zh", "zh")  # the user's language by default
        assert headers_for("en") == Headers("en", "en")
        assert headers_for("keys") == Headers("keys", "zh")
        with pytest.raises(InvalidInput) as refused:
            headers_for("fr")
    finally:
        i18n.current_locale.reset(token)
    assert refused.value.field == "headers" and "表头" in refused.value.message
    assert Headers("zh", "zh").material_names()["al_primary_ingot"] == "原铝锭"
    assert Headers("en", "en").material_names()["al_primary_ingot"] == "Primary aluminium ingot"
    assert Headers("en", "en").supplier_name("云铝", "Yunnan Aluminium") == "Yunnan Aluminium"
    assert Headers("zh", "zh").supplier_name("", "Yunnan Aluminium") == "Yunnan Aluminium"


def test_an_import_formats_example_headers_are_the_names_its_reader_knows() -> None:
    assert Headers("zh", "zh").import_row(IMPORT_COLUMNS)[:2] == ["采购订单号", "订单行号"]
    assert Headers("en", "en").import_row(IMPORT_COLUMNS)[:2] == ["PO number", "PO line"]
    assert exportcolumns.KEY_HEADERS.import_row(IMPORT_COLUMNS)[:2] == ["po_number", "po_line"]


def test_a_formula_never_reaches_a_spreadsheet() -> None:
    assert exportcolumns.formula_safe("=1+1") == "'=1+1"
    assert exportcolumns.formula_safe("-5 kg") == "'-5 kg"
    assert exportcolumns.formula_safe("a=b") == "a=b" and exportcolumns.formula_safe(-5) == -5
