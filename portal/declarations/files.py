"""Evidence PDFs on disk, named by SHA-256: written, committed, then published.

`store` writes the bytes to a temporary file beside their final place,
`<hash[:2]>/.upload-<hash>-<random>.part`, and syncs it to disk; the session remembers it.
Only once the transaction has committed (its evidence_file row with it) is the file renamed to
its final name, `<hash[:2]>/<hash>.pdf`; a transaction that ends otherwise deletes it. So a
final file always has its committed row, and what a crash leaves is only ever a `.part`:
before the commit one that no row refers to (removed by the sweep once an hour old, see
`portal.declarations.leftovers`), after it one whose row is committed, which the sweep or the
first reader publishes.

The same bytes always make the same name, so a file already published is not written again.
A transaction that finds it present holds the audit trail's write lock (taken by
`portal.audit.record`, held until commit or rollback); the sweep removes a final file no row
refers to only under the same lock, so it never removes one that a writer is about to refer to.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

PENDING_KEY = "portal.declarations.pending_files"
TEMPORARY_PREFIX = ".upload-"
TEMPORARY_SUFFIX = ".part"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SHARD = re.compile(r"[0-9a-f]{2}")
_FINAL = re.compile(r"(?P<sha256>[0-9a-f]{64})\.pdf")
# Older versions named temporary files without their hash; those can only be removed.
_TEMPORARY = re.compile(r"\.upload-(?:(?P<sha256>[0-9a-f]{64})-)?[^/]*\.part")
log = logging.getLogger(__name__)


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of DATA."""
    return hashlib.sha256(data).hexdigest()


def path_for(data_dir: Path, sha256: str) -> Path:
    """Where the file with this hash lives: DATA_DIR/<first two hex digits>/<hash>.pdf."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return data_dir / sha256[:2] / f"{sha256}.pdf"


def store(db: Session, data_dir: Path, data: bytes) -> str:
    """Write DATA for publishing when DB's transaction commits (unless it is there); its hash."""
    sha256 = sha256_of(data)
    target = path_for(data_dir, sha256)
    pending: dict[str, tuple[Path, Path]] = db.info.setdefault(PENDING_KEY, {})
    if sha256 in pending or target.exists():
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        dir=target.parent, prefix=f"{TEMPORARY_PREFIX}{sha256}-", suffix=TEMPORARY_SUFFIX
    )
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with suppress(FileNotFoundError):
            temporary.unlink()
        raise
    pending[sha256] = (temporary, target)
    return sha256


def publish(temporary: Path, target: Path) -> bool:
    """Give TEMPORARY its final name TARGET; False if another publisher did it first."""
    try:
        os.replace(temporary, target)
    except FileNotFoundError:
        if target.exists():
            return False
        raise
    # The rename itself on disk too, so a power cut cannot take a committed file back.
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return True


def read(data_dir: Path, sha256: str) -> bytes | None:
    """The stored bytes, or None when the file is missing.

    Called for a committed row only, so a complete temporary file of that hash is the row's
    file left unpublished by a crash after the commit: it is published now.
    """
    try:
        target = path_for(data_dir, sha256)
    except ValueError:
        return None
    try:
        return target.read_bytes()
    except FileNotFoundError:
        pass
    for temporary in temporary_files_of(target.parent, sha256):
        with suppress(OSError):
            data = temporary.read_bytes()
            if sha256_of(data) == sha256:
                publish(temporary, target)
                return data
    return None


def temporary_files_of(directory: Path, sha256: str) -> Iterator[Path]:
    """Temporary files written for SHA256 in DIRECTORY."""
    with suppress(FileNotFoundError):
        yield from directory.glob(f"{TEMPORARY_PREFIX}{sha256}-*{TEMPORARY_SUFFIX}")


def stored_files(data_dir: Path) -> Iterator[tuple[Path, str | None, bool]]:
    """Every evidence file under DATA_DIR: (path, its hash if known, whether temporary)."""
    if not data_dir.is_dir():
        return
    for shard in sorted(data_dir.iterdir()):
        if not (shard.is_dir() and _SHARD.fullmatch(shard.name)):
            continue
        for path in sorted(shard.iterdir()):
            if (final := _FINAL.fullmatch(path.name)) and path.is_file():
                yield path, final["sha256"], False
            elif (temporary := _TEMPORARY.fullmatch(path.name)) and path.is_file():
                yield path, temporary["sha256"], True


@event.listens_for(Session, "after_commit")
def _publish_files(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released (e.g. a notification owed): the outer commit publishes
    pending: dict[str, tuple[Path, Path]] = session.info.pop(PENDING_KEY, {})
    for temporary, target in pending.values():
        try:
            publish(temporary, target)
        except OSError:
            # Committed already: the row stays, and the sweep or the first reader publishes.
            log.exception("could not publish %s as %s", temporary, target)


@event.listens_for(Session, "after_transaction_end")
def _remove_unpublished(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    pending: dict[str, tuple[Path, Path]] = session.info.pop(PENDING_KEY, {})
    for temporary, _target in pending.values():
        with suppress(FileNotFoundError):
            temporary.unlink()
