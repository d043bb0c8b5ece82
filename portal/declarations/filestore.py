"""Where evidence files live: in the database on PostgreSQL, on disk on SQLite.

Either way a file is named by the SHA-256 of its bytes. In the database (table
`evidence_blob`) the bytes are inserted in the same transaction as the evidence_file row that
refers to them (`INSERT … ON CONFLICT DO NOTHING`: the same bytes are stored once), so there is
nothing to publish and nothing a crash can leave behind; every server of the database reads
them. On disk, `portal.declarations.files` writes them and publishes them after the commit.

`PORTAL_FILE_STORE` says where new files go (`auto`: the database on PostgreSQL, the disk on
SQLite). A file is read from that store first, then from the other, so files not yet moved by
`portal files migrate` (`portal.declarations.filemoves`) stay readable.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    Table,
    delete,
    exists,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from portal.config import Settings
from portal.db import READ_ONLY_OPTION, utcnow
from portal.declarations import files
from portal.declarations.models import EvidenceBlob, EvidenceFile

Store = Literal["disk", "database"]
# A download reads this much per query: a 20 MB PDF is 20 short reads, each on a connection
# taken from the pool and given back, so a slow client never holds one.
CHUNK_BYTES = 1 << 20
log = logging.getLogger(__name__)
_blob: Table = EvidenceBlob.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Stored:
    """A stored file ready to be sent: its size and its bytes, in chunks."""

    size_bytes: int
    chunks: Iterator[bytes]


def store_of(settings: Settings) -> Store:
    """Where new evidence files go under SETTINGS."""
    if settings.file_store != "auto":
        return settings.file_store
    return "database" if settings.uses_postgres else "disk"


def store(db: Session, settings: Settings, data: bytes) -> str:
    """Keep DATA with DB's transaction (committed or rolled back with it); its SHA-256.

    Called under the audit trail's write lock (see files.py, and the sweep in leftovers.py).
    """
    if store_of(settings) == "disk":
        return files.store(db, settings.data_dir, data)
    sha256 = files.sha256_of(data)
    insert_blob(db.connection(), sha256, data)
    return sha256


def insert_blob(connection: Connection, sha256: str, data: bytes) -> bool:
    """Store DATA as the blob SHA256 unless it is there; whether this inserted it."""
    statement = (
        insert(_blob)
        .values(sha256=sha256, size_bytes=len(data), content=data, stored_at=utcnow())
        .on_conflict_do_nothing(index_elements=["sha256"])
        .returning(_blob.c.sha256)
    )
    return connection.execute(statement).first() is not None


def open_stored(db: Session, settings: Settings, sha256: str) -> Stored | None:
    """The file SHA256 from wherever it is kept, or None when it is nowhere."""
    places: tuple[Store, Store] = (
        ("database", "disk") if store_of(settings) == "database" else ("disk", "database")
    )
    for place in places:
        if place == "disk":
            data = files.read(settings.data_dir, sha256)
            if data is not None:
                return Stored(len(data), iter((data,)))
            continue
        size = blob_size(db.connection(), sha256)
        if size is not None:
            bind = db.get_bind()
            engine = bind.engine if isinstance(bind, Connection) else bind
            return Stored(size, blob_chunks(engine, sha256, size))
    return None


def blob_size(connection: Connection, sha256: str) -> int | None:
    """The size of the blob SHA256, or None when the database does not hold it."""
    statement = select(_blob.c.size_bytes).where(_blob.c.sha256 == sha256)
    size: int | None = connection.execute(statement).scalar()
    return size


def blob_chunks(engine: Engine, sha256: str, size_bytes: int) -> Iterator[bytes]:
    """The blob's bytes, CHUNK_BYTES at a time, each read on a connection of its own."""
    reader = engine.execution_options(**{READ_ONLY_OPTION: True})
    for offset in range(0, size_bytes, CHUNK_BYTES):
        with reader.connect() as connection:
            part = connection.execute(_chunk(sha256, offset)).scalar()
        if part is None:
            # Removed meanwhile (gc of an unreferenced blob, or moved to disk): the response
            # ends short of its Content-Length, which the client sees as a broken download.
            log.error("evidence blob %s went away after %d bytes were sent", sha256, offset)
            return
        yield bytes(part)


def blob_digest(connection: Connection, sha256: str, size_bytes: int) -> str:
    """The SHA-256 of the bytes the database holds as SHA256, read back chunk by chunk."""
    digest = hashlib.sha256()
    for offset in range(0, size_bytes, CHUNK_BYTES):
        part = connection.execute(_chunk(sha256, offset)).scalar()
        if part is None:
            break
        digest.update(part)
    return digest.hexdigest()


def _chunk(sha256: str, offset: int) -> Select[bytes | None]:
    # substr() counts from 1, on PostgreSQL's bytea and SQLite's BLOB alike.
    return select(func.substr(_blob.c.content, offset + 1, CHUNK_BYTES)).where(
        _blob.c.sha256 == sha256
    )


def blobs(connection: Connection) -> list[tuple[str, int]]:
    """Every blob the database holds: (sha256, size in bytes), by hash."""
    statement = select(_blob.c.sha256, _blob.c.size_bytes).order_by(_blob.c.sha256)
    return [(sha256, size) for sha256, size in connection.execute(statement)]


def _unreferenced(stored_before: datetime) -> ColumnElement[bool]:
    referenced = exists().where(col(EvidenceFile.sha256) == _blob.c.sha256)
    return (_blob.c.stored_at < stored_before) & ~referenced


def has_unreferenced_blobs(connection: Connection, stored_before: datetime) -> bool:
    """Whether a blob stored before STORED_BEFORE is referred to by no evidence file."""
    statement = select(_blob.c.sha256).where(_unreferenced(stored_before)).limit(1)
    return connection.execute(statement).first() is not None


def remove_unreferenced_blobs(
    connection: Connection, stored_before: datetime
) -> list[tuple[str, int]]:
    """Delete the blobs stored before STORED_BEFORE that no evidence file refers to.

    The caller holds the audit trail's write lock, which every writer storing a file holds
    until its commit: a blob a writer has just found present is referred to by now.
    """
    statement = (
        delete(_blob)
        .where(_unreferenced(stored_before))
        .returning(_blob.c.sha256, _blob.c.size_bytes)
    )
    return sorted((sha256, size) for sha256, size in connection.execute(statement))


def remove_blob(connection: Connection, sha256: str) -> bool:
    """Delete the blob SHA256; whether it was there."""
    statement = delete(_blob).where(_blob.c.sha256 == sha256).returning(_blob.c.sha256)
    return connection.execute(statement).first() is not None
