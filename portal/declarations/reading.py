"""Reading a submission's PDFs in the bounded worker, a bounded number of submissions at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlmodel import Session

from portal.config import Settings
from portal.db import REQUEST_SLOTS
from portal.declarations.forms import FILE_FIELDS, field_labels
from portal.errors import Busy
from portal.i18n import _, pick
from portal.pdfreading import PdfReader, PdfReading, PdfRefused
from portal.pdfreading.limits import MIB


@dataclass(frozen=True)
class Upload:
    """An attached file as received: its form field, the name the supplier gave it, its bytes."""

    field: str
    filename: str
    data: bytes


_readers: dict[tuple[int, int, float, int, int], PdfReader] = {}
_readers_lock = threading.Lock()


def max_upload_bytes(settings: Settings) -> int:
    """The largest PDF accepted, in bytes."""
    return settings.max_upload_mb * MIB


def _reader_key(settings: Settings) -> tuple[int, int, float, int, int]:
    return (
        max_upload_bytes(settings),
        settings.pdf_max_pages,
        settings.pdf_timeout_s,
        settings.pdf_memory_mb,
        settings.pdf_workers,
    )


def pdf_reader(settings: Settings) -> PdfReader:
    """The shared bounded reader for the configured limits (workers start on first use)."""
    key = _reader_key(settings)
    with _readers_lock:
        reader = _readers.get(key)
        if reader is None:
            reader = _readers[key] = PdfReader(
                max_bytes=key[0],
                max_pages=key[1],
                timeout_s=key[2],
                memory_mb=key[3],
                workers=key[4],
            )
        return reader


def close_pdf_reader(settings: Settings) -> None:
    """Stop the workers of the reader for SETTINGS' limits; a later read starts a new one."""
    with _readers_lock:
        reader = _readers.pop(_reader_key(settings), None)
    if reader is not None:
        reader.close()


def refusal_message(field: str, filename: str, refusal: PdfRefused) -> str:
    """Why the file in FIELD was refused, naming the field and file, in the user's language."""
    return _("%(field)s: the file %(name)s was refused. %(reason)s") % {
        "field": field_labels()[field],
        "name": filename or "?",
        "reason": pick(refusal.message_zh, refusal.message_en),
    }


def _read_uploads(
    uploads: Sequence[Upload],
    settings: Settings,
    errors: dict[str, str],
    *,
    declaration_required: bool = True,
) -> dict[str, tuple[Upload, PdfReading]]:
    readings: dict[str, tuple[Upload, PdfReading]] = {}
    reader = pdf_reader(settings)
    for upload in uploads:
        kind = FILE_FIELDS.get(upload.field)
        if kind is None:
            errors[upload.field] = _("This field is not allowed.")
            continue
        try:
            readings[kind] = (upload, reader.read(upload.data))
        except PdfRefused as refusal:
            errors[upload.field] = refusal_message(upload.field, upload.filename, refusal)
    if declaration_required and "declaration" not in readings and "declaration_pdf" not in errors:
        errors["declaration_pdf"] = missing_declaration_message()
    return readings


def missing_declaration_message() -> str:
    """What a submission without its declaration PDF is told."""
    return _("Attach the declaration or CFP study report as a PDF.")


@dataclass(frozen=True)
class ReadUploads:
    """Attached PDFs after reading: each kind's upload and reading, and why others were refused."""

    readings: dict[str, tuple[Upload, PdfReading]]
    errors: dict[str, str]


def read_uploads(
    db: Session,
    uploads: Sequence[Upload],
    settings: Settings,
    *,
    declaration_required: bool = True,
) -> ReadUploads:
    """Read the attached PDFs in the bounded reader, holding no database transaction meanwhile.

    Reading takes up to pdf_timeout_s per file. The request has only read so far (who is
    signed in), so its transaction is rolled back first: on SQLite it holds the write lock,
    and every other writer (a buyer's check, say) would wait for these files.
    """
    db.rollback()
    errors: dict[str, str] = {}
    required = declaration_required
    if not uploads:
        return ReadUploads(
            _read_uploads(uploads, settings, errors, declaration_required=required), errors
        )
    with _turn_to_read(settings):
        readings = _read_uploads(uploads, settings, errors, declaration_required=required)
    return ReadUploads(readings, errors)


# Submissions being read or waiting for a worker at once: a burst of suppliers is served, and
# a third of the request slots stays free for everyone else however many files arrive.
READING_PLACES = REQUEST_SLOTS * 2 // 3
_reading = [0]  # submissions being read or waiting for a worker now
_reading_lock = threading.Lock()


def reading_now() -> int:
    """How many submissions are being read, or wait for a PDF worker, in this process."""
    with _reading_lock:
        return _reading[0]


@contextmanager
def _turn_to_read(settings: Settings) -> Iterator[None]:
    """A place among the submissions being read, or Busy when too many wait already.

    A waiting submission holds one of the server's request slots (portal.db): unbounded, a
    few suppliers sending slow files at once would leave none for anybody else.
    """
    with _reading_lock:
        if _reading[0] >= max(settings.pdf_workers, READING_PLACES):
            raise Busy(_("The portal is busy reading other files. Try again in a minute."))
        _reading[0] += 1
    try:
        yield
    finally:
        with _reading_lock:
            _reading[0] -= 1
