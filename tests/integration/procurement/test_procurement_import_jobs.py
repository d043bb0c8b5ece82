"""Large ERP imports as background jobs: progress on the page, cancel, resume, the terminal."""

from __future__ import annotations

import re
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from factories import make_declaration
from fastapi.testclient import TestClient
from helpers import csrf_from, sign_in
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from portal import config
from portal.audit import Actor, AuditEvent
from portal.cli import app as cli
from portal.db import utcnow
from portal.jobs import queue
from portal.jobs.config import get_job_settings
from portal.jobs.models import Job, JobState
from portal.jobs.runner import run_job, run_until_idle
from portal.procurement import imports
from portal.procurement.models import BuyerCheck, Purchase, PurchaseImport

HEADER = "po_number,po_line,supplier,material,quantity_t,date,product_line,exception_reason"
HX = {"HX-Request": "true"}


def erp_file(count: int, *, bad: int = 0, prefix: str = "L") -> bytes:
    lines = [f"{prefix}-{n},1,YNSD,al_primary_ingot,1.5,2026-02-01,alloy," for n in range(count)]
    for n in range(bad):  # an unknown supplier: invalid
        lines.append(f"BAD-{n},1,NOPE,al_primary_ingot,1,2026-02-01,alloy,")
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def upload(client: TestClient, data: bytes) -> str:
    token = csrf_from(client.get("/purchases/import").text)
    page = client.post(
        "/purchases/import", data={"csrf_token": token}, files={"file": ("erp.csv", data)}
    )
    match = re.search(r"/purchases/import/\d+", str(page.url))
    assert match, page.text[:500]
    return match.group(0)


def post(client: TestClient, url: str, action: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(url).text)
    return client.post(f"{url}/{action}", data={"csrf_token": token})


