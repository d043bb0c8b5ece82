"""Test PDFs made by code: declarations in English and Chinese, scans and hostile files."""

from __future__ import annotations

import io
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from portal.declarations import demo_pdfs
from portal.pdfwriter import PAGE_HEIGHT, PAGE_WIDTH, PdfObjects, to_unicode_cmap, unicode_codes

LEFT_MARGIN, TOP_Y, LEADING = 56, 786, 18


def _add_unicode_font(objects: PdfObjects, characters: Sequence[str]) -> int:
    """A Type0 font whose codes are Unicode code points, readable through its ToUnicode CMap."""
    descriptor = objects.add(
        b"<< /Type /FontDescriptor /FontName /SimSun /Flags 6 /FontBBox [0 -141 1000 859]"
        b" /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 683 /StemV 80 >>"
    )
    cid_font = objects.add(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
        b" /FontDescriptor %d 0 R /DW 1000 /CIDToGIDMap /Identity >>" % descriptor
    )
    to_unicode = objects.add_stream(to_unicode_cmap(characters))
    return objects.add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H"
        b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid_font, to_unicode)
    )


@dataclass(frozen=True)
class Text:
    """One run of text placed at x, y (points from the bottom-left corner)."""

    x: float
    y: float
    text: str
    size: float = 11


def _content_for(runs: Sequence[Text]) -> bytes:
    return b"\n".join(
        b"BT /F1 %s Tf %s %s Td %s Tj ET"
        % (
            str(run.size).encode(),
            str(run.x).encode(),
            str(run.y).encode(),
            unicode_codes(run.text),
        )
        for run in runs
    )


def lines_to_runs(lines: Sequence[str], *, x: float = LEFT_MARGIN) -> list[Text]:
    """Place lines one under the other from the top of the page."""
    return [Text(x, TOP_Y - i * LEADING, line) for i, line in enumerate(lines)]


def _runs(page: Sequence[Text] | Sequence[str]) -> list[Text]:
    placed = [item for item in page if isinstance(item, Text)]
    return placed + lines_to_runs([item for item in page if isinstance(item, str)])


def unicode_text_pdf(pages: Sequence[Sequence[Text] | Sequence[str]]) -> bytes:
    """A PDF with any Unicode text (Chinese included) that pypdf extracts as written."""
    page_runs = [_runs(page) for page in pages]
    characters = sorted({c for runs in page_runs for run in runs for c in run.text})
    objects = PdfObjects()
    catalog, page_tree = objects.reserve(), objects.reserve()
    font = _add_unicode_font(objects, characters)
    kids = []
    for runs in page_runs:
        content = objects.add_stream(_content_for(runs))
        kids.append(objects.add_page(page_tree, content, b"<< /Font << /F1 %d 0 R >> >>" % font))
    return objects.finish(catalog, page_tree, kids)


# --- declarations ---


@dataclass(frozen=True)
class Declared:
    """What a generated declaration states; tests compare found fields with it."""

    pcf: str = "4.2"
    unit: str = "tCO2e/t"
    standard: str = "ISO 14067:2018"
    verifier: str = "SGS-CSTC Standards Technical Services Co., Ltd."
    statement_number: str = "SGS-PCF-2025-0117"
    reference_period: str = "2024-01-01 to 2024-12-31"
    verification_date: str = "1 March 2025"
    valid_until: str = "28 February 2028"
    pre_consumer_pct: str | None = "20"
    post_consumer_pct: str | None = "35"


def english_declaration_lines(declared: Declared) -> list[str]:
    """The statements of an English ISO 14067 declaration, one per line."""
    lines = [
        "Product Carbon Footprint Declaration",
        f"Prepared in accordance with {declared.standard}",
        "Product: Aluminium alloy ingot A356.2",
        "Manufacturer: Shanxi Example Aluminium Co., Ltd.",
        "Declared unit: 1 tonne of product, system boundary cradle-to-gate",
        f"Reference period: {declared.reference_period}",
        f"Product carbon footprint (excluding biogenic uptake): {declared.pcf} {declared.unit}",
    ]
    if declared.pre_consumer_pct is not None:
        lines.append(f"Pre-consumer recycled content (ISO 14021): {declared.pre_consumer_pct} %")
    if declared.post_consumer_pct is not None:
        lines.append(f"Post-consumer recycled content (ISO 14021): {declared.post_consumer_pct} %")
    lines += [
        f"Verified by: {declared.verifier}",
        f"Verification statement No.: {declared.statement_number}",
        f"Date of verification: {declared.verification_date}",
        f"Valid until: {declared.valid_until}",
    ]
    return lines


_FILLER = (
    "The footprint was quantified from primary activity data of the casthouse for electricity, "
    "natural gas, alloying elements and transport, and secondary data from the ecoinvent "
    "database for upstream processes. Allocation between co-products follows mass. "
)


