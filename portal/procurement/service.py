"""Buyer checks and the purchase ledger: the database side of the decision in decision.py."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, tuple_
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal import audit
from portal.accounts.models import User
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.checking import DeclarationFacts, Label, RuleSet, UnknownMaterialError
from portal.checking.ruleset import Material
from portal.clock import plant_today
from portal.db import utcnow
from portal.declarations.facts import facts_of
from portal.declarations.models import Declaration, DeclarationStatus, EvidenceFile
from portal.errors import Conflict, InvalidInput
from portal.procurement import inputs
from portal.procurement.decision import (
    Answer,
    Candidate,
    CheckVerdict,
    Judge,
    ProductLine,
    Replacement,
    applicable,
    version_note,
)
from portal.procurement.messages import problem_text
from portal.procurement.models import BuyerCheck, Purchase
from portal.suppliers.models import Supplier

CandidateKey = tuple[int, str]  # (supplier id, material code)
IN_CHUNK = 500  # stay far below SQLite's limit on bound parameters


def _invalid(field: str, code: str, value: str = "", **extra: object) -> InvalidInput:
    return InvalidInput(problem_text(field, code, value, **extra), field=field)


def _read(field: str, reader: Any, value: Any, *args: Any) -> Any:
    try:
        return reader(value, *args)
    except inputs.BadValue as bad:
        raise _invalid(field, bad.code, str(value or "")) from None


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
    wanted = _read("supplier", inputs.supplier_code, code)
    supplier = db.exec(select(Supplier).where(Supplier.code == wanted)).first()
    if supplier is None:
        raise _invalid("supplier", "unknown_supplier", wanted)
    if supplier.is_own_plant:
        raise _invalid("supplier", "own_plant", wanted)
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
        material_code=_read("material", inputs.material_code, material, ruleset),
        quantity_t=_read("quantity_t", inputs.quantity, quantity_t),
        on=plant_today() if on in (None, "") else _read("date", inputs.day, on),
        product_line=_read("product_line", inputs.product_line, product_line),
    )


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
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
    for chunk in _chunks(old):
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
    for suppliers in _chunks(sorted({supplier_id for supplier_id, _material in wanted})):
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
    for chunk in _chunks(ids):
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


# --- checks -------------------------------------------------------------------------------


def check_values(
    answer: Answer, *, supplier_id: int, user_id: int, via_api: bool, at: datetime | None = None
) -> dict[str, Any]:
    """The columns of the record of one answer."""
    return {
        "at": at or utcnow(),
        "user_id": user_id,
        "via_api": via_api,
        "supplier_id": supplier_id,
        "material_code": answer.material.code,
        "quantity_t": answer.quantity_t,
        "check_date": answer.on,
        "product_line": answer.product_line.value,
        "verdict": answer.verdict.value,
        "reasons": [reason.to_dict() for reason in answer.reasons],
        "declaration_id": answer.declaration.id if answer.declaration else None,
        "factor_source": answer.factor_source.value,
        "pcf_t_per_t": answer.pcf_t_per_t,
        "recycled_fraction": answer.recycled_fraction,
        "emissions_t": answer.emissions_t,
        "recycled_t": answer.recycled_t,
        "low_carbon_label": answer.label.code if answer.label else None,
        "ruleset_revision": answer.ruleset_revision,
    }


@lru_cache(maxsize=1)
def _insert_check() -> Any:
    table = BuyerCheck.__table__  # type: ignore[attr-defined]
    return insert(table).returning(table.c.id)


@dataclass(frozen=True)
class CheckResult:
    """A recorded check with its answer."""

    check: BuyerCheck
    answer: Answer
    supplier: Supplier


def check_purchase(
    db: Session, *, actor: Actor, user_id: int, question: CheckInput, via_api: bool = False
) -> CheckResult:
    """Answer the question and record the check (who, when, input, answer)."""
    ruleset = get_ruleset()
    supplier = question.supplier
    assert supplier.id is not None
    key = (supplier.id, question.material_code)
    candidates = load_candidates(db, [(key, question.on)]).get(key, [])
    answer = Judge(ruleset).decide(
        candidates,
        material_code=question.material_code,
        quantity_t=question.quantity_t,
        on=question.on,
        product_line=question.product_line,
    )
    values = check_values(answer, supplier_id=supplier.id, user_id=user_id, via_api=via_api)
    # A plain INSERT: the ORM's unit of work cost more than the rest of the write.
    check = BuyerCheck(id=db.execute(_insert_check(), values).scalar_one(), **values)
    audit.record(
        db,
        actor=actor,
        action="check.recorded",
        entity_type="buyer_check",
        entity_id=check.id,
        after={
            "supplier": supplier.code,
            "material": check.material_code,
            "quantity_t": check.quantity_t,
            "date": check.check_date,
            "product_line": check.product_line,
            "verdict": check.verdict,
            "declaration_id": check.declaration_id,
            "emissions_t": check.emissions_t,
            "via_api": via_api,
        },
    )
    return CheckResult(check=check, answer=answer, supplier=supplier)


# --- purchases ----------------------------------------------------------------------------


def purchase_values(
    check: Mapping[str, Any],
    *,
    check_id: int,
    ruleset: RuleSet,
    po_number: str,
    po_line: int,
    exception_reason: str | None,
    user_id: int,
    import_id: int | None = None,
    recorded_at: datetime | None = None,
) -> dict[str, Any]:
    """The columns of a purchase that copies everything its check decided."""
    return {
        "supplier_id": check["supplier_id"],
        "material_code": check["material_code"],
        "material_category": ruleset.material(check["material_code"]).category.value,
        "quantity_t": check["quantity_t"],
        "purchase_date": check["check_date"],
        "purchase_year": check["check_date"].year,
        "product_line": check["product_line"],
        "po_number": po_number,
        "po_line": po_line,
        "check_id": check_id,
        "declaration_id": check["declaration_id"],
        "factor_source": check["factor_source"],
        "pcf_t_per_t": check["pcf_t_per_t"],
        "recycled_fraction": check["recycled_fraction"],
        "emissions_t": check["emissions_t"],
        "recycled_t": check["recycled_t"],
        "ruleset_revision": check["ruleset_revision"],
        "exception_reason": exception_reason if check["verdict"] == CheckVerdict.FAIL else None,
        "import_id": import_id,
        "recorded_by_id": user_id,
        "recorded_at": recorded_at or utcnow(),
    }


def purchase_from_check(
    check: BuyerCheck,
    *,
    ruleset: RuleSet,
    po_number: str,
    po_line: int,
    exception_reason: str | None,
    user_id: int,
) -> Purchase:
    """A purchase that copies everything the check decided (not yet added to the session)."""
    assert check.id is not None
    return Purchase(
        **purchase_values(
            check.model_dump(),
            check_id=check.id,
            ruleset=ruleset,
            po_number=po_number,
            po_line=po_line,
            exception_reason=exception_reason,
            user_id=user_id,
        )
    )


def purchase_facts(purchase: Purchase, supplier_code: str) -> dict[str, Any]:
    """What the audit trail keeps about a purchase."""
    return {
        "po_number": purchase.po_number,
        "po_line": purchase.po_line,
        "supplier": supplier_code,
        "material": purchase.material_code,
        "quantity_t": purchase.quantity_t,
        "date": purchase.purchase_date,
        "product_line": purchase.product_line,
        "check_id": purchase.check_id,
        "declaration_id": purchase.declaration_id,
        "factor_source": purchase.factor_source,
        "pcf_t_per_t": purchase.pcf_t_per_t,
        "emissions_t": purchase.emissions_t,
        "recycled_t": purchase.recycled_t,
        "exception_reason": purchase.exception_reason,
        "import_id": purchase.import_id,
    }


@dataclass(frozen=True)
class Recorded:
    """A purchase and whether this request recorded it (else it was recorded before)."""

    purchase: Purchase
    created: bool


def _purchase_of(db: Session, check_id: int) -> Purchase | None:
    statement = select(Purchase).where(Purchase.check_id == check_id)
    return db.exec(statement.execution_options(populate_existing=True)).first()


def _same_or_conflict(existing: Purchase, number: str, line: int) -> Recorded:
    """A repeat of the recorded purchase answers it; another PO line for its check is refused."""
    if (existing.po_number, existing.po_line) == (number, line):
        return Recorded(existing, created=False)
    raise Conflict(problem_text("check_id", "check_used"), field="check_id")


def _recorded_meanwhile(db: Session, check_id: int, number: str, line: int) -> Recorded:
    """The PO line is taken: by this check's purchase (a parallel repeat), or by another."""
    existing = _purchase_of(db, check_id)  # committed since this request first looked
    if existing is not None:
        return _same_or_conflict(existing, number, line)
    raise Conflict(problem_text("po_number", "po_recorded", f"{number}/{line}"), field="po_number")


