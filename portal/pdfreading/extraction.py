"""PDF bytes to a PdfReading with pypdf, inside pypdf's own limits and ours (no processes here)."""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pypdf import PasswordType, apply_configuration
from pypdf import PdfReader as PypdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import DecodedStreamObject, NameObject

from portal.pdfreading.choosing import choose_footprint
from portal.pdfreading.fields import find_fields
from portal.pdfreading.found import PdfReading
from portal.pdfreading.layout import CodeCollector, PageLayout, RunCollector, garbled, page_layout
from portal.pdfreading.limits import ReadingLimits, screen
from portal.pdfreading.ocr import ocr_page
from portal.pdfreading.refusals import PdfRefused, RefusalCode

# pypdf repairs these in lenient mode, but for evidence they mean the file is not intact.
_FATAL_WARNINGS = (
    "Circular xref chain detected",  # a /Prev chain that loops
    "EOF marker not found",  # cut off: an interrupted upload
)


# A content stream this large is searched for long runs of blanks before it is parsed: pypdf's
# positioned-text parser reads blanks one byte at a time (15 MiB of NULs: 1 s a page).
SQUEEZE_FROM = 1 << 20
_LONG_BLANKS = re.compile(rb"[\x00\t\n\x0c\r ]{4096,}")


def pypdf_limits(limits: ReadingLimits) -> dict[str, Any]:
    """pypdf Configuration overrides (pypdf 7 replaced the filters.*_MAX_* module constants)."""
    stream = limits.max_stream_bytes
    return {
        "maximum_declared_stream_length": limits.max_bytes,
        "zlib_maximum_output_length": stream,
        "lzw_maximum_output_length": stream,
        "run_length_maximum_output_length": stream,
        "brotli_maximum_output_length": stream,
        "jbig2_maximum_output_length": stream,
        "array_based_stream_maximum_output_length": stream,
        "image_maximum_buffer_size": stream,
        "stream_decoding_work_maximum_length": 4 * stream,
        "page_tree_maximum_entries": max(1_000, 20 * limits.max_pages),
        "page_tree_maximum_page_entries": max(10_000, 200 * limits.max_pages),
        "jbig2dec_binary": None,  # never run an external program on an untrusted file
        "disable_legacy_handling": True,
    }


def read_pdf(data: bytes, limits: ReadingLimits) -> PdfReading:
    """Read a PDF's text and find its fields, or raise PdfRefused."""
    started = time.monotonic()
    screen(data, limits)
    with apply_configuration(**pypdf_limits(limits)), _pypdf_warnings() as warnings:
        try:
            pages, layouts, garbled_pages, ocr_pages = _extract_pages(
                data, limits, warnings, started
            )
        except PdfRefused:
            raise
        except LimitReachedError as error:
            raise PdfRefused(RefusalCode.BOMB, detail=repr(error)) from error
        except MemoryError as error:
            raise PdfRefused(
                RefusalCode.OUT_OF_MEMORY, detail=repr(error), limit_mb=limits.memory_mb
            ) from error
        except Exception as error:  # pypdf raises many types on malformed input
            raise PdfRefused(RefusalCode.BROKEN, detail=repr(error)) from error
    text_chars = sum(
        len("".join(text.split()))
        for number, text in enumerate(pages, start=1)
        if number not in ocr_pages
    )
    footprint, candidates = choose_footprint(layouts, ocr_pages=ocr_pages)
    fields = tuple(
        dataclasses.replace(found, source="ocr") if found.page in ocr_pages else found
        for found in find_fields(pages)
    )
    return PdfReading(
        page_count=len(pages),
        has_text_layer=text_chars > 0,
        fields=fields,
        text_chars=text_chars,
        footprint=footprint,
        candidates=candidates,
        garbled_pages=tuple(garbled_pages),
        ocr_pages=tuple(ocr_pages),
    )


