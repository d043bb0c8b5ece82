"""Small PDFs for the demo, written by hand: text pages (English and Chinese) and a scan.

English lines use the standard Helvetica font; lines with Chinese use the standard
STSong-Light font with the UniGB-UCS2-H encoding, which every PDF viewer has, plus a
ToUnicode map so that text extraction reads them back exactly.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
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
    codes = text.encode("utf-16-be").hex().upper().encode("ascii")
    return b"BT /F2 %d Tf %d %d Td <%s> Tj ET" % (size, LEFT, y, codes)


def _to_unicode(characters: Sequence[str]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    for start in range(0, len(characters), 100):
        chunk = characters[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{ord(c):04X}> <{ord(c):04X}>" for c in chunk]
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode("ascii")


class _Writer:
    """Numbered objects, then a cross-reference table and trailer."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def reserve(self) -> int:
        self.bodies.append(b"")
        return len(self.bodies)

    def put(self, number: int, body: bytes) -> int:
        self.bodies[number - 1] = body
        return number

    def add(self, body: bytes) -> int:
        return self.put(self.reserve(), body)

    def stream(self, data: bytes, extra: bytes = b"") -> int:
        packed = zlib.compress(data)
        head = b"<< /Length %d /Filter /FlateDecode %s >>" % (len(packed), extra)
        return self.add(head + b"\nstream\n" + packed + b"\nendstream")

    def output(self, root: int) -> bytes:
        out = io.BytesIO()
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self.bodies, start=1):
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
        for offset in offsets:
            out.write(b"%010d 00000 n \n" % offset)
        out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\n" % (len(offsets) + 1, root))
        out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
        return out.getvalue()


def _page_tree(writer: _Writer, pages: int, kids: list[int]) -> None:
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    writer.put(pages, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids)))


def text_pdf(pages: Sequence[Sequence[str]]) -> bytes:
    """A PDF whose pages hold the given lines; the first line of each page is a heading."""
    writer = _Writer()
    catalog, tree = writer.reserve(), writer.reserve()
    characters = sorted({c for page in pages for line in page for c in line})
    latin = writer.add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    descriptor = writer.add(
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6"
        b" /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120"
        b" /CapHeight 880 /StemV 93 >>"
    )
    cid_font = writer.add(
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >>"
        b" /FontDescriptor %d 0 R /DW 1000 /W [1 95 500] >>" % descriptor
    )
    to_unicode = writer.stream(_to_unicode(characters))
    chinese = writer.add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H"
        b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid_font, to_unicode)
    )
    kids = []
    for lines in pages:
        content = b"\n".join(
            _line(line, TOP - index * LEADING - (8 if index else 0), 16 if index == 0 else 11)
            for index, line in enumerate(lines)
        )
        stream = writer.stream(content)
        kids.append(
            writer.add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R"
                b" /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>"
                % (tree, PAGE_WIDTH, PAGE_HEIGHT, stream, latin, chinese)
            )
        )
    _page_tree(writer, tree, kids)
    writer.put(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    return writer.output(catalog)


def scanned_pdf() -> bytes:
    """One page holding only a grey image with dark bars, as a scanner makes it: no text."""
    width, height = 119, 168
    rows = []
    for y in range(height):
        dark = 30 <= y < 150 and (y // 6) % 2 == 0 and y % 6 < 3
        rows.append(bytes(90 if dark and 10 <= x < 100 else 235 for x in range(width)))
    writer = _Writer()
    catalog, tree = writer.reserve(), writer.reserve()
    image = writer.stream(
        b"".join(rows),
        extra=b"/Type /XObject /Subtype /Image /Width %d /Height %d"
        b" /ColorSpace /DeviceGray /BitsPerComponent 8" % (width, height),
    )
    content = writer.stream(b"q %d 0 0 %d 0 0 cm /Scan Do Q" % (PAGE_WIDTH, PAGE_HEIGHT))
    page = writer.add(
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R"
        b" /Resources << /XObject << /Scan %d 0 R >> >> >>"
        % (tree, PAGE_WIDTH, PAGE_HEIGHT, content, image)
    )
    _page_tree(writer, tree, [page])
    writer.put(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    return writer.output(catalog)