@pytest.fixture
def declared(session: Session, plant):  # type: ignore[no-untyped-def]
    return make_declaration(session, plant.hydro, pcf_t_per_t="4.5")


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 50 lines: a file of a few hundred is checked in the background, in steps."""
    monkeypatch.setattr(imports, "BATCH_SIZE", 50)


def test_the_page_shows_progress_then_the_preview_while_the_servers_runner_works(
    settings: config.Settings,
    session: Session,
    buyer,
    declared,
    small_batches: None,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from portal.app import create_app

    monkeypatch.setenv("PORTAL_JOBS_IN_APP", "true")  # tests ask for the runner thread
    monkeypatch.setenv("PORTAL_JOBS_POLL_S", "0.1")
    get_job_settings.cache_clear()
    try:
        with TestClient(
            create_app(), base_url="http://127.0.0.1:8000", headers={"Accept-Language": "en"}
        ) as client:
            sign_in(client, buyer.email)
            url = upload(client, erp_file(400))
            first = client.get(url)
            assert 'id="import-progress"' in first.text or 'id="import-summary"' in first.text
            seen: list[str] = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                polled = client.get(url + "/progress", headers=HX)
                if "HX-Redirect" in polled.headers:
                    assert polled.headers["HX-Redirect"] == url
                    break
                seen.append(polled.text)
                assert 'hx-trigger="every 1s"' in polled.text
                time.sleep(0.05)
            else:
                pytest.fail("checking did not end")
            assert any(re.search(r"\d+ of 400 lines checked", text) for text in seen)
            preview = client.get(url)
            assert "400 lines: 400 new" in preview.text and 'id="confirm-import"' in preview.text

            stored = post(client, url, "confirm")
            assert stored.status_code == 200
            deadline = time.monotonic() + 60
            while (
                "HX-Redirect" not in (polled := client.get(url + "/progress", headers=HX)).headers
            ):
                assert time.monotonic() < deadline, "storing did not end"
                time.sleep(0.05)
            assert "stored=400&skipped=0" in polled.headers["HX-Redirect"]
    finally:
        get_job_settings.cache_clear()
    assert len(session.exec(select(Purchase)).all()) == 400


def _checked_and_confirming(
    client: TestClient, engine: Engine, session: Session
) -> tuple[str, Job]:
    url = upload(client, erp_file(300))
    assert run_until_idle(engine) == 1
    assert 'id="confirm-import"' in client.get(url).text
    assert post(client, url, "confirm").status_code == 200
    job = session.exec(select(Job).where(Job.kind == imports.CONFIRM_JOB)).one()
    return url, job


def _nothing_stored(client: TestClient, session: Session, url: str, job_id: int) -> None:
    assert session.exec(select(Purchase)).all() == []
    assert session.exec(select(BuyerCheck)).all() == []
    ended = session.get(Job, job_id)
    assert ended is not None
    session.refresh(ended)
    assert ended.state == JobState.CANCELLED.value
    found = session.exec(select(PurchaseImport)).one()
    session.refresh(found)
    assert found.status == imports.PREVIEWED
    page = client.get(url)
    assert 'id="import-store-cancelled"' in page.text and 'id="confirm-import"' in page.text
    actions = session.exec(select(AuditEvent.action)).all()
    assert "purchase_import.cancelled" in actions and "purchase_import.confirmed" not in actions


def test_cancel_while_storing_stores_nothing(
    buyer_client: TestClient,
    engine: Engine,
    session: Session,
    declared,
    small_batches: None,  # type: ignore[no-untyped-def]
) -> None:
    url, job = _checked_and_confirming(buyer_client, engine, session)
    claimed = queue.claim(engine, worker="server-a", lease_s=60)
    assert claimed is not None and claimed.id == job.id
    cancels: list[int] = []

    def cancel_once(done: int, total: int) -> None:
        # The buyer presses Cancel after the first batches are stored in the transaction.
        if done >= 100 and not cancels:
            if engine.dialect.name == "sqlite":
                # One writer: the page's request would wait for the confirmation; Ctrl-C in
                # the terminal (SIGINT) is how a foreground run is cancelled there.
                cancels.append(done)
                signal.raise_signal(signal.SIGINT)
            else:
                cancels.append(post(buyer_client, url, "cancel").status_code)

    if engine.dialect.name == "sqlite":
        with pytest.raises(KeyboardInterrupt):
            run_job(engine, claimed, worker="server-a", on_progress=cancel_once)
    else:
        state = run_job(engine, claimed, worker="server-a", on_progress=cancel_once)
        assert state == JobState.CANCELLED.value and cancels == [200]
    assert job.id is not None
    _nothing_stored(buyer_client, session, url, job.id)
    # The file can be stored afterwards, all of it.
    assert post(buyer_client, url, "confirm").status_code == 200
    assert run_until_idle(engine) == 1
    assert len(session.exec(select(Purchase)).all()) == 300


def test_cancel_while_checking_gives_the_import_up(
    buyer_client: TestClient,
    engine: Engine,
    session: Session,
    declared,
    small_batches: None,  # type: ignore[no-untyped-def]
) -> None:
    url = upload(buyer_client, erp_file(300))
    assert post(buyer_client, url, "cancel").status_code == 200  # still queued: ended at once
    page = buyer_client.get(url)
    assert 'id="import-cancelled"' in page.text
    assert run_until_idle(engine) == 0
    assert post(buyer_client, url, "cancel").status_code == 409  # nothing left to cancel


def test_a_job_whose_server_died_is_resumed_by_another_and_finishes(
    buyer_client: TestClient,
    engine: Engine,
    session: Session,
    declared,
    small_batches: None,  # type: ignore[no-untyped-def]
) -> None:
    url, job = _checked_and_confirming(buyer_client, engine, session)
    dead = queue.claim(engine, worker="server-a", lease_s=60)
    assert dead is not None
    # Server A stored two batches in its open transaction, then died: its connection ended,
    # so the transaction was rolled back, and its lease runs out.
    with Session(engine) as db, db.begin():
        found = db.get(PurchaseImport, dead.payload["import_id"])
        assert found is not None and found.status == imports.CONFIRMING
    assert queue.claim(engine, worker="server-b", lease_s=60) is None  # A's lease still runs
    later = utcnow() + timedelta(seconds=61)
    resumed = queue.claim(engine, worker="server-b", lease_s=60, now=later)
    assert resumed is not None and resumed.id == job.id and resumed.attempts == 2
    assert run_job(engine, resumed, worker="server-b") == JobState.DONE.value
    assert len(session.exec(select(Purchase)).all()) == 300
    assert job.id is not None
    ended = session.get(Job, job.id)
    assert ended is not None
    session.refresh(ended)
    assert ended.leased_by == "server-b" and ended.result and ended.result["stored"] == 300
    with Session(engine) as db, db.begin():  # A, had it lived, can no longer end the job
        assert not queue.end(db, job_id=job.id, worker="server-a", state=JobState.FAILED)
    assert 'id="import-confirmed"' in buyer_client.get(url).text


def test_two_servers_run_each_import_once(
    buyer,
    engine: Engine,
    session: Session,
    declared,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(imports, "BATCH_SIZE", 20)
    actor = Actor(label="test", user_id=buyer.id)
    for n in range(6):
        imports.upload(
            session,
            actor=actor,
            user_id=buyer.id,
            filename=f"erp-{n}.csv",
            data=erp_file(60, prefix=f"F{n}"),
            at_once=False,
        )
        session.commit()  # reading the next file ends the transaction (it waits for a worker)
    start = threading.Barrier(2)
    ran: dict[str, int] = {}

    def server(name: str) -> None:
        start.wait()
        ran[name] = run_until_idle(engine, worker=name)

    threads = [threading.Thread(target=server, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    jobs = session.exec(select(Job)).all()
    assert sum(ran.values()) == 6 and len(jobs) == 6, [(j.state, j.error, j.subject) for j in jobs]
    for job in jobs:
        session.refresh(job)
        assert job.state == JobState.DONE.value and job.attempts == 1, job
        assert job.leased_by in ("a", "b") and job.done == 60
    for found in session.exec(select(PurchaseImport)).all():
        session.refresh(found)
        assert found.status == imports.PREVIEWED and found.checked_count == 60
        assert imports.summary(session, import_id=found.id or 0).new == 60


def test_the_command_line_imports_a_file_with_counts_and_stores_it(
    settings: config.Settings,
    session: Session,
    buyer,
    declared,
    tmp_path: Path,
    small_batches: None,  # type: ignore[no-untyped-def]
) -> None:
    runner = CliRunner()
    broken = tmp_path / "broken.csv"
    broken.write_bytes(erp_file(200, bad=3))
    result = runner.invoke(cli, ["purchases", "import", str(broken), "--as", buyer.email])
    assert result.exit_code == 1, result.output
    assert "203 lines read" in result.output
    assert "new: 200  already recorded: 0  invalid: 3  exceptions: 0" in result.output
    assert "row 202: Supplier: " in result.output and "NOPE" in result.output
    assert "nothing stored: 3 invalid lines" in result.output

    good = tmp_path / "good.csv"
    good.write_bytes(erp_file(200))
    preview = runner.invoke(cli, ["purchases", "import", str(good), "--as", buyer.email])
    assert preview.exit_code == 0, preview.output
    assert "new: 200" in preview.output and "nothing stored yet" in preview.output
    assert session.exec(select(Purchase)).all() == []

    stored = runner.invoke(
        cli, ["purchases", "import", str(good), "--as", buyer.email, "--confirm"]
    )
    assert stored.exit_code == 0, stored.output
    assert "stored 200 purchases; skipped 0 already recorded; 0 exceptions" in stored.output
    purchases = session.exec(select(Purchase)).all()
    assert len(purchases) == 200 and all(p.recorded_by_id == buyer.id for p in purchases)
    [confirmed] = session.exec(
        select(AuditEvent).where(AuditEvent.action == "purchase_import.confirmed")
    ).all()
    assert confirmed.actor == "command line: portal purchases import"

    again = runner.invoke(cli, ["purchases", "import", str(good), "--as", buyer.email, "--confirm"])
    assert "new: 0  already recorded: 200" in again.output
    nobody = runner.invoke(cli, ["purchases", "import", str(good), "--as", "nobody@example.com"])
    assert nobody.exit_code == 2 and "no active buyer account" in nobody.output
