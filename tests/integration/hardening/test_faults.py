"""Faults and concurrency: parallel work loses nothing, failures leave nothing half-done."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pdf_factory
import pytest
from declarations_helpers import World, api_fields, create, declared, form
from fastapi.testclient import TestClient
from hardening_helpers import Stored, at_once, bearer, browse_as
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from portal import audit
from portal.audit import AuditEvent
from portal.cli import app as cli
from portal.config import Settings
from portal.declarations.models import Declaration, EvidenceFile
from portal.procurement.models import BuyerCheck, Purchase, PurchaseImport

BASE_URL = "http://127.0.0.1:8000"
HEADER = "po_number,supplier,material,quantity_t,date,product_line,exception_reason"


def _client(app: Any, **options: Any) -> TestClient:
    return TestClient(app, base_url=BASE_URL, headers={"Accept-Language": "en"}, **options)


def test_parallel_submissions_lose_nothing(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    before = Stored.now(session, settings)
    suppliers = [world.acme_user, world.other_user]
    tokens = [bearer(session, user) for user in suppliers]
    pages = [(browse_as(c := _client(client.app), session, user), c) for user in suppliers]

    def submit(number: int) -> int:
        body = pdf_factory.english_declaration(declared(pcf=f"4.{number}"))
        fields = api_fields(product_name=f"Ingot {number}")
        if number % 2:  # half through the API, half through the page
            answer = _client(client.app).post(
                "/api/v1/declarations",
                headers=tokens[number % 4 // 2],
                data={"declaration": json.dumps(fields)},
                files={"declaration_pdf": (f"{number}.pdf", body, "application/pdf")},
            )
            assert answer.status_code == 201, answer.text
            return int(answer.json()["id"])
        token, page = pages[number % 4 // 2]
        answer = page.post(
            "/declarations",
            data={**form(product_name=f"Ingot {number}"), "csrf_token": token},
            files={"declaration_pdf": (f"{number}.pdf", body, "application/pdf")},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return int(answer.headers["location"].rsplit("/", 1)[1])

    ids = at_once(8, submit)
    assert len(set(ids)) == 8
    after = Stored.now(session, settings)
    assert after.rows["declaration"] == before.rows["declaration"] + 8
    assert after.rows["evidence_file"] == before.rows["evidence_file"] + 8
    assert after.rows["audit_event"] == before.rows["audit_event"] + 8
    assert len(after.files) == len(before.files) + 8
    names = session.exec(select(Declaration.product_name)).all()
    assert sorted(names) == sorted(f"Ingot {number}" for number in range(8))
    assert audit.verify_chain(session).ok


def test_reviewers_deciding_at_once_through_pages_and_api_make_one_decision(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    declaration = create(session, world.acme, pcf_excluding_biogenic="4,300").id
    reviewers = [world.esg, world.buyer]
    tokens = [bearer(session, user) for user in reviewers]
    pages = [(browse_as(c := _client(client.app), session, user), c) for user in reviewers]
    before = Stored.now(session, settings)

    def decide(number: int) -> int:
        decision = ("accept", "reject")[number % 2]
        if number < 2:
            token, page = pages[number]
            return page.post(
                f"/review/{declaration}/decision",
                data={"decision": decision, "comment": "seen", "csrf_token": token},
                follow_redirects=False,
            ).status_code
        return (
            _client(client.app)
            .post(
                f"/api/v1/declarations/{declaration}/decision",
                headers=tokens[number % 2],
                json={"decision": decision, "comment": "seen"},
            )
            .status_code
        )

    answers = at_once(6, decide)
    assert sorted(answers) in ([200, 409, 409, 409, 409, 409], [303, 409, 409, 409, 409, 409])
    assert Stored.now(session, settings).rows["audit_event"] == before.rows["audit_event"] + 1
    stored = session.get(Declaration, declaration)
    assert stored is not None and stored.status in ("accepted", "rejected")


def _csv(prefix: str, lines: int) -> bytes:
    rows = [
        f"{prefix}-{n},ACME,al_primary_ingot,{n + 1},2026-03-{n % 28 + 1:02d},alloy,only offer"
        for n in range(lines)
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _upload(page: TestClient, token: str, data: bytes) -> str:
    answer = page.post(
        "/purchases/import",
        data={"csrf_token": token},
        files={"file": ("erp.csv", data, "text/csv")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def _confirm(page: TestClient, token: str, url: str) -> int:
    return page.post(
        url + "/confirm", data={"csrf_token": token}, follow_redirects=False
    ).status_code


def test_parallel_imports_lose_nothing_and_store_nothing_twice(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    token = browse_as(client, session, world.buyer)

    def import_one(number: int) -> int:
        page = _client(client.app)
        page.cookies = client.cookies
        return _confirm(page, token, _upload(page, token, _csv(f"PO{number}", 20)))

    assert at_once(6, import_one) == [303] * 6
    stored = session.exec(select(Purchase.po_number)).all()
    assert sorted(stored) == sorted(f"PO{i}-{n}" for i in range(6) for n in range(20))

    # The same import confirmed twice at once, and two files with the same PO lines.
    same = _upload(client, token, _csv("SAME", 10))
    twins = [_upload(client, token, _csv("TWIN", 10)) for _ in range(2)]

    def confirm(number: int) -> int:
        page = _client(client.app)
        page.cookies = client.cookies
        return _confirm(page, token, same if number < 2 else twins[number - 2])

    answers = at_once(4, confirm)
    assert sorted(answers[:2]) == [303, 409]  # one stores the file, the other is told
    assert sorted(answers[2:]) in ([303, 303], [303, 409])  # a twin adds nothing, or is told
    for prefix in ("SAME", "TWIN"):
        numbers = session.exec(
            select(Purchase.po_number).where(col(Purchase.po_number).startswith(prefix))
        ).all()
        assert sorted(numbers) == sorted(f"{prefix}-{n}" for n in range(10))
    checks = session.exec(select(BuyerCheck.id)).all()
    assert len(checks) == len(session.exec(select(Purchase.id)).all())  # no check left over
    assert audit.verify_chain(session).ok


@pytest.fixture
def failing(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Makes the database fail when the audit entry ACTION is written (mid-request)."""
    real = audit.record

    def fail_at(action: str) -> None:
        def record(db: Session, **entry: Any) -> AuditEvent:
            if entry["action"].startswith(action):
                db.execute(text("SELECT 1"))  # the connection was fine a moment ago…
                raise OperationalError("INSERT INTO audit_event", {}, Exception("server closed"))
            return real(db, **entry)

        monkeypatch.setattr(audit, "record", record)

    return fail_at


