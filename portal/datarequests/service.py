"""Data requests: create, answer with a declaration, follow per supplier, remind, sweep due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.datarequests.models import DataRequest, DataRequestItem
from portal.db import utcnow
from portal.declarations.forms import CONTROL_CHARACTERS
from portal.declarations.models import Declaration, DeclarationStatus
from portal.errors import Conflict, InvalidInput, NotFound
from portal.i18n import _, pick
from portal.notifications.events import material_name
from portal.notifications.service import enqueue, supplier_contacts
from portal.procurement.models import Purchase
from portal.suppliers.models import Supplier

DUE_SOON_DAYS = 3  # the "due" reminder goes out this many days before the due date
STATES = ("requested", "submitted", "accepted", "overdue")
# A supplier's state is its least advanced material's.
_RANK = {"overdue": 0, "requested": 1, "submitted": 2, "accepted": 3}


def _text(value: str, *, field_name: str, limit: int, required: bool = False) -> str:
    value = value.strip()
    if CONTROL_CHARACTERS.search(value):
        raise InvalidInput(_("Remove the control characters from this field."), field=field_name)
    if len(value) > limit:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": limit}, field=field_name)
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field_name)
    return value


def targets_bought(db: Session, material_codes: Sequence[str], year: int) -> set[tuple[int, str]]:
    """(supplier, material) pairs of this year's purchases of MATERIAL_CODES."""
    rows = db.exec(
        select(Purchase.supplier_id, Purchase.material_code)
        .join(Supplier, col(Supplier.id) == Purchase.supplier_id)
        .where(
            col(Purchase.material_code).in_(list(material_codes)),
            Purchase.purchase_year == year,
            col(Supplier.is_own_plant).is_(False),
        )
        .distinct()
    ).all()
    return {(supplier_id, code) for supplier_id, code in rows}


def create(
    db: Session,
    *,
    actor: Actor,
    title: str,
    message: str,
    due_on: date | None,
    material_codes: Sequence[str],
    supplier_ids: Sequence[int],
    everyone_bought: bool,
    today: date,
) -> DataRequest:
    """Ask the chosen suppliers (or everyone we bought the materials from this year)."""
    title = _text(title, field_name="title", limit=200, required=True)
    message = _text(message, field_name="message", limit=2000)
    known = get_ruleset().materials
    codes = sorted({code for code in material_codes if code})
    if not codes:
        raise InvalidInput(_("Choose at least one material."), field="materials")
    if any(code not in known for code in codes):
        raise InvalidInput(_("Choose materials from the list."), field="materials")
    if due_on is None:
        raise InvalidInput(_("Enter a date as YYYY-MM-DD."), field="due_on")
    if due_on < today:
        raise InvalidInput(_("The due date cannot be in the past."), field="due_on")
    if everyone_bought:
        pairs = targets_bought(db, codes, today.year)
        if not pairs:
            raise InvalidInput(
                _("Nothing of these materials was bought this year: choose suppliers instead."),
                field="suppliers",
            )
    else:
        chosen = set(supplier_ids)
        found = db.exec(
            select(Supplier.id).where(
                col(Supplier.id).in_(list(chosen)),
                col(Supplier.is_own_plant).is_(False),
                col(Supplier.is_active).is_(True),
            )
        ).all()
        if not chosen:
            raise InvalidInput(
                _("Choose at least one supplier, or everyone we bought from this year."),
                field="suppliers",
            )
        if len(found) != len(chosen):
            raise InvalidInput(_("Choose suppliers from the list."), field="suppliers")
        pairs = {(int(supplier_id), code) for supplier_id in found if supplier_id for code in codes}
    request = DataRequest(
        title=title,
        message=message,
        due_on=due_on,
        material_codes=codes,
        bought_in_year=today.year if everyone_bought else None,
        created_by_id=actor.user_id,
    )
    db.add(request)
    db.flush()
    assert request.id is not None
    for supplier_id, code in sorted(pairs):
        db.add(DataRequestItem(request_id=request.id, supplier_id=supplier_id, material_code=code))
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="data_request.created",
        entity_type="data_request",
        entity_id=request.id,
        after={
            "title": title,
            "due_on": due_on,
            "materials": codes,
            "bought_in_year": request.bought_in_year,
            "items": [[supplier_id, code] for supplier_id, code in sorted(pairs)],
        },
    )
    for supplier_id in sorted({supplier_id for supplier_id, _code in pairs}):
        _tell(db, request, supplier_id, kind="data_request.sent", key_tail="")
    return request


