"""Files left behind: temporary files, and evidence files and blobs no row refers to.

The sweep (`portal files gc`, and once at every start) looks only at what is older than an
hour, so it never races a request still writing; a temporary file whose evidence row was
committed before the crash is published instead, at any age past a minute. In the database
(see `portal.declarations.filestore`) a crash leaves nothing, but a blob no evidence file
refers to any more is removed as a file on disk would be. Every removal is reported, and
recorded in the audit trail.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from portal import audit
from portal.audit import Actor
from portal.config import Settings
from portal.db import READ_ONLY_OPTION, get_engine, utcnow
from portal.declarations import files, filestore
from portal.declarations.models import EvidenceFile

MIN_AGE = timedelta(hours=1)
# A temporary file this old whose row is committed was left by a crash, not by a writer at
# work: its writer publishes within milliseconds of the commit.
PUBLISH_AFTER = timedelta(minutes=1)
AUDITED_NAMES = 100  # names listed in the audit entry; the counts are always complete
_QUERY_BATCH = 500
log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What a sweep did, as paths relative to the data directory."""

    removed_temporary: list[str] = field(default_factory=list)
    removed_unreferenced: list[str] = field(default_factory=list)
    removed_blobs: list[str] = field(default_factory=list)  # SHA-256 of database blobs
    published: list[str] = field(default_factory=list)
    bytes_removed: int = 0

    @property
    def removed(self) -> list[str]:
        """Every file removed, from disk or from the database."""
        return self.removed_temporary + self.removed_unreferenced + self.removed_blobs

    def lines(self) -> list[str]:
        """The report for a person: one line per file, then the totals."""
        shown = [f"removed temporary file {name}" for name in self.removed_temporary]
        shown += [f"removed unreferenced file {name}" for name in self.removed_unreferenced]
        shown += [f"removed unreferenced database blob {name}" for name in self.removed_blobs]
        shown += [f"published committed file {name}" for name in self.published]
        shown.append(
            f"{len(self.removed)} files removed ({self.bytes_removed:,} bytes), "
            f"{len(self.published)} published"
        )
        return shown


@dataclass(frozen=True)
class _Found:
    path: Path
    sha256: str | None
    temporary: bool
    age: timedelta
    size: int


def sweep(
    *,
    data_dir: Path,
    engine: Engine,
    actor: Actor,
    min_age: timedelta = MIN_AGE,
) -> SweepReport:
    """Remove temporary and unreferenced evidence files and blobs older than MIN_AGE; publish
    committed temporary files.

    Writes to the database only when there are such files, under the audit trail's write lock.
    """
    report = SweepReport()
    candidates = [
        found
        for found in _found(data_dir)
        if found.age >= min_age or (found.temporary and found.age >= PUBLISH_AFTER)
    ]
    stored_before = utcnow() - min_age
    with engine.execution_options(**{READ_ONLY_OPTION: True}).connect() as connection:
        blobs_to_remove = filestore.has_unreferenced_blobs(connection, stored_before)
    if not candidates and not blobs_to_remove:
        return report
    with Session(engine) as db:
        # Writers hold this lock from their audit entry until commit, and store files under
        # it: a writer that found a file present has committed its reference by now.
        audit.take_write_lock(db)
        referenced = _referenced(db, {found.sha256 for found in candidates if found.sha256})
        for found in candidates:
            _settle(found, referenced, data_dir, min_age, report)
        if blobs_to_remove:
            for sha256, size in filestore.remove_unreferenced_blobs(db.connection(), stored_before):
                report.removed_blobs.append(sha256)
                report.bytes_removed += size
        if report.removed or report.published:
            audit.record(
                db,
                actor=actor,
                action="files.swept",
                entity_type="evidence_files",
                after={
                    "removed_temporary": report.removed_temporary[:AUDITED_NAMES],
                    "removed_unreferenced": report.removed_unreferenced[:AUDITED_NAMES],
                    "removed_blobs": report.removed_blobs[:AUDITED_NAMES],
                    "published": report.published[:AUDITED_NAMES],
                    "removed_count": len(report.removed),
                    "published_count": len(report.published),
                    "bytes_removed": report.bytes_removed,
                },
            )
        db.commit()
    return report


def _settle(
    found: _Found, referenced: set[str], data_dir: Path, min_age: timedelta, report: SweepReport
) -> None:
    name = str(found.path.relative_to(data_dir))
    if found.temporary and found.sha256 in referenced:
        target = files.path_for(data_dir, found.sha256)
        if not target.exists() and _complete(found):
            if files.publish(found.path, target):
                report.published.append(name)
            return
    if found.age < min_age:
        return
    if not found.temporary and found.sha256 in referenced:
        return
    try:
        found.path.unlink()
    except FileNotFoundError:
        return  # another sweep, or its writer, was first
    (report.removed_temporary if found.temporary else report.removed_unreferenced).append(name)
    report.bytes_removed += found.size


def _complete(found: _Found) -> bool:
    """Whether the temporary file holds exactly the bytes its name promises."""
    try:
        return files.sha256_of(found.path.read_bytes()) == found.sha256
    except OSError:
        return False


def _found(data_dir: Path) -> list[_Found]:
    now = utcnow().timestamp()
    found: list[_Found] = []
    for path, sha256, temporary in files.stored_files(data_dir):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        age = timedelta(seconds=max(0.0, now - stat.st_mtime))
        found.append(_Found(path, sha256, temporary, age, stat.st_size))
    return found


def _referenced(db: Session, hashes: Iterable[str]) -> set[str]:
    wanted: Sequence[str] = sorted(hashes)
    referenced: set[str] = set()
    for start in range(0, len(wanted), _QUERY_BATCH):
        batch = list(wanted[start : start + _QUERY_BATCH])
        statement = select(col(EvidenceFile.sha256)).where(col(EvidenceFile.sha256).in_(batch))
        referenced.update(db.execute(statement).scalars())
    return referenced


def sweep_in_background(settings: Settings) -> threading.Thread:
    """Start the sweep in a thread of its own (it reads the disk and the database)."""

    def run() -> None:
        try:
            report = sweep(
                data_dir=Path(settings.data_dir),
                engine=get_engine(),
                actor=Actor(label="file sweep at start"),
            )
        except Exception:
            log.exception("the sweep of left-behind files failed; `portal files gc` retries it")
            return
        if report.removed or report.published:
            for line in report.lines():
                log.warning("file sweep: %s", line)

    thread = threading.Thread(target=run, name="file-sweep", daemon=True)
    thread.start()
    return thread