def _server_error(response: Any) -> None:
    assert response.status_code == 500
    for leak in ("Traceback", "OperationalError", "INSERT", "server closed"):
        assert leak not in response.text


def test_a_database_failure_mid_submission_leaves_no_file_and_no_record(
    client: TestClient,
    session: Session,
    settings: Settings,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = bearer(session, world.acme_user)
    token = browse_as(client, session, world.acme_user)
    before = Stored.now(session, settings)
    real_flush = Session.flush

    def flush(self: Session, *args: Any, **kwargs: Any) -> None:
        if any(isinstance(row, EvidenceFile) for row in self.new):  # the file is on disk now
            raise OperationalError("INSERT INTO evidence_file", {}, Exception("disk full"))
        real_flush(self, *args, **kwargs)

    monkeypatch.setattr(Session, "flush", flush)
    failing_client = _client(client.app, raise_server_exceptions=False)
    failing_client.cookies = client.cookies
    body = pdf_factory.english_declaration(declared())
    page = failing_client.post(
        "/declarations",
        data={**form(), "csrf_token": token},
        files={"declaration_pdf": ("d.pdf", body, "application/pdf")},
    )
    _server_error(page)
    answer = failing_client.post(
        "/api/v1/declarations",
        headers=headers,
        data={"declaration": json.dumps(api_fields())},
        files={"declaration_pdf": ("d.pdf", body, "application/pdf")},
    )
    _server_error(answer)
    monkeypatch.undo()
    assert Stored.now(session, settings) == before
    retried = client.post(
        "/api/v1/declarations",
        headers=headers,
        data={"declaration": json.dumps(api_fields())},
        files={"declaration_pdf": ("d.pdf", body, "application/pdf")},
    )
    assert retried.status_code == 201
    assert len(Stored.now(session, settings).files) == 1


def test_a_database_failure_mid_purchase_or_import_stores_none_of_it(
    client: TestClient,
    session: Session,
    settings: Settings,
    world: World,
    failing: Callable[[str], None],
) -> None:
    headers = bearer(session, world.buyer)
    token = browse_as(client, session, world.buyer)
    url = _upload(client, token, _csv("PO", 30))
    before = Stored.now(session, settings)
    purchase = {
        "supplier": "ACME", "material": "al_primary_ingot", "quantity_t": "5",
        "date": "2026-03-01", "product_line": "alloy", "po_number": "PO-X",
        "exception_reason": "only offer",
    }  # fmt: skip
    failing_client = _client(client.app, raise_server_exceptions=False)
    failing_client.cookies = client.cookies

    failing("purchase.")  # after the check and the purchase rows were written
    _server_error(failing_client.post("/api/v1/purchases", headers=headers, json=purchase))
    failing("purchase_import.confirmed")  # after all 30 purchases were inserted
    _server_error(failing_client.post(url + "/confirm", data={"csrf_token": token}))
    assert Stored.now(session, settings) == before
    imported = session.exec(select(PurchaseImport)).one()
    assert imported.status == "previewed" and imported.confirmed_at is None

    failing("nothing")
    assert client.post("/api/v1/purchases", headers=headers, json=purchase).status_code == 201
    assert _confirm(client, token, url) == 303
    assert len(session.exec(select(Purchase)).all()) == 31


def _entries(session: Session) -> list[tuple[Any, ...]]:
    events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))
    return [(e.id, e.entry_hash, e.actor, e.action, e.before, e.after) for e in events]