def _tell(db: Session, request: DataRequest, supplier_id: int, *, kind: str, key_tail: str) -> int:
    """Owe the supplier's contacts the request's email; how many notifications were added."""
    assert request.id is not None
    materials = [
        item.material_code for item in items_of(db, request.id) if item.supplier_id == supplier_id
    ]

    def compose() -> tuple[str, str]:
        values = {
            "title": request.title,
            "materials": ", ".join(material_name(code) for code in materials),
            "date": request.due_on.isoformat(),
        }
        if kind == "data_request.sent":
            subject = _("Data request: %(title)s (due %(date)s)") % values
            body = (
                _(
                    "The plant's ESG team asks for your product carbon footprints of: "
                    "%(materials)s, by %(date)s. Submit a declaration for each material."
                )
                % values
            )
        elif kind == "data_request.due":
            subject = _("Due %(date)s: data request %(title)s") % values
            body = (
                _(
                    "The data request %(title)s is due on %(date)s and still waits for your "
                    "declarations of: %(materials)s."
                )
                % values
            )
        else:
            subject = _("Reminder: data request %(title)s (due %(date)s)") % values
            body = (
                _(
                    "A reminder from the plant's ESG team: please submit your declarations of "
                    "%(materials)s for the data request %(title)s, due %(date)s."
                )
                % values
            )
        if request.message:
            body += "\n\n" + request.message
        return subject, body

    added = enqueue(
        db,
        kind=kind,
        event_key=f"{kind}:{request.id}:{supplier_id}{key_tail}",
        users=supplier_contacts(db, supplier_id),
        compose=compose,
        link="/declarations/new",
    )
    return len(added)


def items_of(db: Session, request_id: int) -> list[DataRequestItem]:
    """The request's (supplier, material) items."""
    statement = select(DataRequestItem).where(DataRequestItem.request_id == request_id)
    return list(db.exec(statement.order_by(col(DataRequestItem.id))).all())


def get(db: Session, request_id: int) -> DataRequest:
    """One data request; NotFound if there is none."""
    request = db.get(DataRequest, request_id)
    if request is None:
        raise NotFound()
    return request


def _answered_state(declaration: Declaration | None) -> str | None:
    if declaration is None:
        return None
    status = declaration.superseded_status or declaration.status
    if status == DeclarationStatus.ACCEPTED.value:
        return "accepted"
    if status == DeclarationStatus.IN_REVIEW.value:
        return "submitted"
    return None  # rejected: still owed


def item_state(declaration: Declaration | None, due_on: date, today: date) -> str:
    """requested, submitted, accepted or overdue."""
    answered = _answered_state(declaration)
    if answered is not None:
        return answered
    return "overdue" if today > due_on else "requested"


@dataclass
class SupplierProgress:
    """Where one supplier stands on a request."""

    supplier: Supplier
    state: str
    materials: list[tuple[str, str, Declaration | None]] = field(default_factory=list)
    reminders_sent: int = 0
    last_reminded_at: object | None = None


def progress(db: Session, request: DataRequest, today: date) -> list[SupplierProgress]:
    """Each asked supplier with its state and each material's, least advanced first."""
    assert request.id is not None
    rows = db.exec(
        select(DataRequestItem, Supplier, Declaration)
        .join(Supplier, col(Supplier.id) == DataRequestItem.supplier_id)
        .outerjoin(Declaration, col(Declaration.id) == DataRequestItem.declaration_id)
        .where(DataRequestItem.request_id == request.id)
        .order_by(col(Supplier.code), col(DataRequestItem.material_code))
    ).all()
    by_supplier: dict[int, SupplierProgress] = {}
    for item, supplier, declaration in rows:
        state = item_state(declaration, request.due_on, today)
        entry = by_supplier.setdefault(
            item.supplier_id, SupplierProgress(supplier=supplier, state=state)
        )
        entry.materials.append((item.material_code, state, declaration))
        if _RANK[state] < _RANK[entry.state]:
            entry.state = state
        entry.reminders_sent = max(entry.reminders_sent, item.reminders_sent)
        entry.last_reminded_at = item.last_reminded_at or entry.last_reminded_at
    return sorted(by_supplier.values(), key=lambda p: (_RANK[p.state], p.supplier.code))


