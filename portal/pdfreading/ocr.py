"""OCR of pages without a readable text layer: the page's scan image read by Tesseract.

Runs inside the bounded PDF worker. The page's largest image XObject is decoded by pypdf and
Pillow (within the worker's memory limit), brought to about 200 dpi, re-encoded as PNG and
given to Debian's `tesseract` (the `chi_sim` model, which reads Latin letters and digits
too) through a pipe: the OCR engine never parses the untrusted file itself. Tesseract runs
under `timeout -s KILL`, so it stops even if the worker that started it is killed, and it
inherits the worker's address-space limit. Its TSV word boxes become runs for the same line
and table rebuilding as a text layer's.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from functools import cache
from typing import Any

from PIL import Image

log = logging.getLogger(__name__)

OCR_DPI = 200  # tesseract reads 10-pt text well from 200 dpi; 300 dpi costs twice the time
MIN_DPI = 60  # coarser images hold no readable small print: not worth the time
MAX_IMAGE_PIXELS = 40_000_000  # an image declaring more is not decoded (about A4 at 600 dpi)
LANGUAGES = "chi_sim"  # chi_sim alone: faster than chi_sim+eng and reads the same figures
MODEL = "/usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata"
# A word box's height is about this share of the font size (cap height and CJK glyphs).
HEIGHT_PER_EM = 0.8
Run = tuple[float, float, float, str]


@cache
def tesseract() -> str | None:
    """The tesseract binary, or None when it (or its Chinese model) is not installed."""
    binary = shutil.which("tesseract")
    if binary is None or not any(os.path.exists(path) for path in _models()):
        log.warning("tesseract with chi_sim is not installed: scans are not read (make setup)")
        return None
    return binary


def _models() -> tuple[str, ...]:
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        return (os.path.join(prefix, "chi_sim.traineddata"), MODEL)
    return (MODEL,)


def page_image(page: Any) -> Image.Image | None:
    """The page's largest image, decoded, or None (no image, too large, undecodable)."""
    best_name, best_xobject, best_area = None, None, 0
    for name, xobject in _image_xobjects(page):
        try:
            area = int(xobject["/Width"]) * int(xobject["/Height"])
        except (KeyError, TypeError, ValueError):
            continue
        if best_area < area <= MAX_IMAGE_PIXELS:
            best_name, best_xobject, best_area = name, xobject, area
    if best_name is None:
        return None
    try:
        image = _plain_image(best_xobject) or page.images[best_name].image
    except (KeyError, ValueError, OSError, NotImplementedError) as error:
        log.info("page image %s not decoded: %r", best_name, error)
        return None
    return image if isinstance(image, Image.Image) else None


_MODES = {"/DeviceGray": ("L", 1), "/DeviceRGB": ("RGB", 3)}


def _plain_image(xobject: Any) -> Image.Image | None:
    """What scanners write (a JPEG, or 8-bit grey or RGB samples) decoded directly.

    pypdf's general image extraction takes a second for a 300 dpi A4 page; this takes a
    twentieth. Anything else (indexed colours, 1-bit, JBIG2, masks) is left to pypdf.
    """
    filters = xobject.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, list) else [str(filters)]
    width, height = int(xobject["/Width"]), int(xobject["/Height"])
    if names == ["/DCTDecode"]:
        image = Image.open(io.BytesIO(xobject.get_data()))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            return None
        return image
    mode = _MODES.get(str(xobject.get("/ColorSpace")))
    if "/DCTDecode" in names or mode is None or int(xobject.get("/BitsPerComponent", 0)) != 8:
        return None
    data = xobject.get_data()
    if len(data) < width * height * mode[1]:
        return None
    return Image.frombytes(mode[0], (width, height), data[: width * height * mode[1]])


def _image_xobjects(page: Any) -> list[tuple[str, Any]]:
    try:
        resources = page["/Resources"].get_object()
        xobjects = resources["/XObject"].get_object()
    except (KeyError, AttributeError, TypeError):
        return []
    found = []
    for name in list(xobjects.keys())[:64]:
        xobject = xobjects[name].get_object()
        if xobject.get("/Subtype") == "/Image":
            found.append((str(name), xobject))
    return found