def record_purchase(
    db: Session,
    *,
    actor: Actor,
    user_id: int,
    check_id: int | str | None,
    po_number: str | None,
    po_line: str | int | None,
    exception_reason: str | None,
) -> Purchase:
    """Record the purchase a check allowed; a failed check needs the buyer's reason."""
    return record_purchase_once(
        db,
        actor=actor,
        user_id=user_id,
        check_id=check_id,
        po_number=po_number,
        po_line=po_line,
        exception_reason=exception_reason,
    ).purchase


def record_purchase_once(
    db: Session,
    *,
    actor: Actor,
    user_id: int,
    check_id: int | str | None,
    po_number: str | None,
    po_line: str | int | None,
    exception_reason: str | None,
) -> Recorded:
    """Record the check's purchase once: the same PO line again answers the recorded one.

    A check holds one purchase (a unique index): of parallel requests with one check, one
    records it and the others get it (same PO line) or a Conflict naming `check_id`.
    """
    number = _read("po_number", inputs.po_number, po_number)
    line = _read("po_line", inputs.po_line, po_line)
    reason = _read("exception_reason", inputs.exception_reason, exception_reason)
    check = get_check(db, check_id)
    assert check.id is not None
    existing = _purchase_of(db, check.id)
    if existing is not None:
        return _same_or_conflict(existing, number, line)
    if check.verdict == CheckVerdict.FAIL and reason is None:
        raise _invalid("exception_reason", "exception_needed")
    po_taken = db.exec(
        select(Purchase.id).where(Purchase.po_number == number, Purchase.po_line == line)
    ).first()
    if po_taken is not None:
        return _recorded_meanwhile(db, check.id, number, line)
    supplier = db.get(Supplier, check.supplier_id)
    assert supplier is not None
    try:
        purchase = purchase_from_check(
            check,
            ruleset=get_ruleset(),
            po_number=number,
            po_line=line,
            exception_reason=reason,
            user_id=user_id,
        )
    except UnknownMaterialError:
        raise _invalid("material", "unknown_material", check.material_code) from None
    try:
        # A savepoint: after a parallel request won, the transaction goes on to say which.
        with db.begin_nested():
            db.add(purchase)
            db.flush()
    except IntegrityError:
        return _recorded_meanwhile(db, check.id, number, line)
    audit.record(
        db,
        actor=actor,
        action="purchase.recorded_exception" if purchase.exception_reason else "purchase.recorded",
        entity_type="purchase",
        entity_id=purchase.id,
        after=purchase_facts(purchase, supplier.code),
    )
    return Recorded(purchase, created=True)


