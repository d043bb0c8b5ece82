"""Submitting, reading, replacing and deciding declarations (services flush, never commit)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.checking import DeclarationFacts, Outcome, RuleSet, Verdict, evaluate
from portal.checking.facts import KG_PER_UNIT
from portal.clock import plant_today
from portal.config import Settings
from portal.db import REQUEST_SLOTS, utcnow
from portal.declarations import corrections, files
from portal.declarations.forms import (
    CONTROL_CHARACTERS,
    FILE_FIELDS,
    facts_from,
    field_labels,
    parse_fields,
)
from portal.declarations.models import Declaration, DeclarationStatus, EvidenceFile
from portal.errors import Busy, Conflict, InvalidInput, NotFound
from portal.i18n import _, pick
from portal.notifications import hooks as notify_hooks
from portal.pdfreading import PdfReader, PdfReading, PdfRefused, cross_check
from portal.pdfreading.limits import MIB
from portal.suppliers.models import Supplier

MAX_ID = 2**31 - 1
EXPIRING_DAYS = 60
SIX_PLACES = Decimal("0.000001")
ONE = Decimal(1)
STATUS_OF_OUTCOME = {
    Outcome.PASS: DeclarationStatus.ACCEPTED,
    Outcome.REVIEW: DeclarationStatus.IN_REVIEW,
    Outcome.FAIL: DeclarationStatus.REJECTED,
}
REVIEWER_DECISIONS = {"accept": DeclarationStatus.ACCEPTED, "reject": DeclarationStatus.REJECTED}
EXPIRY_FILTERS = ("expired", "valid", "within_60_days")


class DeclarationInvalid(InvalidInput):
    """Some fields or files of a submission are wrong; ERRORS maps field -> message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        first = next(iter(errors))
        super().__init__(errors[first], field=first)
        self.errors = dict(errors)


@dataclass(frozen=True)
class Upload:
    """An attached file as received: its form field, the name the supplier gave it, its bytes."""

    field: str
    filename: str
    data: bytes


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


# --- reading PDFs ---------------------------------------------------------------------------

_readers: dict[tuple[int, int, float, int, int], PdfReader] = {}
_readers_lock = threading.Lock()


def max_upload_bytes(settings: Settings) -> int:
    """The largest PDF accepted, in bytes."""
    return settings.max_upload_mb * MIB


def _reader_key(settings: Settings) -> tuple[int, int, float, int, int]:
    return (
        max_upload_bytes(settings),
        settings.pdf_max_pages,
        settings.pdf_timeout_s,
        settings.pdf_memory_mb,
        settings.pdf_workers,
    )


def pdf_reader(settings: Settings) -> PdfReader:
    """The shared bounded reader for the configured limits (workers start on first use)."""
    key = _reader_key(settings)
    with _readers_lock:
        reader = _readers.get(key)
        if reader is None:
            reader = _readers[key] = PdfReader(
                max_bytes=key[0],
                max_pages=key[1],
                timeout_s=key[2],
                memory_mb=key[3],
                workers=key[4],
            )
        return reader


def close_pdf_reader(settings: Settings) -> None:
    """Stop the workers of the reader for SETTINGS' limits; a later read starts a new one."""
    with _readers_lock:
        reader = _readers.pop(_reader_key(settings), None)
    if reader is not None:
        reader.close()


def refusal_message(field: str, filename: str, refusal: PdfRefused) -> str:
    """Why the file in FIELD was refused, naming the field and file, in the user's language."""
    return _("%(field)s: the file %(name)s was refused. %(reason)s") % {
        "field": field_labels()[field],
        "name": filename or "?",
        "reason": pick(refusal.message_zh, refusal.message_en),
    }


