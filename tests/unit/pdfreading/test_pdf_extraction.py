"""read_pdf in-process: generated declarations end to end, and pypdf held to our limits."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import TYPE_CHECKING

import pdf_factory
import pytest
from pypdf import PdfReader as PypdfReader
from pypdf import get_configuration

from portal.pdfreading import (
    FieldName,
    PdfReading,
    PdfRefused,
    ReadingLimits,
    cross_check,
    extraction,
)
from portal.pdfreading.extraction import read_pdf
from portal.pdfreading.limits import screen

if TYPE_CHECKING:
    from conftest import FactsMaker

LIMITS = ReadingLimits()


def _values(reading: PdfReading) -> dict[str, str]:
    return {field.name: field.value for field in reading.fields}


def test_the_factory_writes_chinese_that_pypdf_extracts() -> None:
    page = PypdfReader(io.BytesIO(pdf_factory.chinese_declaration())).pages[0]
    assert "产品碳足迹：8.5 吨二氧化碳当量/吨" in page.extract_text()


@pytest.mark.parametrize(
    "make", [pdf_factory.english_declaration, pdf_factory.english_table_declaration]
)
def test_english_declarations(make: object) -> None:
    assert callable(make)
    reading = read_pdf(make(), LIMITS)
    [footprint] = reading.named(FieldName.PCF)
    assert (footprint.value, footprint.unit, footprint.t_per_t) == (
        "4.2",
        "tCO2e/t",
        Decimal("4.2"),
    )
    values = _values(reading)
    assert values[FieldName.VERIFIER].startswith("SGS-CSTC Standards Technical Services")
    assert values[FieldName.STATEMENT_NUMBER] == "SGS-PCF-2025-0117"
    assert values[FieldName.STANDARD] == "ISO 14067"
    assert values[FieldName.REFERENCE_PERIOD_END] == "2024-12-31"
    assert reading.has_text_layer and reading.page_count == 1


@pytest.mark.parametrize(
    "make", [pdf_factory.chinese_declaration, pdf_factory.chinese_table_declaration]
)
def test_chinese_declarations(make: object) -> None:
    assert callable(make)
    values = _values(read_pdf(make(), LIMITS))
    assert values[FieldName.PCF] == "8.5"
    assert values[FieldName.VERIFIER] == "中国质量认证中心"
    assert values[FieldName.STATEMENT_NUMBER] == "CQC-PCF-2025-0088"
    assert values[FieldName.STANDARD] == "GB/T 24067"
    assert values[FieldName.REFERENCE_PERIOD_START] == "2024-01-01"


@pytest.mark.parametrize(
    ("declared", "t_per_t"),
    [
        (pdf_factory.Declared(pcf="4,200", unit="kg CO2e/t"), "4.2"),
        (pdf_factory.Declared(pcf="0.62", unit="kgCO2e/kg"), "0.62"),
        (pdf_factory.Declared(pcf="1.9", unit="kg CO2-eq/kg"), "1.9"),
    ],
)
def test_english_units_in_a_pdf(declared: pdf_factory.Declared, t_per_t: str) -> None:
    reading = read_pdf(pdf_factory.english_declaration(declared), LIMITS)
    assert [f.t_per_t for f in reading.named(FieldName.PCF)] == [Decimal(t_per_t)]


@pytest.mark.parametrize(
    ("declared", "t_per_t"),
    [
        (pdf_factory.DeclaredZh(pcf="0.62", unit="千克二氧化碳当量/千克"), "0.62"),
        (pdf_factory.DeclaredZh(pcf="8.5", unit="t CO₂e / t"), "8.5"),
        (pdf_factory.DeclaredZh(pcf="620", unit="kgCO2e/t"), "0.62"),
    ],
)
def test_chinese_units_in_a_pdf(declared: pdf_factory.DeclaredZh, t_per_t: str) -> None:
    reading = read_pdf(pdf_factory.chinese_declaration(declared), LIMITS)
    assert [f.t_per_t for f in reading.named(FieldName.PCF)] == [Decimal(t_per_t)]


def test_a_generated_declaration_bears_out_its_form(make_facts: FactsMaker) -> None:
    reading = read_pdf(pdf_factory.english_declaration(), LIMITS)
    mismatches = cross_check(make_facts(), reading.fields, document_kind="declaration")
    assert mismatches == []


def test_a_chinese_declaration_against_a_form_that_differs(make_facts: FactsMaker) -> None:
    reading = read_pdf(pdf_factory.chinese_declaration(), LIMITS)
    facts = make_facts(
        verifier_name="中国质量认证中心",
        verification_statement_number="CQC-PCF-2025-0088",
        pcf_excluding_biogenic=Decimal(7500),
    )
    [mismatch] = cross_check(facts, reading.fields, document_kind="declaration")
    assert (mismatch.field, mismatch.form_value, mismatch.pdf_value) == (
        "pcf",
        "7.5 tCO2e/t",
        "8.5 tCO2e/t",
    )


def test_ten_pages() -> None:
    reading = read_pdf(pdf_factory.english_declaration(pages=10), LIMITS)
    assert reading.page_count == 10
    assert reading.text_chars > 20_000
    assert reading.named(FieldName.PCF)[0].page == 1


def test_a_scan_has_no_text_layer() -> None:
    reading = read_pdf(pdf_factory.scanned_pdf(pages=2), LIMITS)
    assert (reading.page_count, reading.has_text_layer, reading.text_chars) == (2, False, 0)
    assert reading.fields == ()


def test_extracted_text_is_capped() -> None:
    with pytest.raises(PdfRefused) as refused:
        read_pdf(pdf_factory.english_declaration(pages=3), ReadingLimits(max_text_chars=1_000))
    assert refused.value.code == "bomb"


def test_a_stream_is_capped_at_the_configured_size() -> None:
    data = pdf_factory.flate_bomb_pdf(expanded_bytes=2 << 20)
    with pytest.raises(PdfRefused) as refused:
        read_pdf(data, ReadingLimits(max_stream_bytes=1 << 20))
    assert refused.value.code == "bomb"
    assert read_pdf(data, ReadingLimits(max_stream_bytes=4 << 20)).has_text_layer is False


def test_pypdf_limits_apply_only_while_reading() -> None:
    before = get_configuration()
    read_pdf(pdf_factory.text_pdf(["x"]), ReadingLimits(max_stream_bytes=1 << 20))
    assert get_configuration() is before


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"<html>declaration</html>", "not_pdf"),
        (b"\x00" * 1019 + b"%PDF-1.7", None),  # the header may be anywhere in the first KiB
        (b"\x00" * 1020 + b"%PDF-1.7", "not_pdf"),
        (b"%PDF-1.7" + bytes(100), "too_large"),
    ],
)
def test_screening_before_parsing(data: bytes, code: str | None) -> None:
    limits = ReadingLimits(max_bytes=100)
    if code is None:
        screen(data, ReadingLimits())
        return
    with pytest.raises(PdfRefused) as refused:
        screen(data, limits)
    assert refused.value.code == code
    assert refused.value.message_en and refused.value.message_zh


def test_refusals_round_trip_with_their_messages() -> None:
    refusal = PdfRefused("too_many_pages", pages=60, limit=50)
    again = PdfRefused.from_dict(refusal.to_dict())
    assert (again.code, again.message_en, again.message_zh) == (
        "too_many_pages",
        "The PDF has 60 pages; at most 50 are accepted.",
        "该 PDF 共 60 页，超过上限 50 页。",
    )


def test_long_runs_of_blanks_in_a_content_stream_are_cut_before_it_is_parsed() -> None:
    # A page of 15 MiB of NULs around nothing (Flate in Flate, a 4 KB file): the positioned-text
    # parser reads blanks one byte at a time (about 1 s a page here), so they are cut first.
    page = PypdfReader(io.BytesIO(pdf_factory.many_bombs_pdf(pages=1))).pages[0]
    assert len(page.get_contents().get_data()) == 15 << 20
    extraction._squeeze_blanks(page)
    assert len(page.get_contents().get_data()) < 16
    # A normal page keeps every byte, its text read as before.
    data = pdf_factory.text_pdf(["Product carbon footprint: 4 200 kgCO2e/t"])
    page = PypdfReader(io.BytesIO(data)).pages[0]
    before = page.get_contents().get_data()
    extraction._squeeze_blanks(page)
    assert page.get_contents().get_data() == before
    assert page.extract_text() == "Product carbon footprint: 4 200 kgCO2e/t"
