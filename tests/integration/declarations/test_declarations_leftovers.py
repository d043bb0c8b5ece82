"""Files left behind by crashes are swept: by `portal files gc`, at every start, and a file
committed but not yet published is published.

Before, a supplier's upload killed between writing its PDF and committing left the complete
PDF with no evidence row, and a kill during the write a `.upload-*.part` file; nothing removed
either. The last test kills a real server with SIGKILL at those moments.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from contextlib import suppress
from pathlib import Path

import httpx
import pdf_factory
import pytest
from declarations_helpers import World, declared, form, pdf
from fastapi.testclient import TestClient
from portal_serving import PORTAL, portal_serve
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from portal.accounts.models import WebSession
from portal.audit import Actor, AuditEvent, verify_chain
from portal.cli import app as cli
from portal.config import Settings, get_settings
from portal.declarations import files, leftovers, service
from portal.declarations.models import Declaration, EvidenceFile
from portal.declarations.service import Upload
from portal.security import SESSION_COOKIE, csrf_token_for, sha256_hex, start_session

ACTOR = Actor(label="test")
TWO_HOURS_S = 2 * 3600


@pytest.fixture(autouse=True)
def files_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk's write-then-publish protocol, which PostgreSQL too uses when told to."""
    monkeypatch.setenv("PORTAL_FILE_STORE", "disk")


def _submit(db: Session, world: World, settings: Settings, body: bytes) -> Declaration:
    assert world.acme.id is not None
    return service.submit(
        db,
        actor=ACTOR,
        supplier_id=world.acme.id,
        submitted_by_id=None,
        raw=form(),
        uploads=[Upload("declaration_pdf", "d.pdf", body)],
        settings=settings,
    )


def _crash_before_commit(engine: Engine, world: World, settings: Settings, body: bytes) -> None:
    """As a process killed after writing the file and before committing leaves it."""
    with Session(engine) as db:
        _submit(db, world, settings, body)
        db.info.pop(files.PENDING_KEY)  # the dead process forgets its file...
        db.rollback()  # ...and its transaction never commits


def _crash_after_commit(engine: Engine, world: World, settings: Settings, body: bytes) -> None:
    """As a process killed between committing the row and publishing the file leaves it."""
    with Session(engine) as db:
        _submit(db, world, settings, body)
        db.info.pop(files.PENDING_KEY)
        db.commit()


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _on_disk(settings: Settings) -> set[str]:
    data_dir = Path(settings.data_dir)
    return {str(p.relative_to(data_dir)) for p in data_dir.rglob("*") if p.is_file()}


def _evidence(session: Session) -> dict[int, str]:
    session.rollback()
    return {row.id: row.sha256 for row in session.exec(select(EvidenceFile))}  # type: ignore[misc]


def _sweeps(session: Session) -> list[AuditEvent]:
    session.rollback()
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == "files.swept")))


def _bodies(count: int) -> list[bytes]:
    return [pdf_factory.english_declaration(declared(pcf=f"4.{20 + n}")) for n in range(count)]


def test_the_sweep_removes_what_crashes_left_and_nothing_else(
    engine: Engine, world: World, settings: Settings, session: Session
) -> None:
    kept, crashed, recent, committed = _bodies(4)
    data_dir = Path(settings.data_dir)
    with Session(engine) as db:
        _submit(db, world, settings, kept)
        db.commit()
    _crash_before_commit(engine, world, settings, crashed)
    _crash_before_commit(engine, world, settings, recent)
    _crash_after_commit(engine, world, settings, committed)
    orphan = files.path_for(data_dir, "ab" * 32)  # a complete PDF of old, without a row
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"%PDF-1.4 orphan")
    old_style = orphan.parent / ".upload-x1y2z3.part"  # as older versions named them
    old_style.write_bytes(b"%PDF-1.4 half")
    for path in data_dir.rglob("*"):
        if path.is_file() and files.sha256_of(recent)[:16] not in path.name:
            _age(path, TWO_HOURS_S)
    evidence_before = _evidence(session)

    report = leftovers.sweep(data_dir=data_dir, engine=engine, actor=ACTOR)

    crashed_part = next(name for name in report.removed_temporary if "x1y2z3" not in name)
    assert files.sha256_of(crashed) in crashed_part
    assert sorted(report.removed_temporary) == sorted(
        [crashed_part, str(old_style.relative_to(data_dir))]
    )
    assert report.removed_unreferenced == [str(orphan.relative_to(data_dir))]
    assert (
        report.published
        == [name for name in report.published if files.sha256_of(committed) in name]
        and len(report.published) == 1
    )
    assert report.bytes_removed == len(crashed) + len(b"%PDF-1.4 orphan") + len(b"%PDF-1.4 half")
    assert _evidence(session) == evidence_before  # rows untouched
    for body in (kept, committed):
        assert files.path_for(data_dir, files.sha256_of(body)).read_bytes() == body
    # The upload of a minute ago may still be a writer at work: left alone.
    assert any(files.sha256_of(recent) in name for name in _on_disk(settings))
    (entry,) = _sweeps(session)
    assert entry.after is not None and entry.after["removed_count"] == 3
    assert entry.after["published_count"] == 1 and entry.actor == "test"
    assert verify_chain(session).ok

    again = leftovers.sweep(data_dir=data_dir, engine=engine, actor=ACTOR)
    assert again.removed == [] and again.published == []
    assert len(_sweeps(session)) == 1  # nothing done, nothing recorded


