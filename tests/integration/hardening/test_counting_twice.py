"""Counting twice and racing limits, reproduced with parallel requests against a real server.

Each case is what an attacker or a busy ERP did to uvicorn serving the portal on a loopback
port: 20 purchases of one check stored up to 6 purchases on PostgreSQL; 40 parallel guesses
were checked 26-34 times against a limit of 5; five wrong passwords from anywhere locked the
owner out. Other addresses are real ones: the loopback network is 127.0.0.0/8, and each
client binds its own.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from declarations_helpers import World
from hardening_helpers import at_once, bearer
from helpers import TEST_PASSWORD
from sqlmodel import Session, col, select

from portal.accounts.models import SignInThrottle
from portal.audit import AuditEvent
from portal.config import Settings
from portal.procurement.models import BuyerCheck, Purchase

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from server import free_port, portal_server

ROUNDS = 5  # the race was lost in 4 of 13 rounds; five rounds of 20 lose it reliably
PARALLEL = 20
GUESSES = 40
CHECK = {
    "supplier": "ACME",
    "material": "al_primary_ingot",
    "quantity_t": "25",
    "date": "2026-03-02",
    "product_line": "alloy",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def served(settings: Settings, **env: str) -> Iterator[str]:
    """uvicorn serving the portal on this test's database; its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "PORTAL_ENV": "test",
        "PORTAL_DATABASE_URL": settings.database_url,
        "PORTAL_DATA_DIR": str(settings.data_dir),
        "PORTAL_BASE_URL": url,
        **{f"PORTAL_{name.upper()}": value for name, value in env.items()},
    }
    with portal_server(environment, port):
        yield url


