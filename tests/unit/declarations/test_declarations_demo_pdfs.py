"""The demo's hand-written PDFs read back as written; download names are harmless."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal.declarations.demo_pdfs import scanned_pdf, text_pdf
from portal.declarations.downloads import content_disposition
from portal.pdfreading import PdfReader


@pytest.fixture(scope="module")
def reader() -> Iterator[PdfReader]:
    with PdfReader(workers=1) as shared:
        yield shared


def test_english_and_chinese_lines_are_extracted_as_written(reader: PdfReader) -> None:
    reading = reader.read(
        text_pdf(
            [
                ["Declaration", "Product carbon footprint: 1.9 tCO2e/t"],
                [
                    "产品碳足迹声明",
                    "产品碳足迹：3.6 吨二氧化碳当量/吨",
                    "核查机构：中国质量认证中心",
                ],
            ]
        )
    )
    assert reading.page_count == 2 and reading.has_text_layer
    found = {(field.name, field.value, field.page) for field in reading.fields}
    assert ("pcf", "1.9", 1) in found
    assert ("pcf", "3.6", 2) in found
    assert ("verifier", "中国质量认证中心", 2) in found


def test_the_demo_scan_has_no_text_layer(reader: PdfReader) -> None:
    reading = reader.read(scanned_pdf())
    assert reading.page_count == 1 and not reading.has_text_layer


@pytest.mark.parametrize(
    ("original", "header"),
    [
        ("report.pdf", "inline; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"),
        ("../../etc/passwd", "inline; filename=\"passwd.pdf\"; filename*=UTF-8''passwd.pdf"),
        (
            'x"\r\nSet-Cookie: a=b',
            "inline; filename=\"xSet-Cookie_a_b.pdf\"; filename*=UTF-8''xSet-Cookie%3A%20a%3Db.pdf",
        ),
        (
            "碳足迹.PDF",
            "inline; filename=\"PDF.pdf\"; filename*=UTF-8''%E7%A2%B3%E8%B6%B3%E8%BF%B9.PDF",
        ),
    ],
)
def test_download_names_cannot_break_the_header_or_leave_the_pdf_type(
    original: str, header: str
) -> None:
    assert content_disposition(original) == header