def test_a_file_committed_but_not_published_is_served_and_published_on_first_read(
    client: TestClient, engine: Engine, world: World, settings: Settings, session: Session
) -> None:
    (body,) = _bodies(1)
    _crash_after_commit(engine, world, settings, body)
    final = files.path_for(Path(settings.data_dir), files.sha256_of(body))
    assert not final.exists()
    declaration_id = session.exec(select(Declaration.id)).one()
    session_id = start_session(session, world.esg)
    session.commit()
    client.cookies.set(SESSION_COOKIE, session_id)

    answer = client.get(f"/declarations/{declaration_id}/files/declaration")
    assert answer.status_code == 200 and answer.content == body
    assert final.read_bytes() == body
    assert not any(name.endswith(".part") for name in _on_disk(settings))


def test_portal_files_gc_prints_what_it_removed(
    engine: Engine, world: World, settings: Settings, session: Session
) -> None:
    (crashed,) = _bodies(1)
    _crash_before_commit(engine, world, settings, crashed)
    for path in Path(settings.data_dir).rglob("*.part"):
        _age(path, TWO_HOURS_S)

    result = CliRunner().invoke(cli, ["files", "gc"])
    assert result.exit_code == 0, result.output
    assert f"removed temporary file {files.sha256_of(crashed)[:2]}/.upload-" in result.output
    assert f"1 files removed ({len(crashed):,} bytes), 0 published" in result.output
    assert _on_disk(settings) == set()
    assert _sweeps(session)[0].actor == "command line: portal files gc"

    result = CliRunner().invoke(cli, ["files", "gc"])
    assert result.exit_code == 0 and "0 files removed (0 bytes), 0 published" in result.output


def test_files_younger_than_the_minimum_age_are_left_unless_asked(
    engine: Engine, world: World, settings: Settings
) -> None:
    (crashed,) = _bodies(1)
    _crash_before_commit(engine, world, settings, crashed)
    result = CliRunner().invoke(cli, ["files", "gc"])
    assert "0 files removed" in result.output and len(_on_disk(settings)) == 1
    result = CliRunner().invoke(cli, ["files", "gc", "--min-age-minutes", "0"])
    assert "1 files removed" in result.output and _on_disk(settings) == set()


def test_a_starting_portal_sweeps_in_the_background(
    engine: Engine, world: World, settings: Settings, session: Session
) -> None:
    from portal.app import create_app

    (crashed,) = _bodies(1)
    _crash_before_commit(engine, world, settings, crashed)
    for path in Path(settings.data_dir).rglob("*.part"):
        _age(path, TWO_HOURS_S)
    portal = create_app()
    with TestClient(portal, base_url="http://127.0.0.1:8000") as started:
        assert started.get("/healthz").status_code == 200
        sweep: threading.Thread = portal.state.file_sweep
        sweep.join(30)
        assert not sweep.is_alive()
    assert _on_disk(settings) == set()
    assert _sweeps(session)[0].actor == "file sweep at start"


# --- a real server, killed ------------------------------------------------------------------


def _kill(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)  # the server and its PDF readers, as a crash would
    process.wait(timeout=10)


def _browser(session: Session, world: World, url: str) -> tuple[httpx.Client, str]:
    session_id = start_session(session, world.acme_user)
    session.commit()
    stored = session.get(WebSession, sha256_hex(session_id))
    assert stored is not None
    token = csrf_token_for(stored.csrf_secret, get_settings())
    client = httpx.Client(base_url=url, cookies={SESSION_COOKIE: session_id}, timeout=60)
    return client, token