def test_the_application_never_changes_the_audit_trail(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    # The audit pages only read: no route of the trail takes anything but GET.
    audit_routes = [e for e in client.app.state.route_table if "audit" in e.path]  # type: ignore[attr-defined]
    assert {e.path for e in audit_routes} == {"/audit", "/audit/chain"}
    assert all(e.route.methods <= {"GET", "HEAD"} for e in audit_routes)
    declaration = create(session, world.acme, pcf_excluding_biogenic="4,300")
    recorded = _entries(session)
    # A day of work: reviewing, checking, buying, administering, signing out.
    token = browse_as(client, session, world.esg)
    client.post(
        f"/review/{declaration.id}/decision", data={"decision": "accept", "csrf_token": token}
    )
    client.post("/tracking/inputs/alloy/2026", data={"production_t": "7900", "csrf_token": token})
    client.post("/logout", data={"csrf_token": token})
    buyer = bearer(session, world.buyer)
    purchase = {"supplier": "ACME", "material": "al_primary_ingot", "quantity_t": "5"}
    client.post(
        "/api/v1/purchases",
        headers=buyer,
        json={**purchase, "product_line": "alloy", "po_number": "PO-1"},
    )
    token = browse_as(client, session, world.admin)
    client.post("/admin/suppliers", data={"code": "NEWCO", "name_en": "New", "csrf_token": token})
    client.post(f"/admin/users/{world.other_user.id}/active", data={"csrf_token": token})
    session.rollback()
    now = _entries(session)
    assert now[: len(recorded)] == recorded  # earlier entries untouched
    actions = [entry[3] for entry in now[len(recorded) :]]
    for action in ("declaration.accepted", "line_year", "auth.signed_out", "purchase.",
                   "supplier.created", "user.deactivated"):  # fmt: skip
        assert any(done.startswith(action) for done in actions), (action, actions)
    assert audit.verify_chain(session).ok


TAMPERING = {
    "forged_entry": [
        "INSERT INTO audit_event (at, actor, action, entity_type, prev_hash, entry_hash) "
        "SELECT at, 'intruder', 'supplier.created', 'supplier', entry_hash, :forged "
        "FROM audit_event WHERE id = (SELECT max(id) FROM audit_event)"
    ],
    "edited_entry": ["UPDATE audit_event SET actor = 'someone else' WHERE id = 2"],
    "deleted_entry": ["DELETE FROM audit_event WHERE id = 2"],
    "rewound_head": ["UPDATE audit_head SET last_hash = :forged"],
}


@pytest.mark.parametrize("tampering", TAMPERING)
def test_audit_verify_exits_nonzero_when_the_trail_was_tampered_with(
    session: Session, world: World, tampering: str
) -> None:
    runner = CliRunner()
    clean = runner.invoke(cli, ["audit", "verify"])
    assert clean.exit_code == 0 and json.loads(clean.stdout)["ok"] is True
    postgres = session.get_bind().dialect.name == "postgresql"
    # Only someone bypassing the application could do this: the triggers refuse it otherwise.
    disable = (
        ["ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update"]
        if postgres
        else ["DROP TRIGGER audit_event_no_update", "DROP TRIGGER audit_event_no_delete"]
    )
    try:
        for statement in disable + TAMPERING[tampering]:
            session.execute(text(statement), {"forged": "f" * 64} if ":forged" in statement else {})
        session.commit()
    finally:
        if postgres:
            session.rollback()
            session.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update"))
            session.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["problem"]
    assert re.fullmatch(r"-?\d+", str(report["broken_at"]))
