"""A minimal PDF writer: numbered objects, Flate streams, a page tree and a classic xref table.

Used for the demo's declarations and by the tests, whose hostile files need every byte of the
structure under their control. Text in any script is written with a Type0 font whose codes are
Unicode code points and a ToUnicode map, so that text extraction reads it back exactly.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points


@dataclass
class PdfObjects:
    """Numbered PDF objects, written in order with a cross-reference table."""

    bodies: list[bytes] = field(default_factory=list)

    def reserve(self) -> int:
        """A number for an object whose body comes later (`put`)."""
        self.bodies.append(b"")
        return len(self.bodies)

    def put(self, number: int, body: bytes) -> int:
        """Set the body of object NUMBER."""
        self.bodies[number - 1] = body
        return number

    def add(self, body: bytes) -> int:
        """A new object with this body."""
        return self.put(self.reserve(), body)

    def add_stream(self, data: bytes, *, extra: bytes = b"") -> int:
        """A new Flate-compressed stream; EXTRA goes into its dictionary."""
        encoded = zlib.compress(data)
        head = b"<< /Length %d /Filter /FlateDecode %s >>" % (len(encoded), extra)
        return self.add(head + b"\nstream\n" + encoded + b"\nendstream")

    def add_page(self, tree: int, contents: int, resources: bytes) -> int:
        """A new A4 page under page tree TREE."""
        return self.add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R"
            b" /Resources %s >>" % (tree, PAGE_WIDTH, PAGE_HEIGHT, contents, resources)
        )

    def finish(self, catalog: int, tree: int, kids: Sequence[int]) -> bytes:
        """Fill the page tree and the catalog, then the whole file."""
        refs = b" ".join(b"%d 0 R" % kid for kid in kids)
        self.put(tree, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids)))
        self.put(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
        return self.build(root=catalog)

    def build(self, *, root: int) -> bytes:
        """The file: header, objects, xref table and trailer."""
        out = io.BytesIO()
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self.bodies, start=1):
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
        xref_at = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(self.bodies) + 1))
        for offset in offsets:
            out.write(b"%010d 00000 n \n" % offset)
        out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\n" % (len(offsets) + 1, root))
        out.write(b"startxref\n%d\n%%%%EOF\n" % xref_at)
        return out.getvalue()


def to_unicode_cmap(characters: Sequence[str]) -> bytes:
    """A ToUnicode CMap that maps each character's code point code back to the character."""
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    for start in range(0, len(characters), 100):
        chunk = characters[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{ord(c):04X}> <{c.encode('utf-16-be').hex().upper()}>" for c in chunk]
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode("ascii")


def unicode_codes(text: str) -> bytes:
    """TEXT as a hex string of code points, for a Type0 font whose codes are code points."""
    return b"<%s>" % "".join(f"{ord(c):04X}" for c in text).encode("ascii")