def _extract_pages(
    data: bytes, limits: ReadingLimits, warnings: list[str], started: float
) -> tuple[list[str], list[PageLayout], list[int], list[int]]:
    """Each page's text and positioned text, the pages whose text layer is garbage, and the
    pages read by OCR (those with no readable text, up to the limits' OCR pages and time).
    """
    document = PypdfReader(io.BytesIO(data), strict=False)
    _refuse_fatal(warnings)
    # Protected only by an owner password (printing, copying), a file opens without one.
    if document.is_encrypted and document.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise PdfRefused(RefusalCode.ENCRYPTED)
    declared = _declared_page_count(document)
    if declared > limits.max_pages:
        raise PdfRefused(RefusalCode.TOO_MANY_PAGES, pages=declared, limit=limits.max_pages)
    page_count = len(document.pages)
    if page_count > limits.max_pages:
        raise PdfRefused(RefusalCode.TOO_MANY_PAGES, pages=page_count, limit=limits.max_pages)
    texts, layouts, garbled_pages, total_chars = [], [], [], 0
    unreadable: list[tuple[int, Any]] = []
    for number, page in enumerate(document.pages, start=1):
        _squeeze_blanks(page)
        runs = RunCollector()
        text = page.extract_text(visitor_text=runs)
        total_chars += len(text)
        if total_chars > limits.max_text_chars:
            raise PdfRefused(RefusalCode.BOMB, detail=f"more than {limits.max_text_chars} chars")
        if garbled(text):
            text, runs.runs = _recoded(page)
            if garbled(text):
                garbled_pages.append(number)
                text, runs.runs = "", []
        if not text.strip():
            unreadable.append((number, page))
        texts.append(text)
        layouts.append(page_layout(number, runs.runs))
    _refuse_fatal(warnings)
    # OCR ends within the reading's time limit, leaving the rest of it to find the fields.
    deadline = started + limits.ocr_share * limits.timeout_s
    ocr_pages = _ocr(unreadable, texts, layouts, limits, deadline)
    return texts, layouts, garbled_pages, ocr_pages


def _ocr(
    unreadable: list[tuple[int, Any]],
    texts: list[str],
    layouts: list[PageLayout],
    limits: ReadingLimits,
    deadline: float,
) -> list[int]:
    """Read the first unreadable pages by OCR, in place; the numbers of those that gave text."""
    read = []
    for number, page in unreadable[: limits.ocr_pages]:
        try:
            runs = ocr_page(page, deadline)
        except MemoryError:
            raise
        except Exception as error:  # an image pypdf or Pillow cannot decode: left to a person
            logging.getLogger(__name__).info("page %d not read by OCR: %r", number, error)
            continue
        if not runs:
            continue
        layout = page_layout(number, runs)
        texts[number - 1] = "\n".join(line.text for line in layout.lines)
        layouts[number - 1] = layout
        read.append(number)
    return read


def _squeeze_blanks(page: Any) -> None:
    """The page's content put back decoded (pypdf then does not decode it again), a large one
    with its long runs of blanks cut to one: nothing is drawn by them."""
    content = page.get_contents()
    if content is None:
        return
    data = content.get_data()
    decoded = DecodedStreamObject()
    decoded.set_data(_LONG_BLANKS.sub(b" ", data) if len(data) >= SQUEEZE_FROM else data)
    page[NameObject("/Contents")] = decoded


def _recoded(page: Any) -> tuple[str, list[tuple[float, float, float, str]]]:
    """A garbled page's text read again from its raw two-byte codes (see CodeCollector)."""
    codes = CodeCollector()
    page.extract_text(visitor_operand_before=codes)
    layout = page_layout(0, codes.runs)
    return "\n".join(line.text for line in layout.lines), codes.runs


def _declared_page_count(document: PypdfReader) -> int:
    """/Count of the page tree root, read before pypdf walks (and copies) the whole tree."""
    try:
        page_tree: Any = document.root_object["/Pages"].get_object()
        return int(page_tree["/Count"])
    except (KeyError, TypeError, ValueError):
        return 0


def _refuse_fatal(warnings: list[str]) -> None:
    for message in warnings:
        if message.startswith(_FATAL_WARNINGS):
            raise PdfRefused(RefusalCode.BROKEN, detail=message)


class _ThreadWarnings(logging.Handler):
    """Collects pypdf's warning templates logged by one thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(str(record.msg))


@contextmanager
def _pypdf_warnings() -> Iterator[list[str]]:
    handler = _ThreadWarnings()
    logger = logging.getLogger("pypdf")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
