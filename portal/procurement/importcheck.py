"""Checking an import's lines: each read like a buyer check, in bulk (one query per kind).

A line is invalid when a value cannot be used, its supplier is the plant itself (internal
transfers are not purchases), its PO number and line repeat in the file or are already
recorded with different data, or its check failed without an exception reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from portal.checking import RuleSet
from portal.procurement import inputs
from portal.procurement.decision import Answer, Judge, ProductLine
from portal.procurement.importfile import ROW
from portal.procurement.importlines import INVALID, NEW, RECORDED
from portal.procurement.ledger import existing_purchases
from portal.procurement.lookup import load_candidates
from portal.suppliers.models import Supplier

SHOWN = 100  # characters of a value a line's outcome keeps to show (the cell keeps it all)


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

    def _date_in_file(self) -> str | None:
        """The file's date cell when it is not just the date booked (a time, another form)."""
        written = self._raw("date")
        return written if self.on and written != self.on.isoformat() else None

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
            "date_in_file": self._date_in_file(),
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
