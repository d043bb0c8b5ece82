"""Files are written, committed, then published; a failed transaction takes what it wrote."""

from __future__ import annotations

import threading
from pathlib import Path

import pdf_factory
import pytest
from declarations_helpers import World, declared, form, pdf, signed_in
from fastapi.testclient import TestClient
from helpers import csrf_from
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal.audit import Actor
from portal.config import Settings
from portal.declarations import files, service
from portal.declarations.models import Declaration, EvidenceFile
from portal.declarations.service import Upload

ACTOR = Actor(label="test")


@pytest.fixture(autouse=True)
def files_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk's write-then-publish protocol, which PostgreSQL too uses when told to."""
    monkeypatch.setenv("PORTAL_FILE_STORE", "disk")


def submit_directly(db: Session, world: World, settings: Settings, body: bytes) -> Declaration:
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


def path_of(settings: Settings, body: bytes) -> Path:
    return files.path_for(settings.data_dir, files.sha256_of(body))


def temporary_files(settings: Settings) -> list[Path]:
    return list(Path(settings.data_dir).rglob(".upload-*.part"))


def test_a_rolled_back_submission_removes_the_file_it_wrote(
    engine: Engine, world: World, settings: Settings
) -> None:
    body = pdf_factory.english_declaration(declared())
    with Session(engine) as db:
        submit_directly(db, world, settings, body)
        (written,) = temporary_files(settings)  # written and synced, not yet published
        assert written.read_bytes() == body
        assert not path_of(settings, body).exists()
        db.rollback()
    assert not path_of(settings, body).exists()
    assert temporary_files(settings) == []


def test_a_session_closed_without_commit_removes_the_file_too(
    engine: Engine, world: World, settings: Settings
) -> None:
    body = pdf_factory.english_declaration(declared(pcf="4.20"))
    with Session(engine) as db:
        submit_directly(db, world, settings, body)
    assert not path_of(settings, body).exists()


def test_a_committed_submission_keeps_its_file(
    engine: Engine, world: World, settings: Settings
) -> None:
    body = pdf_factory.english_declaration(declared())
    with Session(engine) as db:
        submit_directly(db, world, settings, body)
        db.commit()
    assert path_of(settings, body).read_bytes() == body  # published once committed
    assert temporary_files(settings) == []


def test_a_failed_resubmission_of_the_same_file_leaves_the_earlier_records_file(
    engine: Engine, world: World, settings: Settings
) -> None:
    body = pdf_factory.english_declaration(declared())
    with Session(engine) as db:
        submit_directly(db, world, settings, body)
        db.commit()
    with Session(engine) as db:
        submit_directly(db, world, settings, body)
        db.rollback()
    assert path_of(settings, body).exists()


def test_a_concurrent_submission_of_the_same_file_waits_and_keeps_its_file(
    engine: Engine, world: World, settings: Settings
) -> None:
    body = pdf_factory.english_declaration(declared())
    outcome: dict[str, object] = {}

    def second_supplier_request() -> None:
        with Session(engine) as db:
            try:
                outcome["id"] = submit_directly(db, world, settings, body).id
                db.commit()
            except Exception as error:  # reported below
                outcome["error"] = error

    first = Session(engine)
    try:
        submit_directly(first, world, settings, body)  # holds the write lock, file written
        thread = threading.Thread(target=second_supplier_request)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # the second writer waits for the first to finish
        first.rollback()  # ...which fails and removes its new file
    finally:
        first.close()
    thread.join(30)
    assert "error" not in outcome, outcome
    assert path_of(settings, body).read_bytes() == body  # written again by the second
    assert temporary_files(settings) == []


def test_when_the_commit_fails_after_the_file_was_written_nothing_is_left(
    client: TestClient,
    world: World,
    session: Session,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signed_in(client, world.acme_user)
    token = csrf_from(client.get("/declarations/new").text)

    def failing_commit(self: Session) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Session, "commit", failing_commit)
    with pytest.raises(RuntimeError, match="went away"):
        client.post(
            "/declarations",
            data={**form(), "csrf_token": token},
            files={"declaration_pdf": pdf()},
        )
    monkeypatch.undo()
    assert [path for path in Path(settings.data_dir).rglob("*") if path.is_file()] == []
    assert session.exec(select(Declaration)).first() is None
    assert session.exec(select(EvidenceFile)).first() is None


def test_stored_names_cannot_escape_the_data_directory(settings: Settings) -> None:
    with pytest.raises(ValueError):
        files.path_for(settings.data_dir, "../../etc/passwd")
    assert files.read(settings.data_dir, "0" * 63 + "/") is None