def counts(entries: Sequence[SupplierProgress]) -> dict[str, int]:
    """How many suppliers are in each state."""
    found = dict.fromkeys(STATES, 0)
    for entry in entries:
        found[entry.state] += 1
    return found


def list_requests(db: Session) -> list[DataRequest]:
    """Every data request, newest first."""
    statement = select(DataRequest).order_by(col(DataRequest.created_at).desc())
    return list(db.exec(statement).all())


def remind(
    db: Session, *, actor: Actor, request_id: int, supplier_id: int, reminders_seen: int
) -> int:
    """One reminder per click: REMINDERS_SEEN is the count the page showed (Conflict if stale)."""
    request = get(db, request_id)
    items = [item for item in items_of(db, request_id) if item.supplier_id == supplier_id]
    if not items:
        raise NotFound()
    sent = max(item.reminders_sent for item in items)
    if sent != reminders_seen:
        raise Conflict(_("This reminder was already sent. Reload the page to see it."))
    now = utcnow()
    for item in items:
        item.reminders_sent = sent + 1
        item.last_reminded_at = now
        db.add(item)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="data_request.reminded",
        entity_type="data_request",
        entity_id=request_id,
        before={"supplier_id": supplier_id, "reminders_sent": sent},
        after={"supplier_id": supplier_id, "reminders_sent": sent + 1, "at": now},
    )
    return _tell(db, request, supplier_id, kind="data_request.reminder", key_tail=f":{sent + 1}")


def answer(db: Session, *, actor: Actor, declaration: Declaration) -> int:
    """A declaration submitted for a requested material answers the open items; how many."""
    rows = db.exec(
        select(DataRequestItem, Declaration)
        .outerjoin(Declaration, col(Declaration.id) == DataRequestItem.declaration_id)
        .where(
            DataRequestItem.supplier_id == declaration.supplier_id,
            DataRequestItem.material_code == declaration.material_code,
        )
    ).all()
    answered = 0
    for item, previous in rows:
        if previous is not None and _answered_state(previous) == "accepted":
            continue
        if item.declaration_id == declaration.id:
            continue
        item.declaration_id = declaration.id
        item.answered_at = declaration.submitted_at
        db.add(item)
        answered += 1
        audit.record(
            db,
            actor=actor,
            action="data_request.answered",
            entity_type="data_request",
            entity_id=item.request_id,
            after={
                "supplier_id": item.supplier_id,
                "material_code": item.material_code,
                "declaration_id": declaration.id,
            },
        )
    db.flush()
    return answered


@dataclass(frozen=True)
class OpenRequest:
    """A request as a supplier's inbox shows it."""

    request: DataRequest
    materials: list[str]
    overdue: bool


def open_for_supplier(db: Session, supplier_id: int, today: date) -> list[OpenRequest]:
    """The requests still waiting for this supplier's declarations, soonest due first."""
    rows = db.exec(
        select(DataRequestItem, DataRequest, Declaration)
        .join(DataRequest, col(DataRequest.id) == DataRequestItem.request_id)
        .outerjoin(Declaration, col(Declaration.id) == DataRequestItem.declaration_id)
        .where(DataRequestItem.supplier_id == supplier_id)
        .order_by(col(DataRequest.due_on), col(DataRequest.id))
    ).all()
    found: dict[int, OpenRequest] = {}
    for item, request, declaration in rows:
        if _answered_state(declaration) is not None:
            continue
        assert request.id is not None
        entry = found.setdefault(
            request.id, OpenRequest(request=request, materials=[], overdue=today > request.due_on)
        )
        entry.materials.append(item.material_code)
    return list(found.values())


def sweep_due(db: Session, today: date) -> int:
    """Owe each supplier still owing a request due within 3 days its "due" email, once."""
    requests = db.exec(
        select(DataRequest).where(
            col(DataRequest.due_on) <= today + timedelta(days=DUE_SOON_DAYS),
            col(DataRequest.due_on) >= today - timedelta(days=30),
        )
    ).all()
    added = 0
    for request in requests:
        assert request.id is not None
        owing = {
            entry.supplier.id
            for entry in progress(db, request, today)
            if entry.state in ("requested", "overdue") and entry.supplier.id is not None
        }
        for supplier_id in sorted(owing):
            added += _tell(db, request, supplier_id, kind="data_request.due", key_tail="")
    return added


def supplier_name(supplier: Supplier) -> str:
    """The company's name in the current language."""
    return pick(supplier.name_zh, supplier.name_en)