def english_declaration(declared: Declared = Declared(), *, pages: int = 1) -> bytes:
    """An English declaration laid out by fpdf2 (Helvetica); extra pages carry method text."""
    pdf = FPDF(format="A4")
    pdf.set_compression(True)
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    for line in english_declaration_lines(declared):
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    for number in range(2, pages + 1):
        pdf.add_page()
        pdf.cell(
            0, 8, f"Annex {number - 1}: method and data sources", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.multi_cell(0, 5, _FILLER * 14)
        pdf.cell(0, 8, f"Page {number} of {pages}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def english_table_declaration(declared: Declared = Declared()) -> bytes:
    """An English declaration with label and value in two columns of a table."""
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    pdf.cell(0, 10, "Carbon Footprint of Product - Summary", new_x="LMARGIN", new_y="NEXT")
    rows = [
        ("Standard", declared.standard),
        ("Reference period", declared.reference_period),
        ("Carbon footprint", f"{declared.pcf} {declared.unit}"),
        ("Verifier", declared.verifier),
        ("Statement number", declared.statement_number),
    ]
    for label, value in rows:
        pdf.cell(60, 8, label, border=1)
        pdf.cell(0, 8, value, border=1, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@dataclass(frozen=True)
class DeclaredZh:
    """What a generated Chinese declaration states."""

    pcf: str = "8.5"
    unit: str = "吨二氧化碳当量/吨"
    standard: str = "GB/T 24067-2024"
    verifier: str = "中国质量认证中心"
    statement_number: str = "CQC-PCF-2025-0088"
    reference_period: str = "2024年1月1日至2024年12月31日"
    verification_date: str = "2025年3月1日"
    valid_until: str = "2028年2月28日"
    pre_consumer_pct: str | None = "20"
    post_consumer_pct: str | None = "35"


def chinese_declaration_lines(declared: DeclaredZh) -> list[str]:
    """The statements of a Chinese declaration, with full-width colons as Chinese text has."""
    lines = [
        "产品碳足迹声明",
        f"依据标准：{declared.standard}",
        "产品名称：铝合金锭 A356.2",
        "生产企业：山西示例铝业有限公司",
        "声明单位：1吨产品，系统边界：从摇篮到大门",
        f"数据时间范围：{declared.reference_period}",
        f"产品碳足迹：{declared.pcf} {declared.unit}",
    ]
    if declared.pre_consumer_pct is not None:
        lines.append(f"消费前再生料含量：{declared.pre_consumer_pct}%")
    if declared.post_consumer_pct is not None:
        lines.append(f"消费后再生料含量：{declared.post_consumer_pct}%")
    lines += [
        f"核查机构：{declared.verifier}",
        f"核查声明编号：{declared.statement_number}",
        f"核查日期：{declared.verification_date}",
        f"有效期至：{declared.valid_until}",
    ]
    return lines


def chinese_declaration(declared: DeclaredZh = DeclaredZh()) -> bytes:
    """A Chinese declaration, one statement per line, with a CID font and ToUnicode map."""
    return unicode_text_pdf([chinese_declaration_lines(declared)])


def chinese_table_declaration(declared: DeclaredZh = DeclaredZh()) -> bytes:
    """A Chinese declaration as a two-column table: labels left, values right, no colons."""
    rows = [
        ("依据标准", declared.standard),
        ("数据时间范围", declared.reference_period),
        ("碳足迹", f"{declared.pcf}{declared.unit}"),
        ("核查机构", declared.verifier),
        ("声明编号", declared.statement_number),
    ]
    runs = [Text(LEFT_MARGIN, TOP_Y, "产品碳足迹核查声明", size=16)]
    for i, (label, value) in enumerate(rows, start=2):
        y = TOP_Y - i * LEADING
        runs += [Text(LEFT_MARGIN, y, label), Text(LEFT_MARGIN + 160, y, value)]
    return unicode_text_pdf([runs])


def coc_certificate() -> bytes:
    """An ASI Chain of Custody certificate with a recycled-content statement (English)."""
    return unicode_text_pdf(
        [
            [
                "ASI Chain of Custody Certificate",
                "Certificate No.: ASI-COC-2024-0311",
                "Certification body: DNV Business Assurance",
                "Date of issue: 2024-06-15",
                "Expiry date: 2027-06-14",
                "Material: recycled aluminium alloy ingot (mass balance)",
                "Recycled content: 55 %",
                "Pre-consumer: 20 %   Post-consumer: 35 %",
            ]
        ]
    )


def text_pdf(lines: Sequence[str]) -> bytes:
    """A one-page PDF with the given lines."""
    return unicode_text_pdf([lines])


# --- scans and hostile files ---


def scanned_pdf(pages: int = 1) -> bytes:
    """Pages that hold only a grey image, as a scanner makes them: no text layer."""
    return demo_pdfs.scanned_pdf(pages)


def empty_file() -> bytes:
    """Zero bytes."""
    return b""


def truncated_pdf() -> bytes:
    """A declaration cut off part-way, as an interrupted upload leaves it."""
    whole = english_declaration()
    return whole[: len(whole) * 2 // 3]


def not_a_pdf() -> bytes:
    """A ZIP (Word document) that a supplier named declaration.pdf."""
    return b"PK\x03\x04\x14\x00\x06\x00" + b"word/document.xml" + bytes(200)


def encrypted_pdf() -> bytes:
    """A declaration protected with a user password."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(english_declaration())))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@cache
def _compressed_zeros(expanded_bytes: int) -> bytes:
    compressor = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    parts = [compressor.compress(chunk) for _ in range(expanded_bytes >> 20)]
    parts.append(compressor.compress(bytes(expanded_bytes % (1 << 20))))
    parts.append(compressor.flush())
    return b"".join(parts)


def flate_bomb_pdf(expanded_bytes: int = 200 << 20) -> bytes:
    """A page whose content is Flate inside Flate: a few hundred bytes expanding hugely."""
    inner = _compressed_zeros(expanded_bytes)
    outer = zlib.compress(inner, 9)
    objects = PdfObjects()
    catalog, page_tree = objects.reserve(), objects.reserve()
    font = _add_unicode_font(objects, ["x"])
    content = objects.add(
        b"<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n" % len(outer)
        + outer
        + b"\nendstream"
    )
    page = objects.add(
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R"
        b" /Resources << /Font << /F1 %d 0 R >> >> >>"
        % (page_tree, PAGE_WIDTH, PAGE_HEIGHT, content, font)
    )
    return objects.finish(catalog, page_tree, [page])


def many_bombs_pdf(pages: int = 12, expanded_bytes: int = 15 << 20) -> bytes:
    """Pages whose contents are Flate in Flate, each just under the per-stream cap (~4 KB file).

    No one stream is too large, but reading them all needs pages × EXPANDED_BYTES of memory.
    """
    outer = zlib.compress(_compressed_zeros(expanded_bytes), 9)
    objects = PdfObjects()
    catalog, page_tree = objects.reserve(), objects.reserve()
    font = _add_unicode_font(objects, ["x"])  # with a font, the text is decoded
    kids = []
    for _ in range(pages):
        content = objects.add(
            b"<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n" % len(outer)
            + outer
            + b"\nendstream"
        )
        kids.append(objects.add_page(page_tree, content, b"<< /Font << /F1 %d 0 R >> >>" % font))
    return objects.finish(catalog, page_tree, kids)


def circular_xref_pdf() -> bytes:
    """A declaration with an incremental update whose trailer /Prev points back at itself."""
    original = text_pdf(["Product carbon footprint: 4.2 tCO2e/t"])
    xref_at = len(original)
    size = original.count(b" 0 obj\n") + 1
    update = (
        b"xref\n0 1\n0000000000 65535 f \n"
        b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
        % (size, xref_at, xref_at)
    )
    return original + update


def many_pages_pdf(pages: int = 60) -> bytes:
    """A text PDF with more pages than the reader accepts."""
    return unicode_text_pdf([[f"Annex page {n}"] for n in range(1, pages + 1)])


def oversized_pdf(size_bytes: int = 21 << 20) -> bytes:
    """A valid PDF made larger than the size limit by an incompressible embedded stream."""
    noise = random.Random(11).randbytes(size_bytes)
    objects = PdfObjects()
    catalog, page_tree = objects.reserve(), objects.reserve()
    blob = objects.add(b"<< /Length %d >>\nstream\n" % len(noise) + noise + b"\nendstream")
    page = objects.add(
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Blob %d 0 R >>"
        % (page_tree, PAGE_WIDTH, PAGE_HEIGHT, blob)
    )
    return objects.finish(catalog, page_tree, [page])


def slow_pdf(text_operations: int = 400_000) -> bytes:
    """A small file whose one page holds hundreds of thousands of text operations."""
    operation = b"BT /F1 1 Tf 10 10 Td <0078> Tj ET\n"
    objects = PdfObjects()
    catalog, page_tree = objects.reserve(), objects.reserve()
    font = _add_unicode_font(objects, ["x"])
    content = objects.add_stream(operation * text_operations)
    page = objects.add(
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R"
        b" /Resources << /Font << /F1 %d 0 R >> >> >>"
        % (page_tree, PAGE_WIDTH, PAGE_HEIGHT, content, font)
    )
    return objects.finish(catalog, page_tree, [page])
