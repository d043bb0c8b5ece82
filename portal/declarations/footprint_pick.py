"""A reviewer picks which of a document's candidate figures is the product's footprint."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session

from portal import audit
from portal.audit import Actor
from portal.declarations.facts import facts_of
from portal.declarations.models import Declaration, DeclarationStatus
from portal.declarations.service import Scope, evidence_of, get
from portal.errors import Conflict, InvalidInput
from portal.i18n import _
from portal.pdfreading.footprint_check import chosen_footprint
from portal.pdfreading.found import PdfReading

PICKED = "picked by a reviewer"


def pick_footprint(
    db: Session, *, actor: Actor, declaration_id: int, document_kind: str, candidate_index: int
) -> Declaration:
    """Take candidate CANDIDATE_INDEX of the document as its footprint and check it again.

    The document's other differences stay as they were; the footprint's is replaced by what
    the picked figure says against the form (nothing when they agree). The reviewer still
    accepts or rejects the declaration.
    """
    declaration = get(db, scope=Scope(None, everyone=True), declaration_id=declaration_id)
    if declaration.status != DeclarationStatus.IN_REVIEW:
        raise Conflict(_("This declaration is not waiting for a decision."))
    evidence = evidence_of(db, declaration)
    document = next((item for item in evidence if item.kind == document_kind), None)
    if document is None:
        raise InvalidInput(_("This declaration has no such document."), field="candidate")
    reading = PdfReading.from_dict(document.reading)
    if not 0 <= candidate_index < len(reading.candidates):
        raise InvalidInput(_("Choose one of the figures listed."), field="candidate")
    candidate = reading.candidates[candidate_index]
    picked = replace(
        candidate,
        confidence=1.0,
        reasons=(*(r for r in candidate.reasons if r != PICKED), PICKED),
    )
    before = None if reading.footprint is None else reading.footprint.to_dict()
    document.reading = replace(reading, footprint=picked).to_dict()
    flag_modified(document, "reading")
    facts = facts_of(declaration, [item.kind for item in evidence])
    kept = [
        item
        for item in declaration.pdf_mismatches
        if not (item.get("document") == document_kind and item.get("field") == "pcf")
    ]
    fresh = chosen_footprint(facts, picked, reading.candidates)
    declaration.pdf_mismatches = kept + [
        {"document": document_kind, **mismatch.to_dict()} for mismatch in fresh
    ]
    flag_modified(declaration, "pdf_mismatches")
    db.add(document)
    db.add(declaration)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="declaration.footprint_picked",
        entity_type="declaration",
        entity_id=declaration.id,
        before={"document": document_kind, "footprint": before},
        after={"document": document_kind, "footprint": picked.to_dict()},
    )
    return declaration
