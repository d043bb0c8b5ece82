"""Two `portal serve` processes on one PostgreSQL behave as one portal.

An operator behind a load balancer runs the portal on several servers: a browser signed in
through one is signed in on the other (sessions and CSRF are in the database, the CSRF token
an HMAC of the session's secret under the shared secret key), guesses at a password count
against one limit wherever they land, reviews, checks and uploads through both at once leave
one consistent audit chain, and every file uploaded through one is served by the other.
SQLite is one file on one host: the two-server part runs on PostgreSQL only.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pdf_factory
import pytest
from declarations_helpers import World, api_fields, declared
from hardening_helpers import at_once, bearer
from helpers import TEST_PASSWORD
from portal_serving import portal_serve
from sqlmodel import Session, col, select

from portal import audit
from portal.config import Settings
from portal.declarations.models import Declaration
from portal.procurement.models import BuyerCheck

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CHECK = {
    "supplier": "ACME",
    "material": "al_primary_ingot",
    "quantity_t": "25",
    "date": "2026-03-02",
    "product_line": "alloy",
}


@pytest.fixture
def two_servers(settings: Settings, tmp_path: Path) -> Any:
    """Two servers on this test's PostgreSQL database, each with a data directory of its own
    (as on two hosts: the evidence files they share are in the database): their base URLs."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("two servers share one PostgreSQL; SQLite is one file on one host")
    env = {"PORTAL_SECRET_KEY": "two-servers-share-this-secret-key-0123456789"}
    disks = [tmp_path / "server-one", tmp_path / "server-two"]
    with (
        portal_serve(settings, env={**env, "PORTAL_DATA_DIR": str(disks[0])}) as (one, _p1),
        portal_serve(settings, env={**env, "PORTAL_DATA_DIR": str(disks[1])}) as (two, _p2),
    ):
        yield one, two
    assert not any(path.is_file() for disk in disks if disk.exists() for path in disk.rglob("*"))


def _client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=60, headers={"Accept-Language": "en"})


def _csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_a_session_and_its_form_token_from_one_server_work_on_the_other(
    two_servers: tuple[str, str], world: World
) -> None:
    one, two = two_servers
    with _client(one) as first, _client(two) as second:
        token = _csrf(first.get("/login"))
        signed = first.post(
            "/login",
            data={"email": world.esg.email, "password": TEST_PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        second.cookies = first.cookies  # the load balancer sends the next request elsewhere
        home = second.get("/", follow_redirects=False)
        assert home.status_code == 200  # signed in on the second server too
        # A form rendered by the first server is accepted by the second: signing out there.
        form_token = _csrf(first.get("/"))
        out = second.post("/logout", data={"csrf_token": form_token}, follow_redirects=False)
        assert out.status_code == 303
        # Signed out everywhere: the first server sends the browser to the sign-in page.
        after = first.get("/", follow_redirects=False)
        assert after.status_code in (302, 303, 307) and "/login" in after.headers["location"]


def test_wrong_passwords_on_both_servers_count_against_one_limit(
    two_servers: tuple[str, str], world: World, settings: Settings, session: Session
) -> None:
    one, two = two_servers
    allowance = settings.sign_in_max_failures  # 5 for an email from one address
    for n in range(allowance + 1):  # alternating: 3 guesses on each server
        with _client(one if n % 2 == 0 else two) as client:
            token = _csrf(client.get("/login"))
            data = {"email": world.buyer.email, "password": f"wrong-{n}", "csrf_token": token}
            client.post("/login", data=data, follow_redirects=False)
    # Counted per process, each server would have checked its three: six. Counted in the
    # database, the sixth waits (2 s after the fifth failure) and its password is not checked.
    session.rollback()
    failed = session.exec(
        select(audit.AuditEvent).where(audit.AuditEvent.action == "auth.sign_in_failed")
    ).all()
    assert len(failed) == allowance


def test_reviews_checks_and_uploads_through_both_servers_make_one_portal(
    two_servers: tuple[str, str], world: World, session: Session
) -> None:
    servers = two_servers
    suppliers = [bearer(session, world.acme_user), bearer(session, world.other_user)]
    reviewer = bearer(session, world.buyer)  # buyers review declarations too
    buyer = bearer(session, world.buyer)
    uploads: dict[int, bytes] = {}

    # Six submissions at once, three through each server, each with its own PDF (the PCF
    # differs, so the bytes and their hashes differ).
    def submit(n: int) -> tuple[int, bytes]:
        body = pdf_factory.english_declaration(declared(pcf=f"4.{n}"))
        # The form says 0.3 t more than the PDF: a mismatch, so a reviewer must decide.
        fields = api_fields(pcf_excluding_biogenic=4300 + 100 * n, declared_unit_amount=1)
        with _client(servers[n % 2]) as client:
            answer = client.post(
                "/api/v1/declarations",
                headers=suppliers[n % 2],
                data={"declaration": json.dumps(fields)},
                files={"declaration_pdf": ("d.pdf", body, "application/pdf")},
            )
        assert answer.status_code == 201, answer.text
        assert answer.json()["status"] == "in_review", answer.text
        return int(answer.json()["id"]), body

    for declaration_id, body in at_once(6, submit, start_within_s=30):
        uploads[declaration_id] = body

    # Each declaration reviewed by two reviewers at once, one on each server: one decides.
    def review(n: int) -> list[int]:
        declaration_id = sorted(uploads)[n // 2]
        with _client(servers[n % 2]) as client:
            answer = client.post(
                f"/api/v1/declarations/{declaration_id}/decision",
                headers=reviewer,
                json={"decision": "accept", "comment": "ok"},
            )
        return [declaration_id, answer.status_code]

    reviewed = at_once(2 * len(uploads), review, start_within_s=30)
    by_declaration: dict[int, list[int]] = {}
    for declaration_id, status in reviewed:
        by_declaration.setdefault(declaration_id, []).append(status)
    assert all(sorted(codes) == [200, 409] for codes in by_declaration.values()), reviewed

    # Twenty buyer checks at once, ten through each server.
    def check(n: int) -> int:
        with _client(servers[n % 2]) as client:
            return client.post("/api/v1/checks", json=CHECK, headers=buyer).status_code

    assert at_once(20, check, start_within_s=30) == [200] * 20

    # Every file is served by either server, byte for byte.
    for declaration_id, body in uploads.items():
        for url in servers:
            with _client(url) as client:
                found = client.get(f"/api/v1/declarations/{declaration_id}", headers=reviewer)
                file = found.json()["files"][0]
                download = client.get(file["url"], headers=reviewer)
            assert download.status_code == 200
            assert hashlib.sha256(download.content).hexdigest() == file["sha256"]
            assert download.content == body

    session.rollback()
    statuses = session.exec(select(Declaration.status).where(col(Declaration.id).in_(uploads)))
    assert set(statuses) == {"accepted"}
    assert len(session.exec(select(BuyerCheck)).all()) == 20
    # One chain however many servers wrote it: 6 submissions + 6 decisions + 20 checks, at least.
    report = audit.verify_chain(session)
    assert report.ok, report
    assert report.entries >= 32
