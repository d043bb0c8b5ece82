"""The bounds a PDF is read within, and the checks made on its bytes before any parsing."""

from __future__ import annotations

from dataclasses import dataclass

from portal.pdfreading.refusals import PdfRefused, RefusalCode

MIB = 1 << 20
PDF_MAGIC = b"%PDF-"
MAGIC_WINDOW = 1024  # the header may follow up to 1 KiB of junk (PDF 1.7, annex H)


@dataclass(frozen=True)
class ReadingLimits:
    """Bounds on one PDF: file size, pages, wall time, memory, per-stream and total output."""

    max_bytes: int = 20 * MIB
    max_pages: int = 50
    timeout_s: float = 10.0
    memory_mb: int = 512
    max_stream_bytes: int = 16 * MIB  # decompressed size of any one stream
    max_text_chars: int = 2_000_000  # extracted text over all pages
    ocr_pages: int = 3  # pages without a readable text layer read by OCR, at most
    ocr_share: float = 0.7  # of timeout_s, the time OCR may take; the rest finds the fields

    def __post_init__(self) -> None:
        for name in (
            "max_bytes",
            "max_pages",
            "timeout_s",
            "memory_mb",
            "max_stream_bytes",
            "max_text_chars",
            "ocr_pages",
            "ocr_share",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.ocr_share >= 1:
            raise ValueError("ocr_share must be below 1")


def screen(data: bytes, limits: ReadingLimits) -> None:
    """Refuse what can be refused from the bytes alone: empty, not a PDF, too large."""
    if not data:
        raise PdfRefused(RefusalCode.EMPTY)
    if PDF_MAGIC not in data[:MAGIC_WINDOW]:
        raise PdfRefused(RefusalCode.NOT_PDF, detail=f"starts with {data[:8]!r}")
    if len(data) > limits.max_bytes:
        raise PdfRefused(
            RefusalCode.TOO_LARGE,
            size_mib=round(len(data) / MIB, 1),
            limit_mib=round(limits.max_bytes / MIB, 1),
        )
