"""Pages without a readable text layer: garbage detected, scans read by OCR within bounds."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING

import pdf_factory
from pdf_scans import Line, Scan, glyph_codes, glyph_id_layer, scanned_pdf

from portal.pdfreading import ReadingLimits
from portal.pdfreading.crosscheck import cross_check
from portal.pdfreading.extraction import read_pdf
from portal.pdfreading.layout import garbled
from portal.pdfreading.mismatch import MismatchKind
from portal.pdfreading.ocr import tsv_runs
from portal.pdfwriter import PdfObjects

if TYPE_CHECKING:
    from conftest import FactsMaker

# In process there is no worker to stop: a long limit keeps OCR (given 70 % of it) from
# giving up on a machine the test run shares.
LIMITS = ReadingLimits(timeout_s=60)
FIGURE = "产品碳足迹：8.5 吨二氧化碳当量/吨"


# --- what counts as garbage ---


def test_nuls_between_characters_are_garbage() -> None:
    # A two-byte font read one byte at a time: "\x00产\x00品..." as pypdf gives it.
    assert garbled("".join(f"\x00{c}" for c in "Product carbon footprint"))


def test_replacement_and_private_use_characters_are_garbage() -> None:
    assert garbled("\ufffd" * 6 + "8.5 t")
    assert garbled("\ue001\ue002\ue003\ue004\ue005 CO2e 8.5")


def test_glyph_ids_read_as_code_points_are_garbage() -> None:
    # A CJK font without ToUnicode: its glyph ids (0x2373 for 产 in WenQuanYi Zen Hei) come
    # out as APL, Yi, Braille and CJK extension A characters.
    junk = glyph_codes("产品碳足迹声明 " + FIGURE).decode("utf-16-be")
    assert garbled(junk)


def test_real_text_with_units_and_symbols_is_not_garbage() -> None:
    assert not garbled(FIGURE + " ≤ 4 ℃ μm² ① ✓ ■ 10⁻³ – “GWP-GHG” €")
    assert not garbled("Déclaration environnementale: 8,60E+03 kg CO₂-Äq.")
    assert not garbled("\x00ab")  # too short to say


# --- OCR results become positioned text ---

_TSV = "\n".join(
    [
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
        "5\t1\t1\t1\t1\t1\t100\t200\t40\t30\t91\tGWP-GHG",
        "5\t1\t1\t1\t1\t2\t150\t200\t40\t30\t90\tkg",
        "5\t1\t1\t1\t1\t3\t195\t200\t60\t30\t90\tCO2e",
        "5\t1\t1\t1\t1\t4\t600\t202\t120\t30\t88\t8.07E+03",
        "5\t1\t1\t2\t1\t1\t100\t300\t30\t30\t85\t产品",
        "5\t1\t1\t2\t1\t2\t135\t300\t30\t30\t85\t碳足迹",
        "5\t1\t1\t2\t1\t3\t170\t300\t30\t-1\t-1\t ",
    ]
)


def test_tesseract_words_become_cells_on_one_baseline() -> None:
    # Scale 0.5 pt per pixel on a page 842 pt high. Words 10 px apart (under one em, 30/0.8
    # = 37.5 px) share a cell; the figure 345 px on starts its own. The line's baseline is
    # the words' mean bottom: (230 + 230 + 230 + 232) / 4 = 230.5 px -> 842 - 115.25 pt.
    runs = tsv_runs(_TSV, 0.5, 842)
    assert runs[:2] == [
        (50.0, 842 - 115.25, 18.75, "GWP-GHG kg CO2e"),
        (300.0, 842 - 115.25, 18.75, "8.07E+03"),
    ]
    assert runs[2][3] == "产品碳足迹"  # Chinese neighbours joined without a space
    assert len(runs) == 3  # the empty word is dropped


# --- reading documents ---


def _glyph_layer_pdf(with_image: bool) -> bytes:
    lines = [Line(60, 100, "产品碳足迹声明", 16), Line(60, 140, FIGURE, 11)]
    if with_image:
        return scanned_pdf([lines], Scan(text_layer="glyph-ids", seed=4))
    body, font = glyph_id_layer(lines)
    objects = PdfObjects()
    catalog, tree = objects.reserve(), objects.reserve()
    font_ref = objects.add(font)
    page = objects.add_page(
        tree, objects.add_stream(body), b"<< /Font << /F1 %d 0 R >> >>" % font_ref
    )
    return objects.finish(catalog, tree, [page])


def test_a_garbage_text_layer_over_a_scan_is_read_by_ocr() -> None:
    reading = read_pdf(_glyph_layer_pdf(with_image=True), LIMITS)
    assert (reading.garbled_pages, reading.ocr_pages) == ((1,), (1,))
    assert reading.footprint is not None
    assert (reading.footprint.t_per_t, reading.footprint.source) == (Decimal("8.5"), "ocr")
    assert "read by OCR from an image" in reading.footprint.reasons


def test_a_garbage_text_layer_without_an_image_asks_a_person(make_facts: FactsMaker) -> None:
    reading = read_pdf(_glyph_layer_pdf(with_image=False), LIMITS)
    assert (reading.garbled_pages, reading.ocr_pages, reading.footprint) == ((1,), (), None)
    [notice] = cross_check(
        make_facts(),
        list(reading.fields),
        document_kind="declaration",
        has_text_layer=reading.has_text_layer,
        garbled_pages=reading.garbled_pages,
    )
    assert (notice.field, notice.kind) == ("text_layer", MismatchKind.NEEDS_PERSON)


def test_an_image_too_coarse_to_read_is_not_given_to_ocr() -> None:
    # The demo scan is 119 px across an A4 page: 14 dpi, below the 60 dpi OCR starts at.
    reading = read_pdf(pdf_factory.scanned_pdf(), LIMITS)
    assert (reading.has_text_layer, reading.ocr_pages, reading.footprint) == (False, (), None)


def test_pages_given_to_ocr_are_bounded() -> None:
    pages = [[Line(60, 80, f"Page {n}: carbon footprint 7.{n} t CO2e/t", 14)] for n in range(1, 5)]
    data = scanned_pdf(pages, Scan(dpi=150, seed=8))
    reading = read_pdf(data, ReadingLimits(timeout_s=60, ocr_pages=2))
    # Four image pages, two read: the third and fourth are left to the person reviewing.
    assert (reading.page_count, reading.ocr_pages) == (4, (1, 2))
    assert {candidate.page for candidate in reading.candidates} <= {1, 2}


def test_an_image_declaring_too_many_pixels_is_not_decoded() -> None:
    # 8000 x 8000 grey = 64 Mpx (about A4 at 950 dpi), over the 40 Mpx OCR decodes: the
    # 64 MB of zeros compress to 62 KB, and the page goes to a person without decoding them.
    objects = PdfObjects()
    catalog, tree = objects.reserve(), objects.reserve()
    image = objects.add_stream(
        bytes(8000 * 8000),
        extra=b"/Type /XObject /Subtype /Image /Width 8000 /Height 8000"
        b" /ColorSpace /DeviceGray /BitsPerComponent 8",
    )
    content = objects.add_stream(b"q 595 0 0 842 0 0 cm /Scan Do Q")
    page = objects.add_page(tree, content, b"<< /XObject << /Scan %d 0 R >> >>" % image)
    started = time.monotonic()
    reading = read_pdf(objects.finish(catalog, tree, [page]), LIMITS)
    assert (reading.has_text_layer, reading.ocr_pages, reading.footprint) == (False, (), None)
    assert time.monotonic() - started < 1
