"""The portal never freezes: concurrent requests that contend for one lock all get answers.

Each case is a reproduction of a freeze or a 500 seen under real servers: the portal is started
as an operator starts it (`portal serve`, with one worker process or two), and probed over
loopback while `/healthz` is polled throughout. Before database work left the event loop, the
first case hung every request of the server for good on PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from declarations_helpers import World, create
from hardening_helpers import at_once, bearer
from portal_serving import portal_serve
from sqlmodel import Session, select

from portal.accounts.models import WebSession
from portal.config import Settings, get_settings
from portal.db import utcnow
from portal.declarations.models import Declaration
from portal.procurement.models import Purchase, PurchaseImport
from portal.security import csrf_token_for, sha256_hex, start_session

ANSWER_WITHIN_S = 20.0  # a frozen server never answers; a healthy one answers in well under 1 s
HEALTHZ_WITHIN_S = 5.0
HEADER = "po_number,supplier,material,quantity_t,date,product_line,exception_reason"


@dataclass
class HealthWatch:
    """Polls /healthz in the background and keeps what it saw."""

    url: str
    slowest_s: float = 0.0
    failures: list[str] = field(default_factory=list)
    polls: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        """Poll until stopped."""
        with httpx.Client(timeout=HEALTHZ_WITHIN_S * 2) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status = client.get(self.url + "/healthz").status_code
                    if status != 200:
                        self.failures.append(f"/healthz answered {status}")
                except httpx.HTTPError as error:
                    self.failures.append(f"/healthz: {error!r}")
                self.slowest_s = max(self.slowest_s, time.monotonic() - started)
                self.polls += 1
                self._stop.wait(0.05)

    def stop(self) -> None:
        """Stop polling."""
        self._stop.set()


@contextmanager
def served(settings: Settings, workers: int, *, jobs: bool = False) -> Iterator[str]:
    """`portal serve --workers WORKERS` on this test's database; its base URL. With JOBS,
    each worker process runs background jobs (as outside tests)."""
    env = {"PORTAL_JOBS_IN_APP": "true", "PORTAL_JOBS_POLL_S": "0.2"} if jobs else {}
    with portal_serve(settings, args=["--workers", str(workers)], env=env) as (url, _process):
        yield url


def _import_status(session: Session, import_id: int, *, leaving: str, within_s: float) -> str:
    """The import's status once it is no longer LEAVING (its background job moved on)."""
    deadline = time.monotonic() + within_s
    while True:
        session.expire_all()
        stored = session.get(PurchaseImport, import_id)
        assert stored is not None
        if stored.status != leaving or time.monotonic() > deadline:
            return stored.status
        time.sleep(0.1)


