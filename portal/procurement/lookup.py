"""Reading a check's input and loading the declarations that may apply (one query per batch)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from portal.catalog import get_ruleset
from portal.checking import DeclarationFacts, RuleSet
from portal.clock import plant_today
from portal.declarations.facts import facts_of
from portal.declarations.models import Declaration, DeclarationStatus, EvidenceFile
from portal.errors import InvalidInput
from portal.procurement import inputs
from portal.procurement.decision import (
    Candidate,
    ProductLine,
    Replacement,
    applicable,
)
from portal.procurement.messages import problem_text
from portal.suppliers.models import Supplier

CandidateKey = tuple[int, str]  # (supplier id, material code)
IN_CHUNK = 500  # stay far below SQLite's limit on bound parameters


def invalid_field(field: str, code: str, value: str = "", **extra: object) -> InvalidInput:
    return InvalidInput(problem_text(field, code, value, **extra), field=field)


def read_field(field: str, reader: Any, value: Any, *args: Any) -> Any:
    try:
        return reader(value, *args)
    except inputs.BadValue as bad:
        raise invalid_field(field, bad.code, str(value or "")) from None


# --- reading and loading ------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInput:
    """A check's question, validated."""

    supplier: Supplier
    material_code: str
    quantity_t: Decimal
    on: date
    product_line: ProductLine


def find_supplier(db: Session, code: str | None) -> Supplier:
    """The outside supplier with CODE; InvalidInput naming `supplier` for unknown or own plant."""
    wanted = read_field("supplier", inputs.supplier_code, code)
    supplier = db.exec(select(Supplier).where(Supplier.code == wanted)).first()
    if supplier is None:
        raise invalid_field("supplier", "unknown_supplier", wanted)
    if supplier.is_own_plant:
        raise invalid_field("supplier", "own_plant", wanted)
    return supplier


def find_supplier_by_id(db: Session, supplier_id: int) -> Supplier:
    """The supplier with this id (it exists: purchases and checks refer to it)."""
    supplier = db.get(Supplier, supplier_id)
    assert supplier is not None
    return supplier


def read_check(
    db: Session,
    *,
    supplier: str | None,
    material: str | None,
    quantity_t: str | Decimal | None,
    on: str | date | None,
    product_line: str | None,
    ruleset: RuleSet | None = None,
) -> CheckInput:
    """The question, validated field by field (InvalidInput names the first bad field)."""
    ruleset = ruleset or get_ruleset()
    found = find_supplier(db, supplier)
    return CheckInput(
        supplier=found,
        material_code=read_field("material", inputs.material_code, material, ruleset),
        quantity_t=read_field("quantity_t", inputs.quantity, quantity_t),
        on=plant_today() if on in (None, "") else read_field("date", inputs.day, on),
        product_line=read_field("product_line", inputs.product_line, product_line),
    )


def in_chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


_LIGHT_COLUMNS = (
    "id", "supplier_id", "material_code", "version", "status", "pcf_t_per_t", "recycled_fraction",
    "reference_period_start", "valid_until", "submitted_on", "submitted_at", "superseded_status",
)  # fmt: skip


@lru_cache(maxsize=1)
def _statements() -> dict[str, Any]:
    """The queries that load candidates, built once: building one took longer than running it."""
    # Plain rows, not ORM objects: an import loads thousands of declarations per batch, and
    # making entities of them cost more than checking them. All ride on ix_declaration_lookup
    # (supplier_id, material_code, status, valid_until) or the primary keys.
    table = Declaration.__table__  # type: ignore[attr-defined]
    full = [c for c in table.columns if c.key not in ("verdict_detail", "pdf_mismatches")]
    kinds = (col(EvidenceFile.declaration_id), col(EvidenceFile.kind))
    # The IN lists let the index be used; the pairs keep out the declarations of suppliers x
    # materials that nobody asked about (most of the table, for a big import).
    # A superseded version counts only if it was accepted and covers a date asked about (a
    # back-dated purchase); the others change no answer, so they stay out of the load.
    current = or_(
        table.c.status != DeclarationStatus.SUPERSEDED.value,
        and_(
            table.c.superseded_status == DeclarationStatus.ACCEPTED.value,
            table.c.valid_until >= bindparam("earliest"),
            table.c.reference_period_start <= bindparam("latest"),
        ),
    )
    pairs = (
        current,
        table.c.supplier_id.in_(bindparam("supplier_ids", expanding=True)),
        table.c.material_code.in_(bindparam("materials", expanding=True)),
        tuple_(table.c.supplier_id, table.c.material_code).in_(bindparam("pairs", expanding=True)),
    )
    return {
        # One pair (a buyer check): one query with the kinds, and no IN lists to expand.
        "one_pair": sa_select(*full, col(EvidenceFile.kind).label("evidence_kind"))
        .outerjoin(EvidenceFile, col(EvidenceFile.declaration_id) == table.c.id)
        .where(
            current,
            table.c.supplier_id == bindparam("supplier_id"),
            table.c.material_code == bindparam("material"),
        ),
        "pairs": sa_select(*(table.c[name] for name in _LIGHT_COLUMNS)).where(*pairs),
        "by_id": sa_select(*full).where(table.c.id.in_(bindparam("ids", expanding=True))),
        "kinds_by_id": sa_select(*kinds).where(
            col(EvidenceFile.declaration_id).in_(bindparam("ids", expanding=True))
        ),
        "successors": sa_select(table.c.supersedes_id, table.c.version, table.c.submitted_on).where(
            table.c.supersedes_id.in_(bindparam("ids", expanding=True))
        ),
    }


