"""ERP imports: upload a file, check its lines in batches, then store them all or nothing.

Every line is checked like a buyer check. A line is invalid when a value cannot be used, its
supplier is the plant itself (internal transfers are not purchases), its PO number and line
repeat in the file or are already recorded with different data, or its check failed without
an exception reason. A file with any invalid line stores nothing. Lines already recorded with
the same data are skipped, so importing a file again adds nothing twice. The checks that
allow the purchases are recorded when the import is confirmed (previews are dry runs).

The file is read in a bounded worker process (portal.procurement.importreader) while the
request holds no database transaction; its lines are stored a row each (importlines).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.checking import RuleSet
from portal.db import REQUEST_SLOTS, utcnow
from portal.errors import Busy, Conflict, InvalidInput, NotFound
from portal.i18n import _
from portal.procurement import importlines, importreader, inputs
from portal.procurement.decision import Answer, Judge, ProductLine
from portal.procurement.importfile import ROW, FileRefused
from portal.procurement.importlines import INVALID, NEW, RECORDED, Counts
from portal.procurement.messages import file_problem_text
from portal.procurement.models import BuyerCheck, Purchase, PurchaseImport
from portal.procurement.service import (
    check_values,
    existing_purchases,
    load_candidates,
    purchase_values,
)
from portal.suppliers.models import Supplier

__all__ = ["INVALID", "NEW", "RECORDED"]
# Lines checked per step (a second or two); larger files show progress between steps.
BATCH_SIZE = 5000
CHECKING, PREVIEWED, CONFIRMING, CONFIRMED = "checking", "previewed", "confirming", "confirmed"
SHOWN = 100  # characters of a value a line's outcome keeps to show (the cell keeps it all)
# Uploads being read or waiting for a worker at once; the next is told to come back, so
# waiting files never take the request slots (portal.db) that PDFs being read leave.
READING_PLACES = REQUEST_SLOTS // 5


@dataclass
class LineOutcome:
    """One line of a file after checking."""

    row: int
    raw: Mapping[str, Any]
    problems: list[dict[str, Any]] = field(default_factory=list)
    supplier: Supplier | None = None
    material_code: str | None = None
    quantity_t: Decimal | None = None
    on: date | None = None
    product_line: ProductLine | None = None
    po_number: str | None = None
    po_line: int | None = None
    exception_reason: str | None = None
    recorded: bool = False
    answer: Answer | None = None

    @property
    def status(self) -> str:
        """new, recorded (skipped) or invalid."""
        if self.problems:
            return INVALID
        return RECORDED if self.recorded else NEW

    @property
    def key(self) -> tuple[str, int] | None:
        """(PO number, PO line) when both could be read."""
        if self.po_number is None or self.po_line is None:
            return None
        return (self.po_number, self.po_line)

    def problem(self, name: str, code: str, value: object = "", **extra: object) -> None:
        """Note why the line cannot be stored."""
        self.problems.append({"field": name, "code": code, "value": _shown(value), **extra})

    def _raw(self, name: str) -> str:
        return _shown(self.raw.get(name, ""))

    def to_dict(self) -> dict[str, Any]:
        """What the preview table shows (stored as JSON on the line)."""
        answer = self.answer
        return {
            ROW: self.row,
            "status": self.status,
            "po_number": self.po_number or self._raw("po_number"),
            "po_line": self.po_line if self.po_line is not None else self._raw("po_line"),
            "key": list(self.key) if self.key else None,
            "supplier": self.supplier.code if self.supplier else self._raw("supplier"),
            "material": self.material_code or self._raw("material"),
            "quantity_t": str(self.quantity_t) if self.quantity_t else self._raw("quantity_t"),
            "date": self.on.isoformat() if self.on else self._raw("date"),
            "product_line": self.product_line.value
            if self.product_line
            else self._raw("product_line"),
            "exception_reason": self.exception_reason,
            "verdict": answer.verdict.value if answer else None,
            "reasons": [reason.to_dict() for reason in answer.reasons] if answer else [],
            "declaration_id": answer.declaration.id if answer and answer.declaration else None,
            "factor_source": answer.factor_source.value if answer else None,
            "emissions_t": str(answer.emissions_t) if answer else None,
            "problems": self.problems,
        }


def _shown(value: object) -> str:
    """VALUE as text, cut to SHOWN characters: an over-long cell is refused, not repeated."""
    text = str(value)
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def _read(line: LineOutcome, name: str, reader: Any, *args: Any) -> Any:
    value = line.raw.get(name, "")
    try:
        return reader(value, *args)
    except inputs.BadValue as bad:
        line.problem(name, bad.code, value)
        return None


def _parse(
    raw: Mapping[str, Any], suppliers: Mapping[str, Supplier], ruleset: RuleSet
) -> LineOutcome:
    line = LineOutcome(row=int(raw[ROW]), raw=raw)
    line.po_number = _read(line, "po_number", inputs.po_number)
    line.po_line = _read(line, "po_line", inputs.po_line)
    code = _read(line, "supplier", inputs.supplier_code)
    if code is not None:
        supplier = suppliers.get(code)
        if supplier is None:
            line.problem("supplier", "unknown_supplier", code)
        elif supplier.is_own_plant:
            line.problem("supplier", "own_plant", code)
        else:
            line.supplier = supplier
    line.material_code = _read(line, "material", inputs.material_code, ruleset)
    line.quantity_t = _read(line, "quantity_t", inputs.quantity)
    line.on = _read(line, "date", inputs.day)
    line.product_line = _read(line, "product_line", inputs.product_line)
    line.exception_reason = _read(line, "exception_reason", inputs.exception_reason)
    return line


def _suppliers_by_code(db: Session, lines: Sequence[Mapping[str, Any]]) -> dict[str, Supplier]:
    codes = sorted({str(line.get("supplier", "")).strip().upper() for line in lines} - {""})
    found: dict[str, Supplier] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        for supplier in db.exec(select(Supplier).where(col(Supplier.code).in_(chunk))):
            found[supplier.code] = supplier
    return found


def assess(
    db: Session,
    raw_lines: Sequence[Mapping[str, Any]],
    *,
    judge: Judge,
    seen: dict[tuple[str, int], int],
) -> list[LineOutcome]:
    """Check lines in bulk: one query each for suppliers, recorded POs and declarations."""
    ruleset = judge.ruleset
    suppliers = _suppliers_by_code(db, raw_lines)
    lines = [_parse(raw, suppliers, ruleset) for raw in raw_lines]
    for line in lines:
        key = line.key
        if key is None:
            continue
        if key in seen:
            line.problem("po_number", "duplicate_in_file", f"{key[0]}/{key[1]}", row=seen[key])
        else:
            seen[key] = line.row
    recorded = existing_purchases(db, [line.key for line in lines if line.key is not None])
    for line in lines:
        existing = recorded.get(line.key) if line.key else None
        if existing is None or line.problems:
            continue
        assert line.supplier is not None
        same = (
            existing.supplier_id == line.supplier.id
            and existing.material_code == line.material_code
            and existing.quantity_t == line.quantity_t
            and existing.purchase_date == line.on
            and existing.product_line == line.product_line
        )
        if same:
            line.recorded = True
        else:
            line.problem(
                "po_number", "recorded_differently", f"{existing.po_number}/{existing.po_line}"
            )
    to_check = [line for line in lines if not line.problems and not line.recorded]
    candidates = load_candidates(
        db,
        [
            ((line.supplier.id, line.material_code), line.on)
            for line in to_check
            if line.supplier and line.supplier.id and line.material_code and line.on
        ],
    )
    for line in to_check:
        assert line.supplier is not None and line.supplier.id is not None
        assert line.material_code and line.quantity_t and line.on and line.product_line
        line.answer = judge.decide(
            candidates.get((line.supplier.id, line.material_code), []),
            material_code=line.material_code,
            quantity_t=line.quantity_t,
            on=line.on,
            product_line=line.product_line,
        )
        if not line.answer.passed and line.exception_reason is None:
            line.problem("exception_reason", "exception_needed")
    return lines


def _safe_filename(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base).strip()[:255] or "upload"


_reading = [0]
_reading_lock = threading.Lock()


def reading_now() -> int:
    """How many uploads are being read, or wait for an import worker, in this process."""
    with _reading_lock:
        return _reading[0]


@contextmanager
def _turn_to_read() -> Iterator[None]:
    """A place among the uploads being read, or Busy when too many wait already."""
    with _reading_lock:
        if _reading[0] >= max(importreader.WORKERS, READING_PLACES):
            raise Busy(_("The portal is busy reading other files. Try again in a minute."))
        _reading[0] += 1
    try:
        yield
    finally:
        with _reading_lock:
            _reading[0] -= 1


def read_file(db: Session, *, filename: str, data: bytes) -> list[dict[str, Any]]:
    """The file's lines, read in a bounded worker; InvalidInput naming the problem else.

    Reading takes up to the worker's time limit. The request has only read so far (who is
    signed in), so its transaction ends first: on SQLite it holds the write lock, and every
    other writer (a buyer's check, say) would wait for this file.
    """
    db.rollback()
    try:
        with _turn_to_read():
            return importreader.get_import_reader().read(filename, data)
    except FileRefused as refused:
        raise InvalidInput(
            file_problem_text(refused.code, **refused.params), field="file"
        ) from None


def upload(
    db: Session, *, actor: Actor, user_id: int, filename: str, data: bytes
) -> PurchaseImport:
    """Read the file and start checking it; small files are checked at once."""
    lines = read_file(db, filename=filename, data=data)
    purchase_import = PurchaseImport(
        filename=_safe_filename(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=user_id,
        status=CHECKING,
        line_count=len(lines),
    )
    db.add(purchase_import)
    db.flush()
    assert purchase_import.id is not None
    importlines.store(db, import_id=purchase_import.id, lines=lines)
    audit.record(
        db,
        actor=actor,
        action="purchase_import.uploaded",
        entity_type="purchase_import",
        entity_id=purchase_import.id,
        after={
            "filename": purchase_import.filename,
            "sha256": purchase_import.sha256,
            "lines": len(lines),
        },
    )
    if len(lines) <= BATCH_SIZE:
        check_next_batch(db, import_id=purchase_import.id)
    return purchase_import


def get_import(db: Session, import_id: int) -> PurchaseImport:
    """The import, or NotFound."""
    found = db.get(PurchaseImport, import_id) if 0 < import_id < 2**31 else None
    if found is None:
        raise NotFound()
    return found


def check_next_batch(db: Session, *, import_id: int | None) -> PurchaseImport:
    """Check the next batch of lines; their outcomes are stored for the page to show."""
    purchase_import = get_import(db, import_id or 0)
    start = purchase_import.checked_count
    if purchase_import.status != CHECKING:
        return purchase_import
    end = min(start + BATCH_SIZE, purchase_import.line_count)
    claimed = db.execute(
        update(PurchaseImport)
        .where(
            col(PurchaseImport.id) == purchase_import.id,
            col(PurchaseImport.checked_count) == start,
            col(PurchaseImport.status) == CHECKING,
        )
        .values(checked_count=end)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        db.refresh(purchase_import)  # another request checked this batch meanwhile
        return purchase_import
    assert purchase_import.id is not None
    stored = importlines.between(db, import_id=purchase_import.id, start=start, end=end)
    outcomes = assess(
        db,
        [line.raw for line in stored],
        judge=Judge(get_ruleset()),
        seen=importlines.seen_before(db, import_id=purchase_import.id, before=start),
    )
    importlines.write_results(
        db,
        [(line, outcome.to_dict()) for line, outcome in zip(stored, outcomes, strict=True)],
        only_changed=False,
    )
    purchase_import.checked_count = end
    if end >= purchase_import.line_count:
        purchase_import.status = PREVIEWED
    db.add(purchase_import)
    db.flush()
    return purchase_import


Summary = Counts


def summary(db: Session, *, import_id: int) -> Summary:
    """Counts of the lines checked so far."""
    return importlines.counts(db, import_id=import_id)


def line_results(db: Session, *, import_id: int) -> list[dict[str, Any]]:
    """The outcome of every line checked so far, in the file's order."""
    return importlines.results(db, import_id=import_id)


@dataclass(frozen=True)
class Preview:
    """The lines a preview shows, and how many checked lines it leaves out."""

    lines: list[dict[str, Any]]
    hidden: int


def preview(db: Session, *, import_id: int, checked: int, rows: int, first: int) -> Preview:
    """Every checked line up to ROWS of them; beyond, the FIRST lines and those with problems."""
    if checked <= rows:
        return Preview(importlines.results(db, import_id=import_id), 0)
    problems = importlines.results(db, import_id=import_id, problems_only=True, limit=rows)
    head = importlines.results(db, import_id=import_id, limit=first)
    shown = sorted({r[ROW]: r for r in head + problems}.values(), key=lambda r: r[ROW])
    return Preview(shown, checked - len(shown))


@dataclass(frozen=True)
class Confirmation:
    """What confirming stored, or why nothing was stored."""

    stored: int
    skipped: int
    exceptions: int
    invalid: int


def confirm(db: Session, *, actor: Actor, user_id: int, import_id: int) -> Confirmation:
    """Check every line again and store the new ones in this transaction, or store nothing."""
    purchase_import = get_import(db, import_id)
    if purchase_import.status == CONFIRMED:
        raise Conflict(_("This import has already been confirmed."))
    if purchase_import.status != PREVIEWED:
        raise InvalidInput(_("The file is still being checked."), field="file")
    claimed = db.execute(
        update(PurchaseImport)
        .where(col(PurchaseImport.id) == import_id, col(PurchaseImport.status) == PREVIEWED)
        .values(status=CONFIRMING)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise Conflict(_("This import has already been confirmed."))
    ruleset = get_ruleset()
    stored = importlines.between(db, import_id=import_id, with_results=True)
    outcomes = assess(db, [line.raw for line in stored], judge=Judge(ruleset), seen={})
    # Only lines whose outcome changed since the preview are written again.
    importlines.write_results(
        db,
        [(line, outcome.to_dict()) for line, outcome in zip(stored, outcomes, strict=True)],
        only_changed=True,
    )
    invalid = sum(line.status == INVALID for line in outcomes)
    if invalid:
        # Something changed since the preview (a declaration, the rules, another import).
        purchase_import.status = PREVIEWED
        db.add(purchase_import)
        db.flush()
        return Confirmation(stored=0, skipped=0, exceptions=0, invalid=invalid)
    new = [line for line in outcomes if line.status == NEW]
    now = utcnow()
    checks = [
        check_values(
            line.answer, supplier_id=line.supplier.id, user_id=user_id, via_api=False, at=now
        )
        for line in new
        if line.answer is not None and line.supplier is not None and line.supplier.id
    ]
    check_ids = _insert_many(db, BuyerCheck, checks, user_id=user_id, at=now)
    purchases = [
        purchase_values(
            check,
            check_id=check_id,
            ruleset=ruleset,
            po_number=line.po_number or "",
            po_line=line.po_line or 1,
            exception_reason=line.exception_reason,
            user_id=user_id,
            import_id=purchase_import.id,
            recorded_at=now,
        )
        for check, check_id, line in zip(checks, check_ids, new, strict=True)
    ]
    try:
        _insert_many(db, Purchase, purchases)
    except IntegrityError:  # another import recorded some of these PO lines meanwhile
        raise Conflict(
            _("Some of these PO lines were recorded meanwhile. Upload the file again.")
        ) from None
    codes = {line.supplier.id: line.supplier.code for line in new if line.supplier}
    exceptions = db.exec(
        select(Purchase)
        .where(
            col(Purchase.import_id) == purchase_import.id,
            col(Purchase.exception_reason).is_not(None),
        )
        .order_by(col(Purchase.id))
    ).all()
    purchase_import.status = CONFIRMED
    purchase_import.confirmed_at = utcnow()
    db.add(purchase_import)
    db.flush()
    # One entry for the whole file, listing each exception with its reason: a back-filled
    # history can hold thousands, and one audit entry each would take minutes.
    audit.record(
        db,
        actor=actor,
        action="purchase_import.confirmed",
        entity_type="purchase_import",
        entity_id=purchase_import.id,
        after={
            "filename": purchase_import.filename,
            "sha256": purchase_import.sha256,
            "stored": len(purchases),
            "skipped_already_recorded": len(outcomes) - len(new),
            "exceptions": [
                {
                    "purchase_id": purchase.id,
                    "po_number": purchase.po_number,
                    "po_line": purchase.po_line,
                    "supplier": codes.get(purchase.supplier_id, ""),
                    "material": purchase.material_code,
                    "quantity_t": purchase.quantity_t,
                    "exception_reason": purchase.exception_reason,
                }
                for purchase in exceptions
            ],
        },
    )
    return Confirmation(
        stored=len(purchases),
        skipped=len(outcomes) - len(new),
        exceptions=len(exceptions),
        invalid=0,
    )


def _insert_many(
    db: Session,
    model: type[SQLModel],
    rows: Sequence[Mapping[str, Any]],
    *,
    user_id: int | None = None,
    at: datetime | None = None,
) -> list[int]:
    """Insert ROWS in bulk (Core executemany, no per-object ORM work).

    With USER_ID and AT, returns the new ids in the order of ROWS: the rows were inserted in
    order in this transaction and no other check carries this user and this exact instant.
    """
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    db.execute(insert(table), list(rows))
    if user_id is None or at is None:
        return []
    ids = list(
        db.exec(
            select(BuyerCheck.id)
            .where(BuyerCheck.user_id == user_id, BuyerCheck.at == at)
            .order_by(col(BuyerCheck.id))
        ).all()
    )
    if len(ids) != len(rows):  # pragma: no cover - would need two imports in one microsecond
        raise Conflict(_("Someone else changed this first. Reload the page and try again."))
    return [row_id for row_id in ids if row_id is not None]


def recent_imports(db: Session, limit: int = 10) -> list[PurchaseImport]:
    """The latest uploads (their lines are rows of their own)."""
    statement = select(PurchaseImport).order_by(col(PurchaseImport.id).desc()).limit(limit)
    return list(db.exec(statement).all())
