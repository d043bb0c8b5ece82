"""EMS exports: upload a file, see a preview with every line's problem, then confirm it all or
nothing.

A file's lines go through the same door as every other reading (portal.energy.readings.ingest),
so they meet the same validation and data-quality rules, and stay idempotent by meter and time:
importing a file again stores nothing twice. The preview is a dry run of that door inside a
savepoint that is rolled back; the confirmation runs it again (the readings may have changed
since) and stores everything, or nothing when any line is refused. Upload and confirmation
are audited.

The file is read in a bounded worker process (portal.energy.emsreader) while the request holds
no database transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.db import utcnow
from portal.energy import alerts, emsfile, emsreader, readings
from portal.energy.models import EnergyImport
from portal.errors import Conflict, InvalidInput, NotFound
from portal.i18n import _
from portal.procurement.importfile import FileRefused
from portal.procurement.messages import file_problem_text

PREVIEWED, CONFIRMED = "previewed", "confirmed"
MAX_FILE_BYTES = 16 * 1024 * 1024
SHOWN_ERRORS = 500  # the preview lists this many problems; the count says how many in all


@dataclass(frozen=True)
class ImportLine:
    """A line of the file that parsed: its row number and reading."""

    row: int
    reading: readings.RawReading


@dataclass
class Outcome:
    """What the file's lines do (or did): new, unchanged, flagged, and each refused line."""

    new: int
    unchanged: int
    flagged: int
    errors: list[dict[str, Any]]  # {"row", "field", "message"}


def _safe_filename(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base).strip()[:255] or "upload"


def read_file(db: Session, *, filename: str, data: bytes) -> list[dict[str, Any]]:
    """The file's lines, read in the bounded worker; InvalidInput naming the problem else.
    The request's transaction ends first: on SQLite it would hold the write lock meanwhile."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(file_problem_text("too_large", n=MAX_FILE_BYTES >> 20), field="file")
    db.rollback()
    try:
        return emsreader.get_ems_reader().read(filename, data)
    except FileRefused as refused:
        raise InvalidInput(
            file_problem_text(refused.code, **refused.params), field="file"
        ) from None


def _encode(lines: list[ImportLine]) -> str:
    return json.dumps(
        [
            [line.row, r.meter, r.at_s, r.value, r.unit, r.replaced]
            for line in lines
            for r in (line.reading,)
        ],
        separators=(",", ":"),
    )


def _decode(text: str) -> list[ImportLine]:
    return [
        ImportLine(row, readings.RawReading(meter, at_s, value, unit, replaced))
        for row, meter, at_s, value, unit, replaced in json.loads(text)
    ]


def run_lines(
    db: Session, lines: list[ImportLine], problems: list[emsfile.LineProblem], *, now_s: int
) -> tuple[Outcome, readings.IngestResult]:
    """Ingest LINES in the caller's transaction, in batches; their outcome with PROBLEMS."""
    total = readings.IngestResult()
    errors = [{"row": p.row, "field": p.field, "message": p.message} for p in problems]
    for start in range(0, len(lines), readings.MAX_BATCH):
        chunk = lines[start : start + readings.MAX_BATCH]
        result = readings.ingest(
            db, items=[line.reading for line in chunk], source="file", now_s=now_s
        )
        total.stored += result.stored
        total.unchanged += result.unchanged
        total.flagged += result.flagged
        total.flagged_readings += result.flagged_readings
        errors += [
            {"row": chunk[error.index].row, "field": error.field, "message": error.message}
            for error in result.errors
        ]
    errors.sort(key=lambda error: (error["row"], error["field"]))
    return Outcome(total.stored, total.unchanged, total.flagged, errors), total


def _dry_run(db: Session, lines: list[ImportLine], problems: list[emsfile.LineProblem]) -> Outcome:
    savepoint = db.begin_nested()
    try:
        outcome, _result = run_lines(db, lines, problems, now_s=int(time.time()))
    finally:
        savepoint.rollback()
    return outcome