def prepared(image: Image.Image, page_width_pt: float) -> Image.Image | None:
    """IMAGE in grey at about OCR_DPI across the page's width, or None when too coarse."""
    dpi = image.width / (page_width_pt / 72)
    if dpi < MIN_DPI:
        return None
    grey = image.convert("L")
    if abs(dpi - OCR_DPI) > 0.15 * OCR_DPI:
        factor = OCR_DPI / dpi
        size = (max(1, round(grey.width * factor)), max(1, round(grey.height * factor)))
        grey = grey.resize(size, Image.Resampling.BILINEAR)
    return grey


def read_image(image: Image.Image, timeout_s: float) -> str:
    """Tesseract's TSV for IMAGE, or "" when it is missing, fails or takes too long."""
    binary = tesseract()
    if binary is None or timeout_s <= 0:
        return ""
    png = io.BytesIO()
    image.save(png, format="PNG", compress_level=1)
    # OpenMP's second thread makes it several times slower on a shared two-core machine.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_THREAD_LIMIT": "1"}
    if os.environ.get("TESSDATA_PREFIX"):
        env["TESSDATA_PREFIX"] = os.environ["TESSDATA_PREFIX"]
    command = ["timeout", "-s", "KILL", f"{timeout_s:.1f}", binary, "stdin", "stdout"]
    command += ["-l", LANGUAGES, "--psm", "6", "tsv"]
    try:
        done = subprocess.run(  # noqa: S603 (a fixed command; the image is ours, re-encoded)
            command, input=png.getvalue(), capture_output=True, env=env, timeout=timeout_s + 1
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("tesseract did not finish: %r", error)
        return ""
    if done.returncode != 0:
        log.warning("tesseract exit code %s", done.returncode)
        return ""
    return done.stdout.decode("utf-8", "replace")


def tsv_runs(tsv: str, scale: float, page_height_pt: float) -> list[Run]:
    """Tesseract's TSV words as runs (x, y, size, text) in points, one run per cell.

    Words of one line closer than a font size apart form a cell; CJK neighbours are joined
    without a space. Each line's runs share its baseline, so a table row stays one line.
    """
    lines: dict[tuple[str, str, str], list[tuple[int, int, int, int, str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        try:
            box = (int(row["left"]), int(row["top"]), int(row["width"]), int(row["height"]))
        except (KeyError, TypeError, ValueError):
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        lines.setdefault(key, []).append((*box, text))
    runs: list[Run] = []
    for words in lines.values():
        words.sort()
        heights = sorted(height for _x, _y, _w, height, _t in words)
        em = heights[len(heights) // 2] / HEIGHT_PER_EM
        bottom = sum(top + height for _x, top, _w, height, _t in words) / len(words)
        y = page_height_pt - bottom * scale
        for x, text in _cells(words, em):
            runs.append((x * scale, y, em * scale, text))
    return runs


def _cells(words: Sequence[tuple[int, int, int, int, str]], em: float) -> list[tuple[int, str]]:
    cells: list[tuple[int, str]] = []
    start, text, end = 0, "", 0
    for left, _top, width, _height, word in words:
        if text and left - end <= em:
            joiner = "" if _cjk(text[-1]) or _cjk(word[0]) else " "
            text += joiner + word
        else:
            if text:
                cells.append((start, text))
            start, text = left, word
        end = left + width
    if text:
        cells.append((start, text))
    return cells


def _cjk(character: str) -> bool:
    return "\u3000" <= character <= "\u9fff" or "\uff00" <= character <= "\uffef"


def ocr_page(page: Any, deadline: float) -> list[Run] | None:
    """Runs read from the page's scan image; None when there is none to read or no time left
    before DEADLINE (time.monotonic), when tesseract is stopped."""
    remaining = deadline - time.monotonic()
    if remaining < 0.5:
        return None
    image = page_image(page)
    if image is None:
        return None
    try:
        width_pt = float(page.mediabox.width)
        height_pt = float(page.mediabox.height)
    except (TypeError, ValueError):
        return None
    grey = prepared(image, width_pt)
    if grey is None:
        return None
    tsv = read_image(grey, remaining)
    return tsv_runs(tsv, width_pt / grey.width, height_pt) if tsv else None