@contextmanager
def watched(url: str) -> Iterator[HealthWatch]:
    """/healthz polled while the block runs; fails the test if it ever stopped answering."""
    watch = HealthWatch(url)
    thread = threading.Thread(target=watch.run, daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        watch.stop()
        thread.join(timeout=HEALTHZ_WITHIN_S * 3)
    assert watch.polls > 0
    assert watch.failures == [], watch.failures[:5]
    assert watch.slowest_s < HEALTHZ_WITHIN_S, f"/healthz took {watch.slowest_s:.1f} s"


def browser(url: str, session_id: str) -> httpx.Client:
    """A client carrying the browser session SESSION_ID, as a tab of that browser does."""
    return httpx.Client(
        base_url=url,
        cookies={"portal_session": session_id},
        headers={"Accept-Language": "en"},
        timeout=ANSWER_WITHIN_S,
        follow_redirects=False,
    )


def signed_in(session: Session, user: Any) -> tuple[str, str]:
    """A new browser session of USER: its cookie value and its forms' CSRF token."""
    session_id = start_session(session, user)
    session.commit()
    web_session = session.get(WebSession, sha256_hex(session_id))
    assert web_session is not None
    return session_id, csrf_token_for(web_session.csrf_secret, get_settings())


def _idle(session: Session, session_id: str, minutes: int = 2) -> None:
    """Make the session look idle for MINUTES, so the next request refreshes it."""
    web_session = session.get(WebSession, sha256_hex(session_id))
    assert web_session is not None
    web_session.last_seen_at = utcnow() - timedelta(minutes=minutes)
    session.add(web_session)
    session.commit()


def _csv(prefix: str, lines: int) -> bytes:
    rows = [
        f"{prefix}-{n},ACME,al_primary_ingot,{n % 50 + 1},2026-03-{n % 28 + 1:02d},alloy,only offer"
        for n in range(lines)
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


WORKERS = [pytest.param(1, id="1-worker"), pytest.param(2, id="2-workers")]


@pytest.mark.parametrize("workers", WORKERS)
def test_two_requests_of_an_idle_session_at_once_are_both_answered(
    backend: str, settings: Settings, session: Session, world: World, workers: int
) -> None:
    session_id, _token = signed_in(session, world.buyer)
    with served(settings, workers) as url, watched(url):
        for _round in range(4):
            _idle(session, session_id)
            started = time.monotonic()
            pages = ("/purchases", "/checks")

            def visit(number: int, pages: tuple[str, ...] = pages) -> int:
                with browser(url, session_id) as tab:
                    return tab.get(pages[number]).status_code

            assert at_once(2, visit) == [200, 200]
            assert time.monotonic() - started < ANSWER_WITHIN_S
            session.expire_all()
            refreshed = session.get(WebSession, sha256_hex(session_id))
            assert refreshed is not None  # the visit kept the session alive: seen just now
            assert utcnow() - refreshed.last_seen_at < timedelta(seconds=30)


@pytest.mark.parametrize("workers", WORKERS)
def test_two_import_uploads_at_once_are_both_read(
    backend: str, settings: Settings, session: Session, world: World, workers: int
) -> None:
    session_id, token = signed_in(session, world.buyer)
    with served(settings, workers) as url, watched(url):
        for round_number in range(3):
            _idle(session, session_id)

            def upload(number: int, round_number: int = round_number) -> int:
                with browser(url, session_id) as tab:
                    return tab.post(
                        "/purchases/import",
                        data={"csrf_token": token},
                        files={"file": ("erp.csv", _csv(f"R{round_number}U{number}", 1))},
                    ).status_code

            assert at_once(2, upload) == [303, 303]
    assert len(session.exec(select(PurchaseImport.id)).all()) == 6


@pytest.mark.parametrize("workers", WORKERS)
def test_checks_during_a_large_import_confirm_are_answered(
    backend: str, settings: Settings, session: Session, world: World, workers: int
) -> None:
    session_id, token = signed_in(session, world.buyer)
    api = bearer(session, world.buyer)
    lines = 10_000
    question = {
        "supplier": "ACME",
        "material": "al_primary_ingot",
        "quantity_t": "5",
        "date": "2026-03-02",
        "product_line": "alloy",
    }
    with served(settings, workers, jobs=True) as url:
        with browser(url, session_id) as tab:
            answer = tab.post(
                "/purchases/import",
                data={"csrf_token": token},
                files={"file": ("erp.csv", _csv("BIG", lines))},
            )
            assert answer.status_code == 303, answer.text
            import_url = answer.headers["location"]
            import_id = int(import_url.rsplit("/", 1)[1])
        # Checked by a background job of one of the server's processes.
        status = _import_status(session, import_id, leaving="checking", within_s=120)
        assert status == "previewed", status

        confirmed: list[int] = []

        def confirm() -> None:
            with browser(url, session_id) as tab:
                confirmed.append(
                    tab.post(import_url + "/confirm", data={"csrf_token": token}).status_code
                )

        with watched(url):
            confirming = threading.Thread(target=confirm)
            confirming.start()
            time.sleep(0.5)  # a background job's confirmation now holds the writer

            def ask(number: int) -> tuple[int, str]:
                with browser(url, session_id) as tab:
                    if number % 2:
                        response = tab.post("/checks", data={**question, "csrf_token": token})
                    else:
                        response = tab.post("/api/v1/checks", headers=api, json=question)
                return response.status_code, response.headers.get("retry-after", "")

            started = time.monotonic()
            answers = at_once(4, ask)
            assert time.monotonic() - started < ANSWER_WITHIN_S
            confirming.join(timeout=ANSWER_WITHIN_S * 2)
        # Each check is answered, or told to try again in a moment; never a 500.
        for status, retry_after in answers:
            assert status in (200, 503), answers
            assert status == 200 or int(retry_after) > 0
            assert confirmed == [303]
            status = _import_status(session, import_id, leaving="confirming", within_s=120)
            assert status == "confirmed", status
    stored_lines = session.exec(select(Purchase.id).where(Purchase.import_id == import_id)).all()
    assert len(stored_lines) == lines


@pytest.mark.parametrize("workers", WORKERS)
def test_decisions_from_pages_and_api_at_once_decide_each_declaration_once(
    backend: str, settings: Settings, session: Session, world: World, workers: int
) -> None:
    pending = [create(session, world.acme, pcf_excluding_biogenic="4,300").id for _ in range(5)]
    reviewers = [world.esg, world.buyer]
    browsers = [signed_in(session, user) for user in reviewers]
    tokens = [bearer(session, user) for user in reviewers]
    with served(settings, workers) as url, watched(url):

        def decide(number: int) -> int:
            declaration = pending[number // 4]
            decision = ("accept", "reject")[number % 2]
            reviewer = number % 2
            if number % 4 < 2:
                session_id, token = browsers[reviewer]
                with browser(url, session_id) as tab:
                    return tab.post(
                        f"/review/{declaration}/decision",
                        data={"decision": decision, "comment": "seen", "csrf_token": token},
                    ).status_code
            with browser(url, "") as erp:
                return erp.post(
                    f"/api/v1/declarations/{declaration}/decision",
                    headers=tokens[reviewer],
                    json={"decision": decision, "comment": "seen"},
                ).status_code

        answers = at_once(20, decide)
    for index, _declaration in enumerate(pending):
        mine = sorted(answers[index * 4 : index * 4 + 4])
        assert len([s for s in mine if s in (200, 303)]) == 1, answers  # one decision wins
        assert [s for s in mine if s not in (200, 303)] == [409, 409, 409], answers
    session.expire_all()
    decided = session.exec(select(Declaration.status).where(Declaration.id.in_(pending))).all()  # type: ignore[union-attr]
    # Whichever decision won, each declaration holds one (a set, not a list: the list comparison
    # was lexicographic and failed whenever every race was won by a rejection).
    assert set(decided) <= {"accepted", "rejected"} and len(decided) == 5
