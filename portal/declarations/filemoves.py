"""`portal files migrate`: evidence files moved between the disk and the database, verified.

Each file moves on its own, and its source goes only once its destination is committed and
verified (its bytes read back from there hash to the file's name):

- disk → database: the blob is inserted, read back and checked in one transaction, which
  records the move in the audit trail; after the commit the file on disk is removed.
- database → disk: the bytes are written to a temporary file, synced, checked, published
  under the file's name and read back; then the transaction that records the move deletes
  the blob.

A file whose bytes do not hash to its name is refused, by name, and left where it was. One
found at its destination already (verified) only loses its source, so a second run, or a run
after a crash between the two steps, finishes the work and otherwise does nothing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from portal import audit
from portal.audit import Actor
from portal.db import READ_ONLY_OPTION
from portal.declarations import files, filestore
from portal.declarations.filestore import Store

_PLACE = {"disk": "disk", "database": "the database"}


class CannotMove(Exception):
    """The move asked for is not possible with this database."""


@dataclass
class MoveReport:
    """What a migration did, each file named by its path under the data directory."""

    to: Store
    moved: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    left_temporary: list[str] = field(default_factory=list)
    bytes_moved: int = 0

    def lines(self) -> list[str]:
        """The report for a person: one line per file, then the totals."""
        place = _PLACE[self.to]
        source = _PLACE["database" if self.to == "disk" else "disk"]
        shown = [f"moved {name} to {place} (SHA-256 verified)" for name in self.moved]
        shown += [
            f"{name} was in {place} already (SHA-256 verified): removed from {source}"
            for name in self.already_there
        ]
        shown += [f"refused {name}: {reason}" for name, reason in self.refused]
        shown += [
            f"left temporary file {name}: `portal files gc` publishes or removes it, "
            "then run this again"
            for name in self.left_temporary
        ]
        shown.append(
            f"{len(self.moved)} files moved to {place} ({self.bytes_moved:,} bytes), "
            f"{len(self.already_there)} already there, {len(self.refused)} refused"
        )
        return shown


def migrate(*, data_dir: Path, engine: Engine, actor: Actor, to: Store) -> MoveReport:
    """Move every evidence file to TO (`disk` under DATA_DIR, or `database`); what was done."""
    report = MoveReport(to=to)
    if to == "database":
        if engine.dialect.name != "postgresql":
            raise CannotMove("evidence files stay on disk with SQLite; only PostgreSQL holds them")
        for path, sha256, temporary in files.stored_files(data_dir):
            if temporary or sha256 is None:
                report.left_temporary.append(str(path.relative_to(data_dir)))
            else:
                _to_database(engine, data_dir, path, sha256, actor, report)
        return report
    with engine.execution_options(**{READ_ONLY_OPTION: True}).connect() as connection:
        held = filestore.blobs(connection)
    for sha256, size in held:
        _to_disk(engine, data_dir, sha256, size, actor, report)
    return report


def _to_database(
    engine: Engine, data_dir: Path, path: Path, sha256: str, actor: Actor, report: MoveReport
) -> None:
    name = _name(data_dir, sha256)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return  # removed meanwhile (the sweep of an unreferenced file)
    except OSError as error:
        report.refused.append((name, f"could not be read ({error.strerror}); left on disk"))
        return
    actual = files.sha256_of(data)
    if actual != sha256:
        report.refused.append((name, f"its bytes hash to {actual}, not its name; left on disk"))
        return
    with Session(engine) as db:
        # The audit trail's write lock first, as writers take it before storing a file.
        audit.take_write_lock(db)
        connection = db.connection()
        inserted = filestore.insert_blob(connection, sha256, data)
        size = filestore.blob_size(connection, sha256)
        if size is None or filestore.blob_digest(connection, sha256, size) != sha256:
            db.rollback()
            report.refused.append(
                (name, "the database's copy does not hash to its name; left on disk")
            )
            return
        _record(db, actor, sha256, size, to="database", already_there=not inserted)
        db.commit()
    with suppress(FileNotFoundError):
        path.unlink()
    (report.moved if inserted else report.already_there).append(name)
    if inserted:
        report.bytes_moved += size


def _to_disk(
    engine: Engine, data_dir: Path, sha256: str, size: int, actor: Actor, report: MoveReport
) -> None:
    name = _name(data_dir, sha256)
    target = files.path_for(data_dir, sha256)
    already_there = _disk_digest(target) == sha256
    if not already_there:
        problem = _write_verified(engine, target, sha256, size)
        if problem:
            report.refused.append((name, f"{problem}; left in the database"))
            return
    with Session(engine) as db:
        audit.take_write_lock(db)
        if not filestore.remove_blob(db.connection(), sha256):
            return  # another run moved it meanwhile
        _record(db, actor, sha256, size, to="disk", already_there=already_there)
        db.commit()
    (report.already_there if already_there else report.moved).append(name)
    if not already_there:
        report.bytes_moved += size


def _write_verified(engine: Engine, target: Path, sha256: str, size: int) -> str | None:
    """Copy the blob to TARGET through a synced temporary file; what went wrong, if anything."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # Named as files.py names its temporary files, so the sweep knows one a crash leaves.
    handle, temporary_name = tempfile.mkstemp(
        dir=target.parent,
        prefix=f"{files.TEMPORARY_PREFIX}{sha256}-",
        suffix=files.TEMPORARY_SUFFIX,
    )
    temporary = Path(temporary_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as out:
            for part in filestore.blob_chunks(engine, sha256, size):
                digest.update(part)
                out.write(part)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            temporary.unlink()
            return f"the database's bytes hash to {digest.hexdigest()}, not its name"
        files.publish(temporary, target)
    except BaseException:
        with suppress(FileNotFoundError):
            temporary.unlink()
        raise
    if _disk_digest(target) != sha256:
        return "the copy written to disk does not hash to its name"
    return None


def _disk_digest(path: Path) -> str | None:
    try:
        with path.open("rb") as stored:
            return hashlib.file_digest(stored, "sha256").hexdigest()
    except FileNotFoundError:
        return None


def _record(
    db: Session, actor: Actor, sha256: str, size: int, *, to: Store, already_there: bool
) -> None:
    audit.record(
        db,
        actor=actor,
        action="files.moved",
        entity_type="evidence_files",
        entity_id=sha256,
        after={
            "sha256": sha256,
            "size_bytes": size,
            "from": "database" if to == "disk" else "disk",
            "to": to,
            "already_there": already_there,
        },
    )


def _name(data_dir: Path, sha256: str) -> str:
    return str(files.path_for(data_dir, sha256).relative_to(data_dir))