def _read_uploads(
    uploads: Sequence[Upload], settings: Settings, errors: dict[str, str]
) -> dict[str, tuple[Upload, PdfReading]]:
    readings: dict[str, tuple[Upload, PdfReading]] = {}
    reader = pdf_reader(settings)
    for upload in uploads:
        kind = FILE_FIELDS.get(upload.field)
        if kind is None:
            errors[upload.field] = _("This field is not allowed.")
            continue
        try:
            readings[kind] = (upload, reader.read(upload.data))
        except PdfRefused as refusal:
            errors[upload.field] = refusal_message(upload.field, upload.filename, refusal)
    if "declaration" not in readings and "declaration_pdf" not in errors:
        errors["declaration_pdf"] = _("Attach the declaration or CFP study report as a PDF.")
    return readings


@dataclass(frozen=True)
class ReadUploads:
    """Attached PDFs after reading: each kind's upload and reading, and why others were refused."""

    readings: dict[str, tuple[Upload, PdfReading]]
    errors: dict[str, str]


def read_uploads(db: Session, uploads: Sequence[Upload], settings: Settings) -> ReadUploads:
    """Read the attached PDFs in the bounded reader, holding no database transaction meanwhile.

    Reading takes up to pdf_timeout_s per file. The request has only read so far (who is
    signed in), so its transaction is rolled back first: on SQLite it holds the write lock,
    and every other writer (a buyer's check, say) would wait for these files.
    """
    db.rollback()
    errors: dict[str, str] = {}
    if not uploads:
        return ReadUploads(_read_uploads(uploads, settings, errors), errors)
    with _turn_to_read(settings):
        readings = _read_uploads(uploads, settings, errors)
    return ReadUploads(readings, errors)


# Submissions being read or waiting for a worker at once: a burst of suppliers is served, and
# a third of the request slots stays free for everyone else however many files arrive.
READING_PLACES = REQUEST_SLOTS * 2 // 3
_reading = [0]  # submissions being read or waiting for a worker now
_reading_lock = threading.Lock()


def reading_now() -> int:
    """How many submissions are being read, or wait for a PDF worker, in this process."""
    with _reading_lock:
        return _reading[0]


@contextmanager
def _turn_to_read(settings: Settings) -> Iterator[None]:
    """A place among the submissions being read, or Busy when too many wait already.

    A waiting submission holds one of the server's request slots (portal.db): unbounded, a
    few suppliers sending slow files at once would leave none for anybody else.
    """
    with _reading_lock:
        if _reading[0] >= max(settings.pdf_workers, READING_PLACES):
            raise Busy(_("The portal is busy reading other files. Try again in a minute."))
        _reading[0] += 1
    try:
        yield
    finally:
        with _reading_lock:
            _reading[0] -= 1


# --- submitting -----------------------------------------------------------------------------


def replaceable(declaration: Declaration, today: date) -> bool:
    """Whether a supplier may submit a new version: it was rejected, or it has expired."""
    if declaration.status == DeclarationStatus.SUPERSEDED:
        return False
    return declaration.status == DeclarationStatus.REJECTED or declaration.valid_until < today


def recycled_fraction_of(facts: DeclarationFacts, ruleset: RuleSet) -> Decimal:
    """Recycled aluminium per tonne, 0–1: scrap counts whole, other aluminium pre + post."""
    material = ruleset.material(facts.material_code)
    if material.recycled_by_nature:
        return ONE
    if not material.aluminium_bearing:
        return Decimal(0)
    content = facts.recycled_content_pct or Decimal(0)
    return min(ONE, content / 100).quantize(SIX_PLACES, ROUND_HALF_EVEN)