# --- the ledger ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseFilters:
    """What a purchase list is narrowed to."""

    year: int | None = None
    product_line: str | None = None
    supplier: str | None = None
    material: str | None = None
    factor_source: str | None = None
    exceptions_only: bool = False
    date_from: date | None = None
    date_to: date | None = None
    import_id: int | None = None

    def query_string(self) -> str:
        """The filters as URL query parameters (for the CSV link)."""
        from urllib.parse import urlencode

        pairs: dict[str, str] = {}
        for name, value in vars(self).items():
            if value is None or value is False or value == "":
                continue
            pairs[name] = "1" if value is True else str(value)
        return urlencode(pairs)


@dataclass(frozen=True)
class PurchaseRow:
    """A purchase with its supplier for lists and exports."""

    purchase: Purchase
    supplier_code: str
    supplier_name_zh: str
    supplier_name_en: str
    verdict: str


@dataclass(frozen=True)
class PurchasePage:
    """A page of the ledger with totals over every matching purchase."""

    rows: list[PurchaseRow]
    total: int
    quantity_t: Decimal
    emissions_t: Decimal
    recycled_t: Decimal


def _filtered(statement: Any, filters: PurchaseFilters) -> Any:
    conditions = []
    if filters.year is not None:
        conditions.append(col(Purchase.purchase_year) == filters.year)
    if filters.product_line:
        conditions.append(col(Purchase.product_line) == filters.product_line)
    if filters.supplier:
        conditions.append(col(Supplier.code) == filters.supplier.strip().upper())
    if filters.material:
        conditions.append(col(Purchase.material_code) == filters.material.strip())
    if filters.factor_source:
        conditions.append(col(Purchase.factor_source) == filters.factor_source)
    if filters.exceptions_only:
        conditions.append(col(Purchase.exception_reason).is_not(None))
    if filters.date_from is not None:
        conditions.append(col(Purchase.purchase_date) >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(col(Purchase.purchase_date) <= filters.date_to)
    if filters.import_id is not None:
        conditions.append(col(Purchase.import_id) == filters.import_id)
    return statement.where(*conditions) if conditions else statement


def list_purchases(
    db: Session, filters: PurchaseFilters, *, limit: int = 100, offset: int = 0
) -> PurchasePage:
    """Matching purchases, newest first, with totals."""
    totals_query = _filtered(
        select(
            func.count(col(Purchase.id)),
            func.coalesce(func.sum(Purchase.quantity_t), 0),
            func.coalesce(func.sum(Purchase.emissions_t), 0),
            func.coalesce(func.sum(Purchase.recycled_t), 0),
        ).join(Supplier, col(Supplier.id) == Purchase.supplier_id),
        filters,
    )
    count, quantity, emissions, recycled = db.exec(totals_query).one()
    rows = _rows(db, filters, limit=limit, offset=offset)
    return PurchasePage(
        rows=rows,
        total=int(count),
        quantity_t=Decimal(quantity),
        emissions_t=Decimal(emissions),
        recycled_t=Decimal(recycled),
    )


def _rows(
    db: Session, filters: PurchaseFilters, *, limit: int | None, offset: int = 0
) -> list[PurchaseRow]:
    statement = _filtered(
        sa_select(
            Purchase,
            col(Supplier.code),
            col(Supplier.name_zh),
            col(Supplier.name_en),
            col(BuyerCheck.verdict),
        )
        .join(Supplier, col(Supplier.id) == Purchase.supplier_id)
        .join(BuyerCheck, col(BuyerCheck.id) == Purchase.check_id),
        filters,
    ).order_by(col(Purchase.purchase_date).desc(), col(Purchase.id).desc())
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    return [
        PurchaseRow(p, code, zh, en, verdict)
        for p, code, zh, en, verdict in db.execute(statement).all()
    ]


CSV_COLUMNS = (
    "po_number",
    "po_line",
    "purchase_date",
    "purchase_year",
    "product_line",
    "supplier_code",
    "supplier_name",
    "material_code",
    "material_category",
    "quantity_t",
    "check_verdict",
    "exception_reason",
    "factor_source",
    "declaration_id",
    "pcf_t_per_t",
    "emissions_t",
    "recycled_fraction",
    "recycled_t",
    "ruleset_revision",
    "check_id",
    "import_id",
    "recorded_at",
)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A leading = + - @ would make a spreadsheet run the cell as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def purchases_csv(db: Session, filters: PurchaseFilters) -> str:
    """Every matching purchase as CSV (UTF-8 with BOM, so Excel reads the Chinese names)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in _rows(db, filters, limit=None):
        p = row.purchase
        writer.writerow(
            [
                _cell(value)
                for value in (
                    p.po_number,
                    p.po_line,
                    p.purchase_date.isoformat(),
                    p.purchase_year,
                    p.product_line,
                    row.supplier_code,
                    row.supplier_name_zh or row.supplier_name_en,
                    p.material_code,
                    p.material_category,
                    p.quantity_t,
                    row.verdict,
                    p.exception_reason,
                    p.factor_source,
                    p.declaration_id,
                    p.pcf_t_per_t,
                    p.emissions_t,
                    p.recycled_fraction,
                    p.recycled_t,
                    p.ruleset_revision,
                    p.check_id,
                    p.import_id,
                    p.recorded_at.isoformat(),
                )
            ]
        )
    return buffer.getvalue()


def recorder_emails(db: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """Emails of the users who recorded purchases."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return dict(db.exec(select(User.id, User.email).where(col(User.id).in_(ids))).all())  # type: ignore[arg-type]


def search_suppliers(db: Session, text: str, limit: int = 10) -> list[Supplier]:
    """Outside suppliers whose code or name contains TEXT."""
    statement = select(Supplier).where(col(Supplier.is_own_plant).is_(False))
    wanted = text.strip()[:64]
    if wanted:
        pattern = f"%{wanted.replace('%', '').replace('_', '')}%"
        statement = statement.where(
            col(Supplier.code).ilike(pattern)
            | col(Supplier.name_zh).ilike(pattern)
            | col(Supplier.name_en).ilike(pattern)
        )
    return list(db.exec(statement.order_by(Supplier.code).limit(limit)).all())


def search_materials(ruleset: RuleSet, text: str, limit: int = 15) -> list[Any]:
    """Catalog materials whose code or name contains TEXT."""
    wanted = text.strip().lower()[:64]
    found = [
        m
        for m in ruleset.materials.values()
        if not wanted
        or wanted in m.code.lower()
        or wanted in m.name_en.lower()
        or wanted in m.name_zh
    ]
    return found[:limit]


def existing_purchases(
    db: Session, keys: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], Purchase]:
    """Recorded purchases with these (PO number, PO line) keys."""
    wanted = set(keys)
    found: dict[tuple[str, int], Purchase] = {}
    # By PO number, then the lines in Python: SQLite scans the whole unique index for a
    # (po_number, po_line) IN list, but seeks it for a list of PO numbers.
    for chunk in _chunks(sorted({number for number, _line in wanted})):
        statement = select(Purchase).where(col(Purchase.po_number).in_(list(chunk)))
        for purchase in db.exec(statement):
            key = (purchase.po_number, purchase.po_line)
            if key in wanted:
                found[key] = purchase
    return found


