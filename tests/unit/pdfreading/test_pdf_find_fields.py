"""find_fields over the notations suppliers use, in English and Chinese."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from portal.pdfreading import FieldName, FoundField, PdfReading, find_fields


def _named(text: str, name: str) -> list[FoundField]:
    return [field for field in find_fields([text]) if field.name == name]


@pytest.mark.parametrize(
    ("text", "value", "unit", "t_per_t"),
    [
        ("Product carbon footprint: 4.2 tCO2e/t", "4.2", "tCO2e/t", "4.2"),
        ("Carbon footprint: 4,200 kg CO2e/t", "4200", "kgCO2e/t", "4.2"),
        ("PCF: 0.62 kgCO2e/kg", "0.62", "kgCO2e/kg", "0.62"),
        ("碳足迹：8.5 吨二氧化碳当量/吨", "8.5", "tCO2e/t", "8.5"),
        ("Carbon footprint 8.5 t CO₂e / t", "8.5", "tCO2e/t", "8.5"),
        ("产品碳足迹：620 千克二氧化碳当量/吨", "620", "kgCO2e/t", "0.62"),
        ("碳足迹：0.62 千克二氧化碳当量/千克", "0.62", "kgCO2e/kg", "0.62"),
        ("GWP total: 1.9 kgCO2eq/kg", "1.9", "kgCO2e/kg", "1.9"),
        ("Carbon footprint: 12.5 kg CO2-eq per kg", "12.5", "kgCO2e/kg", "12.5"),
        ("Carbon footprint: 4.2 t CO2 equivalent per tonne", "4.2", "tCO2e/t", "4.2"),
        ("Carbon footprint: 0,62 kg CO2e/kg", "0.62", "kgCO2e/kg", "0.62"),
        ("Carbon footprint: 1,234.5 kg CO2e/t", "1234.5", "kgCO2e/t", "1.2345"),
        ("Carbon footprint: 4.2 tCO2e/t Al", "4.2", "tCO2e/t", "4.2"),
        ("Carbon footprint: 8.5 ｔＣＯ２ｅ／ｔ", "8.5", "tCO2e/t", "8.5"),
        ("碳 足 迹 ： 8.5 吨 二 氧 化 碳 当 量 / 吨", "8.5", "tCO2e/t", "8.5"),
        ("Cradle-to-gate footprint\n4.2 tCO2e/t", "4.2", "tCO2e/t", "4.2"),
        ("Carbon footprint: 4.2\ntCO2e/t", "4.2", "tCO2e/t", "4.2"),
    ],
)
def test_footprint_notations_are_normalised_to_t_per_t(
    text: str, value: str, unit: str, t_per_t: str
) -> None:
    [footprint] = _named(text, FieldName.PCF)
    assert (footprint.value, footprint.unit) == (value, unit)
    assert footprint.t_per_t == Decimal(t_per_t)
    assert footprint.page == 1


def test_a_co2e_figure_without_a_footprint_label_is_kept_apart() -> None:
    fields = find_fields(["Electrolysis: 3.0 tCO2e/t"])
    assert [(f.name, f.t_per_t) for f in fields] == [(FieldName.CO2E_PER_MASS, Decimal("3.0"))]


@pytest.mark.parametrize(
    "text",
    [
        "Grid emission factor: 0.5306 kgCO2/kWh",
        "Transport: 0.1 kg CO2e/t·km",
        "Scope 1: 5 tCO2/t",  # CO2 only, not CO2-equivalents
        "In 2024 the plant made 7880 t of alloy.",
    ],
)
def test_figures_that_are_not_product_footprints_are_ignored(text: str) -> None:
    names = {f.name for f in find_fields([text])}
    assert FieldName.PCF not in names
    assert FieldName.CO2E_PER_MASS not in names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Date of verification: 2025-03-01", {FieldName.VERIFICATION_DATE: "2025-03-01"}),
        ("核查日期：2025年3月1日", {FieldName.VERIFICATION_DATE: "2025-03-01"}),
        ("Date of verification: 1 March 2025", {FieldName.VERIFICATION_DATE: "2025-03-01"}),
        ("Verification date: March 1, 2025", {FieldName.VERIFICATION_DATE: "2025-03-01"}),
        ("Date of issue: 13/03/2025", {FieldName.ISSUE_DATE: "2025-03-13"}),
        ("Date of issue: 03/13/2025", {FieldName.ISSUE_DATE: "2025-03-13"}),
        ("签发日期：2025/3/1", {FieldName.ISSUE_DATE: "2025-03-01"}),
        ("Valid until: 28 February 2028", {FieldName.VALIDITY_END: "2028-02-28"}),
        ("有效期至：2028年2月28日", {FieldName.VALIDITY_END: "2028-02-28"}),
        (
            "Validity: 2025-03-01 to 2028-02-28",
            {FieldName.VALIDITY_START: "2025-03-01", FieldName.VALIDITY_END: "2028-02-28"},
        ),
        (
            "Reference period: 2024-01-01 to 2024-12-31",
            {
                FieldName.REFERENCE_PERIOD_START: "2024-01-01",
                FieldName.REFERENCE_PERIOD_END: "2024-12-31",
            },
        ),
        (
            "数据时间范围：2024年1月1日至2024年12月31日",
            {
                FieldName.REFERENCE_PERIOD_START: "2024-01-01",
                FieldName.REFERENCE_PERIOD_END: "2024-12-31",
            },
        ),
        (
            "Reference year: 2024",
            {
                FieldName.REFERENCE_PERIOD_START: "2024-01-01",
                FieldName.REFERENCE_PERIOD_END: "2024-12-31",
            },
        ),
        (
            "核算年度：2023年",
            {
                FieldName.REFERENCE_PERIOD_START: "2023-01-01",
                FieldName.REFERENCE_PERIOD_END: "2023-12-31",
            },
        ),
        ("Printed on 2025-05-06", {FieldName.DATE: "2025-05-06"}),
    ],
)
def test_dates_are_read_with_what_they_date(text: str, expected: dict[str, str]) -> None:
    found = {f.name: f.value for f in find_fields([text])}
    assert found == expected


@pytest.mark.parametrize(
    "text",
    [
        "Date of issue: 01/03/2025",  # 1 March or 3 January: not guessed
        "Date of verification: 2025-02-30",  # no such day
    ],
)
def test_dates_whose_meaning_is_uncertain_are_not_read(text: str) -> None:
    assert find_fields([text]) == []


@pytest.mark.parametrize(
    ("text", "verifier"),
    [
        (
            "Verified by: SGS-CSTC Standards Technical Services Co., Ltd.",
            "SGS-CSTC Standards Technical Services Co., Ltd.",
        ),
        ("核查机构：中国质量认证中心", "中国质量认证中心"),
        ("验证机构: 必维认证（北京）有限公司", "必维认证(北京)有限公司"),
        ("Verifier   Bureau Veritas   Page 1", "Bureau Veritas"),
        ("Third-party verifier: TÜV Rheinland", "TÜV Rheinland"),
    ],
)
def test_verifier_names(text: str, verifier: str) -> None:
    assert [f.value for f in _named(text, FieldName.VERIFIER)] == [verifier]


def test_the_word_verifier_in_a_sentence_is_not_a_name() -> None:
    assert _named("The data were checked and the verifier confirms them.", "verifier") == []


@pytest.mark.parametrize(
    ("text", "name", "value"),
    [
        (
            "Verification statement No.: SGS-PCF-2025-0117",
            FieldName.STATEMENT_NUMBER,
            "SGS-PCF-2025-0117",
        ),
        ("声明编号：CQC-PCF-2025-0088", FieldName.STATEMENT_NUMBER, "CQC-PCF-2025-0088"),
        ("Statement number vs/2025/17.", FieldName.STATEMENT_NUMBER, "vs/2025/17"),
        ("Certificate No. ASI-COC-2024-0311", FieldName.CERTIFICATE_NUMBER, "ASI-COC-2024-0311"),
    ],
)
def test_statement_and_certificate_numbers_keep_their_printed_case(
    text: str, name: str, value: str
) -> None:
    assert [f.value for f in _named(text, name)] == [value]


@pytest.mark.parametrize(
    ("text", "standards"),
    [
        ("Prepared in accordance with ISO 14067:2018", ["ISO 14067"]),
        ("依据标准：GB/T 24067-2024", ["GB/T 24067"]),
        ("EPD according to ISO 14025 and EN 15804+A2", ["ISO 14025", "EN 15804"]),
        ("Data exchanged per the PACT Methodology v3", ["PACT"]),
        ("Life cycle impact assessment of the casthouse", []),
    ],
)
def test_standards_named(text: str, standards: list[str]) -> None:
    assert sorted(f.value for f in _named(text, FieldName.STANDARD)) == sorted(standards)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pre-consumer recycled content: 20 %", {FieldName.RECYCLED_PRE_CONSUMER_PCT: "20"}),
        (
            "Post-consumer recycled content (ISO 14021): 35 %",
            {FieldName.RECYCLED_POST_CONSUMER_PCT: "35"},
        ),
        (
            "消费前：20%  消费后：35%",
            {FieldName.RECYCLED_PRE_CONSUMER_PCT: "20", FieldName.RECYCLED_POST_CONSUMER_PCT: "35"},
        ),
        ("再生铝含量：55%", {FieldName.RECYCLED_CONTENT_PCT: "55"}),
        ("Recycled content: 55.5 %", {FieldName.RECYCLED_CONTENT_PCT: "55.5"}),
        (
            "Recycled content: pre-consumer 20 %, post-consumer 35 %",
            {FieldName.RECYCLED_PRE_CONSUMER_PCT: "20", FieldName.RECYCLED_POST_CONSUMER_PCT: "35"},
        ),
        ("消费后再生料含量：35%", {FieldName.RECYCLED_POST_CONSUMER_PCT: "35"}),
        ("Recycled content: 250 %", {}),
    ],
)
def test_recycled_content_split(text: str, expected: dict[str, str]) -> None:
    assert {f.name: f.value for f in find_fields([text])} == expected


def test_pages_are_numbered_from_one_and_repeats_are_reported_once() -> None:
    pages = ["Cover", "Carbon footprint: 4.2 tCO2e/t", "Carbon footprint: 4.2 tCO2e/t"]
    [footprint] = find_fields(pages)
    assert footprint.page == 2
    assert footprint.snippet == "Carbon footprint: 4.2 tCO2e/t"


def test_the_number_of_fields_is_bounded() -> None:
    pages = [f"Carbon footprint: {n}.5 tCO2e/t" for n in range(30)]
    assert len(find_fields(pages, max_fields=10)) == 10


def test_reading_round_trips_through_json() -> None:
    reading = PdfReading(
        page_count=2,
        has_text_layer=True,
        fields=tuple(find_fields(["碳足迹：8.5 吨二氧化碳当量/吨", "Verified by: SGS"])),
        text_chars=40,
    )
    again = PdfReading.from_dict(json.loads(json.dumps(reading.to_dict())))
    assert again == reading
    assert again.named(FieldName.PCF)[0].t_per_t == Decimal("8.5")