def _mismatches(
    facts: DeclarationFacts, readings: Mapping[str, tuple[Upload, PdfReading]]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for kind, (_upload, reading) in readings.items():
        for mismatch in cross_check(
            facts,
            list(reading.fields),
            document_kind=kind,
            has_text_layer=reading.has_text_layer,
            footprint=reading.footprint,
            candidates=reading.candidates,
            garbled_pages=reading.garbled_pages,
        ):
            found.append({"document": kind, **mismatch.to_dict()})
    return found


def _status(verdict: Verdict, mismatches: list[dict[str, Any]]) -> DeclarationStatus:
    status = STATUS_OF_OUTCOME[verdict.outcome]
    if status is DeclarationStatus.ACCEPTED and mismatches:
        return DeclarationStatus.IN_REVIEW  # the machine passed it, the documents disagree
    return status


def _clean_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(c for c in base if c.isprintable()).strip()
    return printable[:255] or "evidence.pdf"


def submit(
    db: Session,
    *,
    actor: Actor,
    supplier_id: int,
    submitted_by_id: int | None,
    raw: Mapping[str, object],
    uploads: Sequence[Upload] | ReadUploads,
    settings: Settings,
    strict: bool = False,
    supersedes_id: int | None = None,
    today: date | None = None,
) -> Declaration:
    """Check, read, judge and store a declaration with its PDFs; DeclarationInvalid if bad.

    STRICT reads RAW as API JSON (types matter, unknown keys are refused). UPLOADS may come
    already read (`read_uploads`), as the web routes do.
    """
    today = today or plant_today()
    ruleset = get_ruleset()
    old = None
    if supersedes_id is not None:
        old = get(db, scope=Scope(supplier_id), declaration_id=supersedes_id)
        if not replaceable(old, today):
            raise Conflict(
                _("Only a rejected or expired declaration can be replaced by a new version.")
            )
    parsed = parse_fields(raw, ruleset, strict=strict, today=today)
    if (
        old is not None
        and parsed.values.get("material_code", old.material_code) != old.material_code
    ):
        parsed.errors["material_code"] = _("A new version must be for the same material.")
    if isinstance(uploads, ReadUploads):
        readings = uploads.readings
        for field, message in uploads.errors.items():
            parsed.errors.setdefault(field, message)
    else:
        readings = _read_uploads(uploads, settings, parsed.errors)
    if parsed.errors:
        raise DeclarationInvalid(parsed.errors)

    facts = facts_from(parsed.values, submitted_on=today, attachments=frozenset(readings))
    verdict = evaluate(facts, ruleset, on=today)
    mismatches = _mismatches(facts, readings)
    status = _status(verdict, mismatches)

    if old is not None:
        _supersede(db, actor=actor, old=old)
    declaration = Declaration(
        supplier_id=supplier_id,
        material_code=facts.material_code,
        version=old.version + 1 if old is not None else 1,
        supersedes_id=old.id if old is not None else None,
        product_name=facts.product_name,
        site_name=facts.site_name,
        geography_country=facts.geography_country,
        declared_unit_of_measurement=facts.declared_unit_of_measurement,
        declared_unit_amount=facts.declared_unit_amount,
        pcf_excluding_biogenic=facts.pcf_excluding_biogenic,
        pcf_t_per_t=facts.pcf_t_per_t.quantize(SIX_PLACES, ROUND_HALF_EVEN),
        boundary=facts.boundary,
        standards=list(facts.standards),
        reference_period_start=facts.reference_period_start,
        reference_period_end=facts.reference_period_end,
        validity_period_end=facts.validity_period_end,
        valid_until=facts.effective_validity_end,
        primary_data_share_pct=facts.primary_data_share_pct,
        recycled_pre_consumer_pct=facts.recycled_pre_consumer_pct,
        recycled_post_consumer_pct=facts.recycled_post_consumer_pct,
        recycled_method=facts.recycled_method,
        recycled_fraction=recycled_fraction_of(facts, ruleset),
        electricity_source=facts.electricity_source,
        low_carbon_electricity_claimed=facts.low_carbon_electricity_claimed,
        electricity_instrument=facts.electricity_instrument,
        verifier_name=facts.verifier_name,
        verification_statement_number=facts.verification_statement_number,
        verification_date=facts.verification_date,
        comment=parsed.values.get("comment", ""),
        status=status.value,
        verdict=verdict.outcome.value,
        verdict_detail=verdict.to_dict(),
        ruleset_revision=verdict.ruleset_revision,
        pdf_mismatches=mismatches,
        submitted_on=today,
        submitted_by_id=submitted_by_id,
    )
    if status is DeclarationStatus.ACCEPTED:
        # Accepted without a person: by the rule set's revision, at submission.
        declaration.decided_at = declaration.submitted_at
        declaration.decided_by_ruleset = verdict.ruleset_revision
    db.add(declaration)
    _flush_or_conflict(db)
    assert declaration.id is not None
    stored = [
        {
            "kind": kind,
            "sha256": files.sha256_of(upload.data),
            "name": _clean_filename(upload.filename),
        }
        for kind, (upload, _reading) in readings.items()
    ]
    # The audit entry takes the trail's write lock, which serialises writers until commit:
    # files are written only after it, so no other transaction can come across a file that
    # this one may still remove on rollback (see files.py).
    audit.record(
        db,
        actor=actor,
        action="declaration.submitted",
        entity_type="declaration",
        entity_id=declaration.id,
        after={**summary(declaration), "files": stored, "mismatches": len(mismatches)},
    )
    for item, (kind, (upload, reading)) in zip(stored, readings.items(), strict=True):
        files.store(db, settings.data_dir, upload.data)
        db.add(
            EvidenceFile(
                declaration_id=declaration.id,
                kind=kind,
                original_name=item["name"],
                sha256=item["sha256"],
                size_bytes=len(upload.data),
                page_count=reading.page_count,
                has_text_layer=reading.has_text_layer,
                reading=reading.to_dict(),
            )
        )
    db.flush()
    notify_hooks.after_submit(db, actor=actor, declaration=declaration)
    return declaration


def _supersede(db: Session, *, actor: Actor, old: Declaration) -> None:
    before = old.status
    # Conditional, so two replacements at once cannot both supersede the same version.
    result = db.execute(
        update(Declaration)
        .where(col(Declaration.id) == old.id, col(Declaration.status) == before)
        .values(status=DeclarationStatus.SUPERSEDED.value, superseded_status=before)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("This declaration was replaced or decided meanwhile. Reload the page."))
    db.refresh(old)
    audit.record(
        db,
        actor=actor,
        action="declaration.superseded",
        entity_type="declaration",
        entity_id=old.id,
        before={"status": before},
        after={"status": DeclarationStatus.SUPERSEDED.value},
    )


def _flush_or_conflict(db: Session) -> None:
    try:
        db.flush()
    except IntegrityError:
        # uq_declaration_supersedes: another new version of the same declaration won.
        raise Conflict(
            _("This declaration was replaced or decided meanwhile. Reload the page.")
        ) from None


def summary(declaration: Declaration) -> dict[str, Any]:
    """The audit trail's view of a declaration."""
    return {
        "supplier_id": declaration.supplier_id,
        "material_code": declaration.material_code,
        "product_name": declaration.product_name,
        "version": declaration.version,
        "supersedes_id": declaration.supersedes_id,
        "pcf_t_per_t": declaration.pcf_t_per_t,
        "status": declaration.status,
        "verdict": declaration.verdict,
        "ruleset_revision": declaration.ruleset_revision,
        "valid_until": declaration.valid_until,
    }


# --- reviewers ------------------------------------------------------------------------------


def decide(
    db: Session,
    *,
    actor: Actor,
    reviewer_id: int | None,
    declaration_id: int,
    decision: str,
    comment: str,
    override_reason: str = "",
) -> Declaration:
    """Accept or reject a declaration in review; Conflict if someone decided first."""
    declaration = get(db, scope=Scope(None, everyone=True), declaration_id=declaration_id)
    new_status = REVIEWER_DECISIONS.get(decision)
    if new_status is None:
        raise InvalidInput(
            _("Choose one of: %(options)s.") % {"options": ", ".join(REVIEWER_DECISIONS)},
            field="decision",
        )
    comment = comment.strip()
    if CONTROL_CHARACTERS.search(comment):
        raise InvalidInput(_("Remove the control characters from this field."), field="comment")
    if len(comment) > 2000:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": 2000}, field="comment")
    if new_status is DeclarationStatus.REJECTED and not comment:
        raise InvalidInput(_("Say why the declaration is rejected."), field="comment")
    override = corrections.override_for_accept(
        declaration, accepting=new_status is DeclarationStatus.ACCEPTED, reason=override_reason
    )
    decided_at = utcnow()
    # Conditional: of two reviewers deciding at once, exactly one changes the row.
    result = db.execute(
        update(Declaration)
        .where(
            col(Declaration.id) == declaration.id,
            col(Declaration.status) == DeclarationStatus.IN_REVIEW.value,
        )
        .values(
            status=new_status.value,
            decided_at=decided_at,
            decided_by_id=reviewer_id,
            decision_comment=comment or None,
            plausibility_override=override,
        )
    )
    db.refresh(declaration)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            _(
                "Someone else decided this declaration first: it is now %(status)s. "
                "Reload the page to see the decision."
            )
            % {"status": status_labels().get(declaration.status, declaration.status)}
        )
    audit.record(
        db,
        actor=actor,
        action="declaration.accepted"
        if new_status is DeclarationStatus.ACCEPTED
        else ("declaration.rejected"),
        entity_type="declaration",
        entity_id=declaration.id,
        before={"status": DeclarationStatus.IN_REVIEW.value},
        after={
            "status": new_status.value,
            "comment": comment,
            "decided_at": decided_at,
            "plausibility_override": override,
        },
    )
    notify_hooks.after_decision(db, actor=actor, declaration=declaration)
    return declaration