def load_candidates(
    db: Session, questions: Iterable[tuple[CandidateKey, date]]
) -> dict[CandidateKey, list[Candidate]]:
    """The declarations of each asked (supplier, material) pair, in bulk.

    Each question is a pair and the date of the purchase. A superseded version comes only if
    it was accepted and is valid on one of its pair's dates. Only the declarations that apply
    on a date asked about (the ones the rules engine judges) come with their facts.
    """
    asked: dict[CandidateKey, set[date]] = defaultdict(set)
    for key, on in questions:
        asked[key].add(on)
    if len(asked) <= 1:
        return _linked(db, {key: _one_pair(db, key, asked[key]) for key in asked}, asked)
    light = _linked(db, _pairs(db, sorted(asked), asked), asked)
    chosen = {
        candidate.id
        for key, days in asked.items()
        for on in days
        if (candidate := applicable(light.get(key, []), on)) is not None
    }
    facts = _facts_by_id(db, sorted(chosen))
    return {
        key: [replace(c, facts=facts[c.id]) if c.id in facts else c for c in candidates]
        for key, candidates in light.items()
    }


def _one_pair(db: Session, key: CandidateKey, days: set[date]) -> list[Candidate]:
    rows: dict[int, Any] = {}  # declaration rows: the same attribute names as a Declaration
    kinds: dict[int, set[str]] = defaultdict(set)
    params = {"supplier_id": key[0], "material": key[1], **_window(days)}
    for row in db.execute(_statements()["one_pair"], params):
        rows[row.id] = row
        if row.evidence_kind is not None:
            kinds[row.id].add(row.evidence_kind)
    return [candidate_of(row, kinds[declaration_id]) for declaration_id, row in rows.items()]


def _window(days: Iterable[date]) -> dict[str, date]:
    """The dates a superseded version must overlap to be loaded at all."""
    ordered = sorted(days)
    return {"earliest": ordered[0], "latest": ordered[-1]}


def _linked(
    db: Session,
    found: Mapping[CandidateKey, list[Candidate]],
    asked: Mapping[CandidateKey, set[date]],
) -> dict[CandidateKey, list[Candidate]]:
    """FOUND but the superseded versions valid on none of their own pair's dates (the loaded
    window spans all pairs'), each superseded one that applies with the version that replaced it."""
    kept = {
        key: [
            c
            for c in candidates
            if c.status != DeclarationStatus.SUPERSEDED or any(map(c.valid_on, asked[key]))
        ]
        for key, candidates in found.items()
    }
    # Only a version that applies needs its successor (the answer names it).
    old = sorted(
        {
            chosen.id
            for key, candidates in kept.items()
            for on in asked[key]
            if (chosen := applicable(candidates, on)) is not None
            and chosen.status == DeclarationStatus.SUPERSEDED
        }
    )
    later: dict[int, Replacement] = {}
    for chunk in in_chunks(old):
        params = {"ids": list(chunk)}
        for supersedes_id, version, submitted_on in db.execute(_statements()["successors"], params):
            later[supersedes_id] = Replacement(version=version, on=submitted_on)
    return {
        key: [replace(c, replaced_by=later[c.id]) if c.id in later else c for c in cs]
        for key, cs in kept.items()
    }


def _pairs(
    db: Session, wanted: Sequence[CandidateKey], asked: Mapping[CandidateKey, set[date]]
) -> dict[CandidateKey, list[Candidate]]:
    """The declarations of the pairs without their facts (most are never judged)."""
    found: dict[CandidateKey, list[Candidate]] = defaultdict(list)
    wanted_set = set(wanted)
    materials = sorted({material for _supplier, material in wanted})
    for suppliers in in_chunks(sorted({supplier_id for supplier_id, _material in wanted})):
        chunk = set(suppliers)
        pairs = [pair for pair in wanted if pair[0] in chunk]
        params = {
            "supplier_ids": list(suppliers),
            "materials": materials,
            "pairs": pairs,
            **_window(day for pair in pairs for day in asked[pair]),
        }
        for row in db.execute(_statements()["pairs"], params):
            key = (row.supplier_id, row.material_code)
            if key in wanted_set:
                found[key].append(candidate_of(row, None))
    return found


def _facts_by_id(db: Session, ids: Sequence[int]) -> dict[int, DeclarationFacts]:
    facts: dict[int, DeclarationFacts] = {}
    statements = _statements()
    for chunk in in_chunks(ids):
        params = {"ids": list(chunk)}
        kinds: dict[int, set[str]] = defaultdict(set)
        for declaration_id, kind in db.execute(statements["kinds_by_id"], params):
            kinds[declaration_id].add(kind)
        for row in db.execute(statements["by_id"], params):
            facts[row.id] = facts_of(row, kinds[row.id])
    return facts


def candidate_of(declaration: Any, kinds: Iterable[str] | None) -> Candidate:
    """The decision's view of a stored declaration (a Declaration or a row with its names).

    Without KINDS (the evidence attached), the candidate comes without its facts.
    """
    return Candidate(
        id=declaration.id,
        version=declaration.version,
        status=declaration.status,
        material_code=declaration.material_code,
        pcf_t_per_t=declaration.pcf_t_per_t,
        recycled_fraction=declaration.recycled_fraction,
        reference_period_start=declaration.reference_period_start,
        valid_until=declaration.valid_until,
        submitted_on=declaration.submitted_on,
        submitted_at=declaration.submitted_at,
        facts=None if kinds is None else facts_of(declaration, kinds),
        superseded_status=declaration.superseded_status,
    )
