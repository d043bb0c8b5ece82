"""Finding declarations: one by id within a scope, lists, the review queue, version chains."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.checking import Verdict
from portal.clock import plant_today
from portal.declarations.forms import FILE_FIELDS
from portal.declarations.models import Declaration, DeclarationStatus, EvidenceFile
from portal.errors import NotFound
from portal.listing import ListQuery, material_names, page_select
from portal.suppliers.models import Supplier

MAX_ID = 2**31 - 1
EXPIRING_DAYS = 60
EXPIRY_FILTERS = ("expired", "valid", "within_60_days")


@dataclass(frozen=True)
class Scope:
    """Whose declarations a user may see: one supplier's, or (reviewers) everyone's."""

    supplier_id: int | None
    everyone: bool = False

    @classmethod
    def of(cls, role: str, supplier_id: int | None) -> Scope:
        """The scope of a user with ROLE (esg and buyer see all; a supplier its own company)."""
        return (
            cls(supplier_id=None, everyone=True) if role in ("esg", "buyer") else cls(supplier_id)
        )


def _scoped(statement: Any, scope: Scope) -> Any:
    if scope.everyone:
        return statement
    return statement.where(col(Declaration.supplier_id) == (scope.supplier_id or -1))


def get(db: Session, *, scope: Scope, declaration_id: int) -> Declaration:
    """The declaration if SCOPE may see it, else NotFound (the same for other suppliers')."""
    if not 0 < declaration_id <= MAX_ID:
        raise NotFound()
    declaration = db.exec(
        _scoped(select(Declaration).where(col(Declaration.id) == declaration_id), scope)
    ).first()
    if declaration is None:
        raise NotFound()
    return declaration


def supplier_of(db: Session, declaration: Declaration) -> Supplier:
    """The declaring company."""
    supplier = db.get(Supplier, declaration.supplier_id)
    assert supplier is not None
    return supplier


def evidence_of(db: Session, declaration: Declaration) -> list[EvidenceFile]:
    """The declaration's PDFs: declaration first, then recycled evidence, then verification."""
    order = list(FILE_FIELDS.values())
    found = db.exec(
        select(EvidenceFile).where(col(EvidenceFile.declaration_id) == declaration.id)
    ).all()
    return sorted(found, key=lambda evidence: order.index(evidence.kind))


def evidence_file(db: Session, *, scope: Scope, declaration_id: int, kind: str) -> EvidenceFile:
    """One PDF of a declaration SCOPE may see, else NotFound."""
    if kind not in FILE_FIELDS.values():
        raise NotFound()
    declaration = get(db, scope=scope, declaration_id=declaration_id)
    evidence = db.exec(
        select(EvidenceFile).where(
            col(EvidenceFile.declaration_id) == declaration.id, col(EvidenceFile.kind) == kind
        )
    ).first()
    if evidence is None:
        raise NotFound()
    return evidence


def successor_of(db: Session, declaration: Declaration) -> Declaration | None:
    """The version that replaced this one, if any."""
    return db.exec(
        select(Declaration).where(col(Declaration.supersedes_id) == declaration.id)
    ).first()


def version_chain(db: Session, declaration: Declaration) -> list[Declaration]:
    """Every version of this declaration, oldest first (followed both ways)."""
    chain = [declaration]
    seen = {declaration.id}
    current = declaration
    while current.supersedes_id is not None and current.supersedes_id not in seen:
        older = db.get(Declaration, current.supersedes_id)
        if older is None:
            break
        chain.insert(0, older)
        seen.add(older.id)
        current = older
    current = declaration
    while (newer := successor_of(db, current)) is not None and newer.id not in seen:
        chain.append(newer)
        seen.add(newer.id)
        current = newer
    return chain


# What the declarations list searches (supplier names zh/en, code, product) and sorts by.
LIST_SEARCH = (
    col(Supplier.code),
    col(Supplier.name_zh),
    col(Supplier.name_en),
    col(Declaration.product_name),
)
LIST_SORTS = {
    "supplier": (col(Supplier.code),),
    "material": (col(Declaration.material_code),),
    "product": (col(Declaration.product_name),),
    "version": (col(Declaration.version),),
    "pcf": (col(Declaration.pcf_t_per_t),),
    "status": (col(Declaration.status),),
    "verdict": (col(Declaration.verdict),),
    "valid_until": (col(Declaration.valid_until),),
    "submitted": (col(Declaration.submitted_at),),
}


@dataclass(frozen=True)
class Listing:
    """One page of declarations with their suppliers, and how many match in all."""

    rows: list[tuple[Declaration, Supplier]]
    total: int


def list_declarations(
    db: Session,
    *,
    scope: Scope,
    supplier_id: int | None = None,
    supplier_code: str | None = None,
    material_code: str | None = None,
    status: str | None = None,
    expiry: str | None = None,
    today: date | None = None,
    limit: int = 50,
    offset: int = 0,
    query: ListQuery | None = None,
) -> Listing:
    """Declarations SCOPE may see, newest first, filtered; EXPIRY is one of EXPIRY_FILTERS.

    With QUERY (a list page's search, sort and page) it is searched and sorted as asked.
    """
    today = today or plant_today()
    statement = select(Declaration, Supplier).join(
        Supplier, col(Declaration.supplier_id) == Supplier.id
    )
    statement = _scoped(statement, scope)
    if supplier_id is not None:
        statement = statement.where(col(Declaration.supplier_id) == supplier_id)
    if supplier_code:
        statement = statement.where(col(Supplier.code) == supplier_code.strip().upper())
    if material_code:
        statement = statement.where(col(Declaration.material_code) == material_code)
    if status:
        statement = statement.where(col(Declaration.status) == status)
    if expiry == "expired":
        statement = statement.where(col(Declaration.valid_until) < today)
    elif expiry == "valid":
        statement = statement.where(col(Declaration.valid_until) >= today)
    elif expiry == "within_60_days":
        statement = statement.where(
            col(Declaration.valid_until) >= today,
            col(Declaration.valid_until) <= today + timedelta(days=EXPIRING_DAYS),
        )
    if query is not None:
        page = page_select(
            db,
            statement,
            query,
            search=LIST_SEARCH,
            sorts=LIST_SORTS,
            tiebreak=(col(Declaration.id),),
            also=(material_names(col(Declaration.material_code)),),
        )
        return Listing(rows=[(item, supplier) for item, supplier in page.rows], total=page.total)
    total = db.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = db.exec(
        statement.order_by(col(Declaration.submitted_at).desc(), col(Declaration.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return Listing(rows=[(declaration, supplier) for declaration, supplier in rows], total=total)


def review_queue(db: Session) -> list[tuple[Declaration, Supplier]]:
    """Declarations waiting for a person, oldest first."""
    rows = db.exec(
        select(Declaration, Supplier)
        .join(Supplier, col(Declaration.supplier_id) == Supplier.id)
        .where(col(Declaration.status) == DeclarationStatus.IN_REVIEW.value)
        .order_by(col(Declaration.submitted_at), col(Declaration.id))
    ).all()
    return [(declaration, supplier) for declaration, supplier in rows]


def suppliers(db: Session) -> list[Supplier]:
    """Supplier companies for the reviewers' filter (the own plant does not declare)."""
    statement = select(Supplier).where(col(Supplier.is_own_plant).is_(False))
    return list(db.exec(statement.order_by(col(Supplier.code))).all())


def stored_verdict(declaration: Declaration) -> Verdict | None:
    """The verdict stored at submission, if the record carries one."""
    try:
        return Verdict.from_dict(declaration.verdict_detail)
    except (KeyError, TypeError, ValueError):
        return None


def followed_ids(db: Session, ids: list[int | None]) -> set[int]:
    """Those of IDS that a newer version already follows (replaces or renews)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return set()
    rows = db.exec(
        select(Declaration.supersedes_id).where(col(Declaration.supersedes_id).in_(wanted))
    ).all()
    return {row for row in rows if row is not None}