def status_labels() -> dict[str, str]:
    """Statuses in the user's language."""
    return {
        DeclarationStatus.IN_REVIEW.value: _("in review"),
        DeclarationStatus.ACCEPTED.value: _("accepted"),
        DeclarationStatus.REJECTED.value: _("rejected"),
        DeclarationStatus.SUPERSEDED.value: _("superseded"),
    }


# --- reading --------------------------------------------------------------------------------


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
) -> Listing:
    """Declarations SCOPE may see, newest first, filtered; EXPIRY is one of EXPIRY_FILTERS."""
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


# --- the early view while typing ------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What the form shows as the supplier types: the limit in force and the value so far."""

    material_code: str
    on: date
    limit: Any  # portal.checking.PcfLimit | None
    pcf_t_per_t: Decimal | None
    outcome: str | None  # pass/fail/review of the footprint rules alone
    findings: list[Any]
    labels: list[Any]
    read_as: tuple[str, str, str] | None = None  # footprint, amount, unit as understood


def preview(values: Mapping[str, Any], *, on: date | None = None) -> Preview | None:
    """The threshold for the chosen material on ON and, once typed, how the footprint fares."""
    on = on or plant_today()
    code = values.get("material_code")
    ruleset = get_ruleset()
    if not code or code not in ruleset.materials:
        return None
    limit = ruleset.max_pcf_for(code, on)
    unit = values.get("declared_unit_of_measurement")
    amount = values.get("declared_unit_amount")
    pcf = values.get("pcf_excluding_biogenic")
    if unit not in KG_PER_UNIT or amount is None or pcf is None:
        return Preview(code, on, limit, None, None, [], [])
    facts = DeclarationFacts(
        material_code=code,
        declared_unit_of_measurement=unit,
        declared_unit_amount=amount,
        pcf_excluding_biogenic=pcf,
        boundary="cradle-to-gate",
        standards=(),
        reference_period_start=on,
        reference_period_end=on,
        submitted_on=on,
    )
    verdict = evaluate(facts, ruleset, on=on)
    footprint_rules = [
        finding for finding in verdict.findings if finding.kind in ("max_pcf", "plausibility")
    ]
    outcome = "pass"
    if any(finding.outcome is Outcome.FAIL for finding in footprint_rules):
        outcome = "fail"
    elif any(finding.outcome is Outcome.REVIEW for finding in footprint_rules):
        outcome = "review"
    read_as = (format(pcf, ",f"), format(amount, ",f"), unit)
    return Preview(
        code, on, limit, facts.pcf_t_per_t, outcome, footprint_rules, list(verdict.labels), read_as
    )
