"""Rule-set revisions stored by content when the portal first uses them, and read back."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from sqlalchemy import event, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from portal.catalog.models import RuleFileContent, RuleRevision, RuleRevisionFile
from portal.checking import RulesError, RuleSet, parse_ruleset
from portal.checking.ruleset import REVISION_DISPLAY_LENGTH
from portal.db import utcnow

# Revisions loaded by this process: revision → files (relative path → bytes).
_loaded: dict[str, Mapping[str, bytes]] = {}
_parsed: dict[str, RuleSet | RulesError] = {}
_lock = threading.Lock()
# Columns that name the rule set which judged a row; a new row with one stores its revision.
REVISION_ATTRIBUTES = ("ruleset_revision", "decided_by_ruleset")
SHORTEST_PREFIX = 7


def loaded(revision: str, files: Mapping[str, bytes]) -> None:
    """Remember the files of a revision this process loaded, to store it when first used."""
    with _lock:
        _loaded[revision] = dict(files)


def files_loaded(revision: str) -> Mapping[str, bytes] | None:
    """The files of a revision loaded by this process, if any."""
    return _loaded.get(revision)


def _insert(db: OrmSession, table: Any, rows: list[dict[str, Any]]) -> None:
    dialect = db.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    # Two processes may store the same revision at once: the second one's rows are skipped.
    db.connection().execute(module.insert(table).on_conflict_do_nothing(), rows)


# Revisions known to be committed, per database (its connection pool): a check records the
# revision it was judged by, and looking it up at every flush cost a statement each time.
# Filled only from what was found stored, or after the commit that stored it.
_committed: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
STORED_KEY = "portal.catalog.revisions_stored"


def _known(db: OrmSession) -> set[str]:
    pool = db.get_bind().pool  # type: ignore[union-attr]
    found = _committed.get(pool)
    if found is None:
        found = _committed[pool] = set()
    return found


def store(db: OrmSession, revision: str) -> bool:
    """Store the revision's files if they are not stored yet; False if its files are unknown."""
    known_here = _known(db)
    if revision in known_here:
        return True
    connection = db.connection()
    revisions = RuleRevision.__table__  # type: ignore[attr-defined]
    known = connection.execute(
        select(revisions.c.revision).where(revisions.c.revision == revision)
    ).first()
    if known is not None:
        if revision not in db.info.get(STORED_KEY, ()):
            known_here.add(revision)  # committed by someone before (not this transaction)
        return True
    files = files_loaded(revision)
    if files is None:
        return False
    db.info.setdefault(STORED_KEY, set()).add(revision)
    digests = {path: sha256(content).hexdigest() for path, content in files.items()}
    _insert(
        db,
        RuleFileContent.__table__,  # type: ignore[attr-defined]
        [
            {"sha256": digests[path], "size_bytes": len(content), "content": content}
            for path, content in files.items()
        ],
    )
    _insert(
        db,
        revisions,
        [{"revision": revision, "first_used_at": utcnow(), "file_count": len(files)}],
    )
    _insert(
        db,
        RuleRevisionFile.__table__,  # type: ignore[attr-defined]
        [{"revision": revision, "path": path, "sha256": digests[path]} for path in files],
    )
    return True


@event.listens_for(OrmSession, "before_flush")
def _store_revisions_used(db: OrmSession, _context: Any, _instances: Any) -> None:
    """Whatever records a rule-set revision (verdict, check, purchase) stores that revision."""
    used = {
        value
        for row in db.new
        for name in REVISION_ATTRIBUTES
        if isinstance(value := getattr(row, name, None), str) and value in _loaded
    }
    for obj in db.dirty:
        value = getattr(obj, "decided_by_ruleset", None)
        if isinstance(value, str) and value in _loaded:
            used.add(value)
    for revision in sorted(used):
        store(db, revision)


@event.listens_for(OrmSession, "after_commit")
def _remember_stored(db: OrmSession) -> None:
    stored = db.info.pop(STORED_KEY, None)
    if stored:
        _known(db).update(stored)


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget_stored(db: OrmSession, _previous: Any) -> None:
    # A rollback, even of a savepoint, may have taken the rows back: not remembered (a later
    # flush looks them up again).
    db.info.pop(STORED_KEY, None)


@dataclass(frozen=True)
class StoredRevision:
    """A stored revision: its files' bytes, and the rule set they make when they still parse."""

    revision: str
    first_used_at: Any
    files: Mapping[str, bytes]
    ruleset: RuleSet | None
    problems: RulesError | None

    @property
    def short(self) -> str:
        """The revision as shown to people."""
        return self.revision[:REVISION_DISPLAY_LENGTH]


class UnknownRevision(LookupError):
    """No stored revision matches (or the prefix matches several)."""


def find(db: Session, text: str) -> StoredRevision:
    """The stored revision whose hash is or starts with TEXT (at least 7 hex digits)."""
    wanted = text.strip().lower()
    if len(wanted) < SHORTEST_PREFIX or any(c not in "0123456789abcdef" for c in wanted):
        raise UnknownRevision(text)
    matches = list(
        db.exec(
            select(RuleRevision)
            .where(func.substr(col(RuleRevision.revision), 1, len(wanted)) == wanted)
            .limit(2)
        )
    )
    if len(matches) != 1:
        raise UnknownRevision(text)
    row = matches[0]
    stored = db.exec(
        select(RuleRevisionFile.path, RuleFileContent.content)
        .join(RuleFileContent, col(RuleFileContent.sha256) == col(RuleRevisionFile.sha256))
        .where(col(RuleRevisionFile.revision) == row.revision)
        .order_by(col(RuleRevisionFile.path))
    )
    files = {path: bytes(content) for path, content in stored}
    parsed = _parse(row.revision, files)
    return StoredRevision(
        revision=row.revision,
        first_used_at=row.first_used_at,
        files=files,
        ruleset=parsed if isinstance(parsed, RuleSet) else None,
        problems=parsed if isinstance(parsed, RulesError) else None,
    )


def files_for_command(text: str) -> tuple[str, Mapping[str, bytes]] | None:
    """For `portal rules show --revision`: the stored revision matching TEXT and its files."""
    from portal.db import get_engine

    with Session(get_engine()) as db:
        try:
            stored = find(db, text)
        except UnknownRevision:
            return None
    return stored.revision, stored.files


def _parse(revision: str, files: Mapping[str, bytes]) -> RuleSet | RulesError:
    # A revision's content never changes, so its parse is kept for the process's life.
    found = _parsed.get(revision)
    if found is None:
        try:
            found = parse_ruleset(files)
        except RulesError as error:
            # Today's loader may refuse an old revision; its files are still shown as they were.
            found = error
        with _lock:
            _parsed[revision] = found
    return found