def client_from(url: str, address: str = "127.0.0.1") -> httpx.Client:
    """An HTTP client whose connections come from ADDRESS."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(
        base_url=url, transport=transport, timeout=60, headers={"Accept-Language": "en"}
    )


def purchases(session: Session) -> list[Purchase]:
    """Every stored purchase (committed, as another request sees them)."""
    session.rollback()
    return list(session.exec(select(Purchase).order_by(col(Purchase.id))).all())


# --- purchases ----------------------------------------------------------------------------


def test_parallel_purchases_of_one_check_store_one_purchase(
    settings: Settings, session: Session, world: World
) -> None:
    erp = bearer(session, world.buyer)
    with served(settings) as url, client_from(url) as client:
        for round_number in range(ROUNDS):
            check = client.post("/api/v1/checks", json=CHECK, headers=erp)
            assert check.status_code == 200, check.text
            check_id = check.json()["check_id"]

            def record(n: int, check_id: int = check_id, r: int = round_number) -> httpx.Response:
                body = {
                    "check_id": check_id,
                    "po_number": f"PO-{r}",
                    "po_line": n + 1,  # 20 PO lines, one check: only one can have it
                    "exception_reason": "trial lot",
                }
                with client_from(url) as own:
                    return own.post("/api/v1/purchases", json=body, headers=erp)

            answers = at_once(PARALLEL, record, start_within_s=30)
            statuses = sorted(answer.status_code for answer in answers)
            assert statuses == [201] + [409] * (PARALLEL - 1), [a.text for a in answers]
            refused = [a.json() for a in answers if a.status_code == 409]
            assert {problem["field"] for problem in refused} == {"check_id"}
            stored = [p for p in purchases(session) if p.check_id == check_id]
            assert len(stored) == 1, f"round {round_number}: {len(stored)} purchases of 1 check"


def test_the_same_purchase_sent_twenty_times_at_once_answers_the_one_recorded(
    settings: Settings, session: Session, world: World
) -> None:
    erp = bearer(session, world.buyer)
    with served(settings) as url, client_from(url) as client:
        check = client.post("/api/v1/checks", json=CHECK, headers=erp)
        check_id = check.json()["check_id"]
        body = {"check_id": check_id, "po_number": "PO-7", "exception_reason": "trial lot"}

        def record(_n: int) -> httpx.Response:
            with client_from(url) as own:
                return own.post("/api/v1/purchases", json=body, headers=erp)

        answers = at_once(PARALLEL, record, start_within_s=30)
    # One records it (201); the others are told about that purchase (200), not refused.
    assert sorted(a.status_code for a in answers) == [200] * (PARALLEL - 1) + [201], [
        (a.status_code, a.text) for a in answers if a.status_code != 200
    ]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(purchases(session)) == 1


def test_an_erp_retrying_with_one_idempotency_key_records_once(
    settings: Settings, session: Session, world: World
) -> None:
    erp = bearer(session, world.buyer)
    # Check and record in one call: without the key every retry is checked (and recorded) anew.
    body = {**CHECK, "po_number": "PO-9", "exception_reason": "trial lot"}
    with served(settings) as url:

        def record(_n: int) -> httpx.Response:
            with client_from(url) as own:
                headers = {**erp, "Idempotency-Key": "erp-po-9-attempt"}
                return own.post("/api/v1/purchases", json=body, headers=headers)

        answers = at_once(PARALLEL, record, start_within_s=30)
    assert [a.status_code for a in answers] == [201] * PARALLEL, [a.text for a in answers]
    assert len({a.text for a in answers}) == 1  # the very same answer, byte for byte
    replayed = [a for a in answers if a.headers.get("Idempotent-Replayed") == "true"]
    assert len(replayed) == PARALLEL - 1
    session.rollback()
    assert len(purchases(session)) == 1
    assert len(session.exec(select(BuyerCheck)).all()) == 1


# --- signing in ---------------------------------------------------------------------------


def _sign_in_form(client: httpx.Client) -> str:
    page = client.get("/login")
    match = CSRF.search(page.text)
    assert match, page.text
    return match.group(1)


def _sign_in(client: httpx.Client, token: str, email: str, password: str) -> httpx.Response:
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/login", data=data, follow_redirects=False)


def _checked(session: Session) -> list[AuditEvent]:
    """The sign-ins whose password was checked (failed or signed in), in order."""
    session.rollback()
    return list(
        session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action).in_(["auth.sign_in_failed", "auth.signed_in"]))
            .order_by(col(AuditEvent.id))
        ).all()
    )


def test_forty_parallel_guesses_are_checked_no_more_than_the_limit(
    settings: Settings, session: Session, world: World
) -> None:
    email = world.buyer.email
    with served(settings) as url:
        clients = [client_from(url) for _ in range(GUESSES)]
        tokens = [_sign_in_form(client) for client in clients]

        def guess(n: int) -> int:
            return _sign_in(clients[n], tokens[n], email, f"wrong-guess-{n:03d}").status_code

        statuses = at_once(GUESSES, guess, start_within_s=30)
        for client in clients:
            client.close()
        checked = _checked(session)
    # The limit is 5 per email at one address: 5 passwords checked at once (26 to 34 were,
    # before counting was atomic); past that, one more only when the last wait is over:
    # 2 s after the 5th failure, 4 s after the 6th (2^(n-5+1)). The burst lasts a few seconds
    # on a busy machine, so a 6th or 7th may come after its wait; an 8th needs 14 s.
    assert statuses == [401] * GUESSES, statuses
    assert 5 <= len(checked) <= 7, f"{len(checked)} of {GUESSES} guesses were checked"
    session.rollback()
    rows = session.exec(
        select(SignInThrottle).where(col(SignInThrottle.kind) == "email_address")
    ).all()
    assert [row.failures for row in rows] == [len(checked)]
    assert rows[0].blocked_until is not None and rows[0].last_failure_at is not None
    waits = rows[0].blocked_until - rows[0].last_failure_at
    assert waits == timedelta(seconds=2 ** (len(checked) - 5 + 1))


class Inbox:
    """Mail the test's SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the recipients, subject and text of the message (aiosmtpd's handler hook)."""
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = f"{message['Subject']}\n{body.get_content() if body is not None else ''}"
        self.messages.append((list(envelope.rcpt_tos), text))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a loopback port."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_guesses_from_everywhere_never_lock_the_owner_out_and_the_owner_is_told(
    settings: Settings, session: Session, world: World
) -> None:
    owner = world.esg.email
    with (
        smtp_server() as (inbox, smtp_port),
        served(
            settings, smtp_host="127.0.0.1", smtp_port=str(smtp_port), smtp_starttls="false"
        ) as url,
    ):
        laptop = client_from(url, "127.0.0.1")
        assert _sign_in(laptop, _sign_in_form(laptop), owner, TEST_PASSWORD).status_code == 303
        laptop.post("/logout", data={"csrf_token": _sign_in_form_after(laptop)})

        def guess(n: int) -> int:
            with client_from(url, f"127.0.0.{n + 2}") as attacker:
                token = _sign_in_form(attacker)
                return _sign_in(attacker, token, owner, f"wrong-guess-{n:03d}").status_code

        # Ten wrong passwords from ten addresses (five were enough to lock the account).
        assert at_once(10, guess, start_within_s=30) == [401] * 10

        # The owner's laptop, where they signed in before: in at once.
        assert _sign_in(laptop, _sign_in_form(laptop), owner, TEST_PASSWORD).status_code == 303
        laptop.close()
        # A new phone at a new address too: guesses elsewhere did not lock the account.
        with client_from(url, "127.0.0.200") as phone:
            assert _sign_in(phone, _sign_in_form(phone), owner, TEST_PASSWORD).status_code == 303

        deadline = time.monotonic() + 15
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # a second mail, if one were sent, would have arrived by now
    assert len(inbox.messages) == 1, inbox.messages
    recipients, text = inbox.messages[0]
    assert recipients == [owner]
    assert "Someone is trying to sign in to your account" in text
    # Sent at the fifth failure, naming the addresses the guesses came from.
    assert "5 times with a wrong password" in text
    listed = set(re.findall(r"127\.0\.0\.\d+", text))
    assert listed and listed <= {f"127.0.0.{n + 2}" for n in range(10)}


def _sign_in_form_after(client: httpx.Client) -> str:
    """The CSRF token of a signed-in page."""
    match = CSRF.search(client.get("/account").text)
    assert match
    return match.group(1)
