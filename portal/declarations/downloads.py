"""Serving a stored evidence PDF: only as a PDF, inline, under a harmless file name."""

from __future__ import annotations

import logging
import re
import unicodedata
from urllib.parse import quote

from fastapi.responses import Response, StreamingResponse
from sqlmodel import Session

from portal.config import Settings
from portal.declarations import filestore
from portal.declarations.models import EvidenceFile
from portal.errors import NotFound

log = logging.getLogger(__name__)
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(original_name: str) -> str:
    """`inline` with an ASCII fallback name and the UTF-8 name (RFC 6266), both ending .pdf."""
    name = unicodedata.normalize("NFC", original_name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if c.isprintable() and c not in "\"';").strip() or "evidence"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    name = name[-120:]
    ascii_name = _UNSAFE_ASCII.sub("_", name).strip("._") or "evidence.pdf"
    if not ascii_name.lower().endswith(".pdf"):
        ascii_name += ".pdf"
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def pdf_response(db: Session, evidence: EvidenceFile, settings: Settings) -> Response:
    """The stored bytes as application/pdf for the browser to show, streamed in chunks."""
    stored = filestore.open_stored(db, settings, evidence.sha256)
    if stored is None:
        log.error("evidence file %s (sha256 %s) is missing", evidence.id, evidence.sha256)
        raise NotFound()
    return StreamingResponse(
        stored.chunks,
        media_type="application/pdf",
        headers={
            "Content-Length": str(stored.size_bytes),
            "Content-Disposition": content_disposition(evidence.original_name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
