"""Evidence PDFs on disk: named by SHA-256, written atomically, removed if their transaction fails.

A file this transaction created is remembered in the session's `info`. When the transaction
ends without a commit (rollback, error, close), every such file that no committed
evidence_file row refers to is deleted again, so a failed request leaves nothing behind.
Files that existed before the request are never touched: the same bytes always make the
same name, so they belong to earlier records. Callers write files only after the
transaction holds the audit trail's write lock (taken by `portal.audit.record`, held until
commit or rollback), and removal takes the same lock, so a writer that finds a file present
has committed its reference before anyone decides to remove that file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, SessionTransaction

from portal.declarations.models import EvidenceFile

NEW_FILES_KEY = "portal.declarations.new_files"
_SHA256 = re.compile(r"[0-9a-f]{64}")
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
    """Write DATA under its hash unless it is there already; returns the hash."""
    sha256 = sha256_of(data)
    target = path_for(data_dir, sha256)
    if target.exists():
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    db.info.setdefault(NEW_FILES_KEY, {})[sha256] = target
    return sha256


def read(data_dir: Path, sha256: str) -> bytes | None:
    """The stored bytes, or None when the file is missing."""
    try:
        return path_for(data_dir, sha256).read_bytes()
    except (FileNotFoundError, ValueError):
        return None


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    session.info.pop(NEW_FILES_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_files_of_failed_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    new_files: dict[str, Path] | None = session.info.pop(NEW_FILES_KEY, None)
    if not new_files:
        return
    remove_unreferenced(session.get_bind(), new_files)


def remove_unreferenced(bind: Any, candidates: dict[str, Path]) -> None:
    """Delete the CANDIDATES (hash -> path) that no committed evidence_file row refers to."""
    try:
        with bind.begin() as connection:
            # Under the audit trail's write lock, as writers store files: a writer that found
            # the file present has committed its reference by the time this check runs.
            connection.execute(text("UPDATE audit_head SET last_hash = last_hash WHERE id = 1"))
            referenced = set(
                connection.execute(
                    select(EvidenceFile.sha256).where(  # type: ignore[call-overload]
                        EvidenceFile.sha256.in_(list(candidates))  # type: ignore[attr-defined]
                    )
                ).scalars()
            )
            for sha256, path in candidates.items():
                if sha256 not in referenced:
                    with suppress(FileNotFoundError):
                        path.unlink()
    except Exception:
        # Better an orphan file than a record whose file is gone.
        log.exception("could not check evidence files after a rollback; kept %s", list(candidates))