def _multipart(token: str, body: bytes) -> tuple[str, bytes]:
    boundary = "----killed" + os.urandom(8).hex()
    fields = {**form(), "csrf_token": token}
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'
            )
    head = "".join(parts) + (
        f'--{boundary}\r\nContent-Disposition: form-data; name="declaration_pdf"; '
        f'filename="d.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    )
    return f"multipart/form-data; boundary={boundary}", (
        head.encode() + body + f"\r\n--{boundary}--\r\n".encode()
    )


def _kill_mid_upload(url: str, process: subprocess.Popen[bytes], token: str, cookie: str) -> None:
    """Send half of a 20 MiB upload, then kill the server."""
    big = pdf()[1] + b"%" * (20 * 1024 * 1024 - 4096)
    content_type, body = _multipart(token, big)
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(
            (
                f"POST /declarations HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                f"Origin: {url}\r\nCookie: {SESSION_COOKIE}={cookie}\r\n\r\n"
            ).encode()
            + body[: len(body) // 2]
        )
        time.sleep(0.5)
        _kill(process)


def _kill_after_write_before_commit(
    url: str, process: subprocess.Popen[bytes], client: httpx.Client, token: str, engine: Engine
) -> None:
    """Hold up the evidence row's insert (PostgreSQL table lock) and kill once the file is down."""
    data_dir = Path(get_settings().data_dir)
    before = set(data_dir.rglob(".upload-*.part"))
    content_type, body = _multipart(token, _bodies(2)[1])
    with engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE evidence_file IN EXCLUSIVE MODE"))

        def upload() -> None:
            with suppress(httpx.HTTPError):  # the server dies under it, as planned
                client.post(
                    "/declarations",
                    content=body,
                    headers={"Content-Type": content_type, "Origin": url},
                )

        uploading = threading.Thread(target=upload)
        uploading.start()
        deadline = time.monotonic() + 30
        while not set(data_dir.rglob(".upload-*.part")) - before:
            assert time.monotonic() < deadline, "the upload never wrote its file"
            time.sleep(0.005)
        _kill(process)
        blocker.rollback()
    uploading.join(30)


def test_a_server_killed_during_uploads_leaves_nothing_after_gc_and_loses_no_evidence(
    backend: str, world: World, settings: Settings, session: Session, engine: Engine
) -> None:
    first = _bodies(1)[0]
    with portal_serve(settings) as (url, process):
        client, token = _browser(session, world, url)
        content_type, body = _multipart(token, first)
        stored = client.post(
            "/declarations", content=body, headers={"Content-Type": content_type, "Origin": url}
        )
        assert stored.status_code == 303, stored.text
        evidence = _evidence(session)
        assert len(evidence) == 1
        _kill_mid_upload(url, process, token, client.cookies[SESSION_COOKIE])
    if backend.startswith("postgresql"):
        with portal_serve(settings) as (url, process):
            client, token = _browser(session, world, url)
            _kill_after_write_before_commit(url, process, client, token, engine)
        left = {name for name in _on_disk(settings) if name.endswith(".part")}
        assert len(left) == 1, _on_disk(settings)  # the killed upload's file, never published

    for path in Path(settings.data_dir).rglob("*"):
        if path.is_file():
            _age(path, TWO_HOURS_S)  # an hour and more later
    gc = subprocess.run(
        [str(PORTAL), "files", "gc"],
        env={
            **os.environ,
            "PORTAL_ENV": "test",
            "PORTAL_DATABASE_URL": settings.database_url,
            "PORTAL_DATA_DIR": str(settings.data_dir),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert gc.returncode == 0, gc.stderr

    # No orphan: every file on disk is the published file of a committed evidence row.
    assert _evidence(session) == evidence
    expected = {f"{sha[:2]}/{sha}.pdf" for sha in evidence.values()}
    assert _on_disk(settings) == expected
    removed = 1 if backend.startswith("postgresql") else 0  # the file killed before its commit
    assert gc.stdout.splitlines()[-1].startswith(f"{removed} files removed")
    with portal_serve(settings) as (url, _process):
        client, _token = _browser(session, world, url)
        declaration_id = session.exec(select(func.min(Declaration.id))).one()
        answer = client.get(f"/declarations/{declaration_id}/files/declaration")
        assert answer.status_code == 200 and answer.content == first
