"""Helpers for the hardening tests: what is stored, tokens, hand-made multipart bodies, PDFs."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from portal.accounts.models import User, WebSession
from portal.audit import AuditEvent
from portal.config import Settings, get_settings
from portal.declarations.models import Declaration, EvidenceBlob, EvidenceFile
from portal.procurement.models import BuyerCheck, Purchase, PurchaseImport, PurchaseImportLine
from portal.security import (
    SESSION_COOKIE,
    create_api_token,
    csrf_token_for,
    sha256_hex,
    start_session,
)

LimitedClient = Callable[..., AbstractContextManager[TestClient]]
COUNTED: tuple[type[SQLModel], ...] = (
    Declaration,
    EvidenceFile,
    EvidenceBlob,  # evidence files' bytes on PostgreSQL, as the files on disk on SQLite
    AuditEvent,
    BuyerCheck,
    Purchase,
    PurchaseImport,
    PurchaseImportLine,
)


@dataclass(frozen=True)
class Stored:
    """Rows per table and the evidence files stored (on disk or in the database), at one moment."""

    rows: dict[str, int]
    files: tuple[str, ...]

    @classmethod
    def now(cls, session: Session, settings: Settings) -> Stored:
        """What is stored now (committed data, as another request would see it)."""
        session.rollback()  # end any open read, so the counts are fresh
        rows = {
            str(model.__tablename__): session.exec(select(func.count()).select_from(model)).one()
            for model in COUNTED
        }
        data_dir = Path(settings.data_dir)
        on_disk = [
            str(path.relative_to(data_dir)) for path in data_dir.rglob("*") if path.is_file()
        ]
        in_database = [f"blob {name}" for name in session.exec(select(EvidenceBlob.sha256))]
        return cls(rows=rows, files=tuple(sorted(on_disk + in_database)))


def bearer(session: Session, user: User, name: str = "ERP") -> dict[str, str]:
    """Authorization headers with a new API token of USER."""
    _token, plain = create_api_token(session, user, name)
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


def browse_as(client: TestClient, session: Session, user: User) -> str:
    """Give CLIENT a fresh session of USER (as signing in does, without Argon2); its CSRF token."""
    session_id = start_session(session, user)
    session.commit()
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, session_id)
    web_session = session.get(WebSession, sha256_hex(session_id))
    assert web_session is not None
    return csrf_token_for(web_session.csrf_secret, get_settings())


def multipart(
    fields: Mapping[str, str], files: Mapping[str, tuple[str, bytes, str]]
) -> tuple[str, bytes]:
    """The Content-Type and body of a multipart/form-data request, made by hand."""
    boundary = "----hardening" + secrets.token_hex(8)
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, (filename, data, content_type) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def in_chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """BODY in pieces, so the client sends it chunked, without a Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def at_once(count: int, work: Callable[[int], Any], *, start_within_s: float = 10) -> list[Any]:
    """WORK(0..COUNT-1) in COUNT threads released together; their results in order."""
    start = threading.Barrier(count)

    def run(number: int) -> Any:
        start.wait(start_within_s)
        return work(number)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