# --- what the pages show about a check ----------------------------------------------------


@dataclass(frozen=True)
class CheckCard:
    """A recorded check as the answer card shows it."""

    check: BuyerCheck
    supplier: Supplier
    material: Material | None
    declaration: Declaration | None
    label: Label | None
    purchase: Purchase | None
    declaration_note: tuple[str, str] | None = None  # which version applied and why (zh, en)

    @property
    def passed(self) -> bool:
        """Whether the purchase may go ahead without an exception."""
        return self.check.verdict == CheckVerdict.PASS

    @property
    def ruleset_short(self) -> str:
        """The rule-set revision as shown to people."""
        return self.check.ruleset_revision[:12]


def _label(ruleset: RuleSet, code: str | None) -> Label | None:
    if not code:
        return None
    for rule in ruleset.rules:
        for tier in rule.tiers:
            if tier.code == code:
                return Label(code, tier.name_zh, tier.name_en, rule.id, "", "", tier.source)
    return Label(code, code, code, "", "", "", "")


def check_card(db: Session, check: BuyerCheck) -> CheckCard:
    """Everything the answer card shows about CHECK."""
    ruleset = get_ruleset()
    supplier = find_supplier_by_id(db, check.supplier_id)
    declaration = db.get(Declaration, check.declaration_id) if check.declaration_id else None
    purchase = db.exec(select(Purchase).where(Purchase.check_id == check.id)).first()
    return CheckCard(
        check=check,
        supplier=supplier,
        material=ruleset.materials.get(check.material_code),
        declaration=declaration,
        label=_label(ruleset, check.low_carbon_label),
        purchase=purchase,
        declaration_note=_note(db, check, declaration),
    )


def _note(
    db: Session, check: BuyerCheck, declaration: Declaration | None
) -> tuple[str, str] | None:
    """Which version the check used and why, told from the declarations as they stand now."""
    if declaration is None:
        return None
    key = (check.supplier_id, check.material_code)
    candidates = load_candidates(db, [(key, check.check_date)]).get(key, [])
    chosen = next((c for c in candidates if c.id == declaration.id), None)
    if chosen is None:
        chosen = candidate_of(declaration, None)
    return version_note(chosen, candidates, check.check_date)


def get_check(db: Session, check_id: int | str | None) -> BuyerCheck:
    """The check with this id, or InvalidInput naming `check_id`."""
    key = str(check_id or "").strip()
    check = db.get(BuyerCheck, int(key)) if key.isdigit() and len(key) < 10 else None
    if check is None:
        raise _invalid("check_id", "unknown_check")
    return check
