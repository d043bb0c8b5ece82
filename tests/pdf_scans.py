"""Scanned pages made by code: text rendered with a real font, a stamp, noise and a slight tilt.

A scanner gives a PDF whose pages each hold one image and no text. These pages are drawn
with Pillow in a Debian CJK font (fonts-wqy-zenhei, installed by `make setup` and .ci/run),
then put into an image-only PDF, as JPEG (most scanners) or as a grey Flate image.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from portal.pdfwriter import PAGE_HEIGHT, PAGE_WIDTH, PdfObjects

FONT_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)


@dataclass(frozen=True)
class Line:
    """Text placed at x, y points from the page's top-left corner, SIZE points high."""

    x: float
    y: float
    text: str
    size: float = 11.0


@cache
def font_path() -> Path:
    """The CJK font the scans are drawn in."""
    for path in FONT_PATHS:
        if path.exists():
            return path
    raise RuntimeError("no CJK font: run `make setup` (installs fonts-wqy-zenhei)")


@cache
def _font(pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), pixels)


def scanned_page(
    lines: Sequence[Line],
    *,
    dpi: int = 200,
    stamp: str | None = None,
    stamp_at: tuple[float, float] = (400.0, 300.0),
    tilt_deg: float = 0.0,
    noise: float = 0.02,
    seed: int = 1,
) -> Image.Image:
    """An A4 page as a scanner sees it: grey, a little noisy, perhaps tilted and stamped."""
    scale = dpi / 72
    width, height = round(PAGE_WIDTH * scale), round(PAGE_HEIGHT * scale)
    page = Image.new("L", (width, height), 246)
    draw = ImageDraw.Draw(page)
    for line in lines:
        draw.text(
            (line.x * scale, line.y * scale),
            line.text,
            fill=25,
            font=_font(round(line.size * scale)),
        )
    if stamp is not None:
        _stamp(page, stamp, (stamp_at[0] * scale, stamp_at[1] * scale), 60 * scale)
    rng = random.Random(seed)
    if noise:
        speckles = Image.effect_noise((width // 4, height // 4), 40).resize((width, height))
        page = Image.blend(page, speckles, noise)
        dots = ImageDraw.Draw(page)
        for _ in range(int(400 * noise * 50)):
            x, y = rng.randrange(width), rng.randrange(height)
            dots.point((x, y), fill=rng.choice((60, 120, 200)))
    if tilt_deg:
        page = page.rotate(tilt_deg, resample=Image.Resampling.BILINEAR, fillcolor=246)
    return page.filter(ImageFilter.GaussianBlur(0.5))


def _stamp(page: Image.Image, text: str, centre: tuple[float, float], radius: float) -> None:
    """A round company seal: two rings, a star and the name around the top, in grey."""
    draw = ImageDraw.Draw(page)
    x, y = centre
    for ring in (radius, radius * 0.93):
        draw.ellipse(
            (x - ring, y - ring, x + ring, y + ring), outline=120, width=max(2, int(radius / 25))
        )
    star = [
        (x + radius * 0.25 * math.cos(math.pi / 2 + k * 4 * math.pi / 5),
         y - radius * 0.25 * math.sin(math.pi / 2 + k * 4 * math.pi / 5))
        for k in range(5)
    ]  # fmt: skip
    draw.polygon(star, fill=120)
    size = max(8, int(radius * 0.22))
    font = _font(size)
    count = len(text)
    for index, character in enumerate(text):
        angle = math.pi * (0.85 - 0.7 * index / max(1, count - 1))
        cx = x + radius * 0.72 * math.cos(angle)
        cy = y - radius * 0.72 * math.sin(angle)
        draw.text((cx, cy), character, fill=120, font=font, anchor="mm")


def jpeg(image: Image.Image, quality: int = 75) -> bytes:
    """IMAGE as a baseline JPEG."""
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def image_only_pdf(images: Sequence[Image.Image], *, encoding: str = "jpeg") -> bytes:
    """A PDF whose pages each show one full-page image and hold no text (a scanner's)."""
    objects = PdfObjects()
    catalog, tree = objects.reserve(), objects.reserve()
    kids = []
    for image in images:
        grey = image.convert("L")
        head = b"/Type /XObject /Subtype /Image /Width %d /Height %d" % grey.size
        head += b" /ColorSpace /DeviceGray /BitsPerComponent 8"
        if encoding == "jpeg":
            data = jpeg(grey)
            xobject = objects.add(
                b"<< /Length %d /Filter /DCTDecode %s >>\nstream\n" % (len(data), head)
                + data
                + b"\nendstream"
            )
        else:
            xobject = objects.add_stream(grey.tobytes(), extra=head)
        content = objects.add_stream(b"q %d 0 0 %d 0 0 cm /Scan Do Q" % (PAGE_WIDTH, PAGE_HEIGHT))
        resources = b"<< /XObject << /Scan %d 0 R >> >>" % xobject
        kids.append(objects.add_page(tree, content, resources))
    return objects.finish(catalog, tree, kids)


@cache
def _glyph_ids() -> tuple[dict[int, str], Any]:
    from fontTools.ttLib import TTCollection

    font = TTCollection(str(font_path())).fonts[0]
    return font.getBestCmap(), font


def glyph_codes(text: str) -> bytes:
    """TEXT as the font's two-byte glyph ids: what a CJK font without ToUnicode shows."""
    cmap, font = _glyph_ids()
    return b"".join(
        font.getGlyphID(cmap[ord(c)]).to_bytes(2, "big") if ord(c) in cmap else b"\x00\x01"
        for c in text
    )


def glyph_id_layer(lines: Sequence[Line]) -> tuple[bytes, bytes]:
    """An invisible text layer (render mode 3, as a scanner's OCR writes it) in glyph ids,
    with its font: a Type0 font with no ToUnicode map, so readers cannot map the codes back.
    Returns the content stream and the font dictionary."""
    body = b"\n".join(
        b"BT 3 Tr /F1 %s Tf %s %s Td <%s> Tj ET"
        % (
            str(line.size).encode(),
            str(line.x).encode(),
            str(round(PAGE_HEIGHT - line.y - line.size, 1)).encode(),
            glyph_codes(line.text).hex().encode(),
        )
        for line in lines
    )
    font = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /WenQuanYiZenHei /Encoding /Identity-H"
        b" /DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 /BaseFont /WenQuanYiZenHei"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
        b" /DW 1000 /CIDToGIDMap /Identity >>] >>"
    )
    return body, font


@dataclass(frozen=True)
class Scan:
    """How a document's pages are scanned: resolution, encoding, stamp, tilt, text layer."""

    dpi: int = 200
    encoding: str = "jpeg"  # "jpeg" or "flate"
    stamp: str | None = None  # the seal's text, drawn over the lines near STAMP_AT
    stamp_at: tuple[float, float] = (420.0, 330.0)
    tilt_deg: float = 0.0
    seed: int = 1
    text_layer: str = "none"  # "none", or "glyph-ids": invisible text no reader can map back
    size: float = 11.0  # prose; table rows are drawn smaller
    table_size: float = 8.0
    leading: float = 20.0


def scanned_pdf(pages: Sequence[Sequence[Line]], scan: Scan) -> bytes:
    """PAGES of placed lines, scanned: image-only, or with an unmappable text layer."""
    images = [
        scanned_page(
            lines,
            dpi=scan.dpi,
            stamp=scan.stamp if index == 0 else None,
            stamp_at=scan.stamp_at,
            tilt_deg=scan.tilt_deg,
            seed=scan.seed + index,
        )
        for index, lines in enumerate(pages)
    ]
    if scan.text_layer == "none":
        return image_only_pdf(images, encoding=scan.encoding)
    return _image_with_glyph_layer(images, pages)


def _image_with_glyph_layer(
    images: Sequence[Image.Image], pages: Sequence[Sequence[Line]]
) -> bytes:
    objects = PdfObjects()
    catalog, tree = objects.reserve(), objects.reserve()
    kids = []
    font = None
    for image, lines in zip(images, pages, strict=True):
        data = jpeg(image.convert("L"))
        head = b"/Type /XObject /Subtype /Image /Width %d /Height %d" % image.size
        head += b" /ColorSpace /DeviceGray /BitsPerComponent 8"
        xobject = objects.add(
            b"<< /Length %d /Filter /DCTDecode %s >>\nstream\n" % (len(data), head)
            + data
            + b"\nendstream"
        )
        layer, font_dict = glyph_id_layer(lines)
        font = font or objects.add(font_dict)
        body = b"q %d 0 0 %d 0 0 cm /Scan Do Q\n" % (PAGE_WIDTH, PAGE_HEIGHT) + layer
        resources = b"<< /XObject << /Scan %d 0 R >> /Font << /F1 %d 0 R >> >>" % (xobject, font)
        kids.append(objects.add_page(tree, objects.add_stream(body), resources))
    return objects.finish(catalog, tree, kids)
