"""Small PDFs for the demo, written by hand: text pages (English and Chinese) and a scan.

English lines use the standard Helvetica font; lines with Chinese use the standard
STSong-Light font with the UniGB-UCS2-H encoding, which every PDF viewer has, plus a
ToUnicode map so that text extraction reads them back exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

from portal.pdfwriter import PAGE_HEIGHT, PAGE_WIDTH, PdfObjects, to_unicode_cmap, unicode_codes

LEFT, TOP, LEADING = 56, 780, 20


def _latin(text: str) -> bytes | None:
    try:
        encoded = text.encode("cp1252")
    except UnicodeEncodeError:
        return None
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _line(text: str, y: int, size: int) -> bytes:
    latin = _latin(text)
    if latin is not None:
        return b"BT /F1 %d Tf %d %d Td (%s) Tj ET" % (size, LEFT, y, latin)
    return b"BT /F2 %d Tf %d %d Td %s Tj ET" % (size, LEFT, y, unicode_codes(text))


def text_pdf(pages: Sequence[Sequence[str]]) -> bytes:
    """A PDF whose pages hold the given lines; the first line of each page is a heading."""
    pdf = PdfObjects()
    catalog, tree = pdf.reserve(), pdf.reserve()
    characters = sorted({c for page in pages for line in page for c in line})
    latin = pdf.add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    descriptor = pdf.add(
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6"
        b" /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120"
        b" /CapHeight 880 /StemV 93 >>"
    )
    cid_font = pdf.add(
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >>"
        b" /FontDescriptor %d 0 R /DW 1000 /W [1 95 500] >>" % descriptor
    )
    to_unicode = pdf.add_stream(to_unicode_cmap(characters))
    chinese = pdf.add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H"
        b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid_font, to_unicode)
    )
    fonts = b"<< /Font << /F1 %d 0 R /F2 %d 0 R >> >>" % (latin, chinese)
    kids = []
    for lines in pages:
        content = b"\n".join(
            _line(line, TOP - index * LEADING - (8 if index else 0), 16 if index == 0 else 11)
            for index, line in enumerate(lines)
        )
        kids.append(pdf.add_page(tree, pdf.add_stream(content), fonts))
    return pdf.finish(catalog, tree, kids)


def scanned_pdf(pages: int = 1) -> bytes:
    """Pages holding only a grey image with dark bars, as a scanner makes them: no text."""
    width, height = 119, 168
    rows = []
    for y in range(height):
        dark = 30 <= y < 150 and (y // 6) % 2 == 0 and y % 6 < 3
        rows.append(bytes(90 if dark and 10 <= x < 100 else 235 for x in range(width)))
    pdf = PdfObjects()
    catalog, tree = pdf.reserve(), pdf.reserve()
    image = pdf.add_stream(
        b"".join(rows),
        extra=b"/Type /XObject /Subtype /Image /Width %d /Height %d"
        b" /ColorSpace /DeviceGray /BitsPerComponent 8" % (width, height),
    )
    scan = b"<< /XObject << /Scan %d 0 R >> >>" % image
    kids = [
        pdf.add_page(
            tree, pdf.add_stream(b"q %d 0 0 %d 0 0 cm /Scan Do Q" % (PAGE_WIDTH, PAGE_HEIGHT)), scan
        )
        for _page in range(pages)
    ]
    return pdf.finish(catalog, tree, kids)