def _set_outcome(record: EnergyImport, outcome: Outcome) -> None:
    record.new_count = outcome.new
    record.unchanged_count = outcome.unchanged
    record.flagged_count = outcome.flagged
    record.error_count = len(outcome.errors)
    record.errors = json.dumps(outcome.errors[:SHOWN_ERRORS], ensure_ascii=False)


def upload(
    db: Session, *, actor: Actor, user_id: int | None, filename: str, data: bytes
) -> EnergyImport:
    """Read the file and preview what it would store; nothing is stored yet. Audited."""
    raw_lines = read_file(db, filename=filename, data=data)
    lines: list[ImportLine] = []
    problems: list[emsfile.LineProblem] = []
    for raw in raw_lines:
        parsed = emsfile.parse_line(raw)
        if isinstance(parsed, emsfile.LineProblem):
            problems.append(parsed)
        else:
            lines.append(ImportLine(int(raw["row"]), parsed))
    outcome = _dry_run(db, lines, problems)
    record = EnergyImport(
        filename=_safe_filename(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=user_id,
        status=PREVIEWED,
        line_count=len(raw_lines),
        lines=_encode(lines),
        errors="[]",
    )
    _set_outcome(record, outcome)
    db.add(record)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="energy_import.uploaded",
        entity_type="energy_import",
        entity_id=record.id,
        after={
            "filename": record.filename,
            "sha256": record.sha256,
            "lines": record.line_count,
            "new": record.new_count,
            "unchanged": record.unchanged_count,
            "errors": record.error_count,
        },
    )
    return record


def get_import(db: Session, import_id: int) -> EnergyImport:
    """The import, or NotFound."""
    record = db.get(EnergyImport, import_id)
    if record is None:
        raise NotFound(_("There is no such import."))
    return record


def errors_of(record: EnergyImport) -> list[dict[str, Any]]:
    """The problems the preview (or a refused confirmation) listed."""
    errors: list[dict[str, Any]] = json.loads(record.errors or "[]")
    return errors


def recent(db: Session, limit: int = 20) -> list[EnergyImport]:
    """The latest imports, newest first."""
    return list(
        db.exec(select(EnergyImport).order_by(col(EnergyImport.id).desc()).limit(limit)).all()
    )


class ImportRefused(Conflict):
    """The confirmation found refused lines; nothing was stored."""

    status_code = 422


def confirm(db: Session, *, actor: Actor, import_id: int) -> EnergyImport:
    """Store the file's readings, all or none: ImportRefused (with the preview updated) when
    any line is refused now. Confirming twice stores nothing twice. Audited."""
    record = get_import(db, import_id)
    if record.status == CONFIRMED:
        raise Conflict(_("This file has been imported already."))
    if record.error_count:
        raise ImportRefused(
            _("%(n)s line(s) of the file are refused; correct the file and upload it again.")
            % {"n": record.error_count}
        )
    lines = _decode(record.lines)
    savepoint = db.begin_nested()
    outcome, result = run_lines(db, lines, [], now_s=int(time.time()))
    if outcome.errors:
        savepoint.rollback()  # all or nothing
        _set_outcome(record, outcome)
        db.add(record)
        db.commit()
        raise ImportRefused(
            _(
                "Since the preview, %(n)s line(s) have become refused (other readings arrived); "
                "nothing was stored."
            )
            % {"n": len(outcome.errors)}
        )
    savepoint.commit()
    _set_outcome(record, outcome)
    record.status = CONFIRMED
    record.confirmed_at = utcnow()
    db.add(record)
    audit.record(
        db,
        actor=actor,
        action="energy_import.confirmed",
        entity_type="energy_import",
        entity_id=record.id,
        before={"status": PREVIEWED},
        after={
            "status": CONFIRMED,
            "stored": outcome.new,
            "unchanged": outcome.unchanged,
            "flagged": outcome.flagged,
        },
    )
    alerts.on_ingested(db, result)
    return record
