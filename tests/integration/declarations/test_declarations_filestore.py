"""Evidence files live in PostgreSQL when the portal's database is PostgreSQL (every server reads
them), on disk with SQLite; `portal files migrate` moves them either way, verified, and
`portal files gc` removes blobs no evidence file refers to.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pdf_factory
import pytest
from declarations_helpers import World, declared, form, signed_in, submit, submitted_id
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from portal.audit import Actor, AuditEvent, verify_chain
from portal.cli import app as cli
from portal.config import Settings
from portal.declarations import files, filestore, service
from portal.declarations.models import EvidenceBlob
from portal.declarations.service import Upload

ACTOR = Actor(label="test")


def _on_disk(settings: Settings) -> dict[str, bytes]:
    data_dir = Path(settings.data_dir)
    return {
        str(p.relative_to(data_dir)): p.read_bytes() for p in data_dir.rglob("*") if p.is_file()
    }


def _blobs(session: Session) -> dict[str, str]:
    """Each blob's name and the SHA-256 of the bytes the database holds under it."""
    session.rollback()
    rows = session.execute(text("SELECT sha256, content FROM evidence_blob")).all()
    return {name: hashlib.sha256(content).hexdigest() for name, content in rows}


def _moves(session: Session) -> list[AuditEvent]:
    session.rollback()
    statement = select(AuditEvent).where(AuditEvent.action == "files.moved")
    return list(session.exec(statement.order_by(AuditEvent.id)))  # type: ignore[arg-type]


def _name(body: bytes) -> str:
    sha256 = files.sha256_of(body)
    return f"{sha256[:2]}/{sha256}.pdf"


def _needs_postgres(settings: Settings) -> None:
    if not settings.uses_postgres:
        pytest.skip("SQLite keeps evidence files on disk only")


def _submit_on_disk(engine: Engine, world: World, settings: Settings, *bodies: bytes) -> None:
    """Declarations whose PDFs are on disk, as every file was before PostgreSQL held them."""
    on_disk = settings.model_copy(update={"file_store": "disk"})
    assert world.acme.id is not None
    for body in bodies:
        with Session(engine) as db:
            service.submit(
                db,
                actor=ACTOR,
                supplier_id=world.acme.id,
                submitted_by_id=None,
                raw=form(),
                uploads=[Upload("declaration_pdf", "d.pdf", body)],
                settings=on_disk,
            )
            db.commit()


def _bodies(count: int) -> list[bytes]:
    return [pdf_factory.english_declaration(declared(pcf=f"4.{20 + n}")) for n in range(count)]


def _download(client: TestClient, declaration_id: int) -> bytes:
    answer = client.get(f"/declarations/{declaration_id}/files/declaration")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-length"] == str(len(answer.content))
    return answer.content


def test_an_uploaded_pdf_downloads_as_the_same_bytes_from_its_store(
    client: TestClient, world: World, settings: Settings, session: Session
) -> None:
    (body,) = _bodies(1)
    signed_in(client, world.acme_user)
    declaration_id = submitted_id(
        submit(client, files={"declaration_pdf": ("d.pdf", body, "application/pdf")})
    )
    assert _download(client, declaration_id) == body
    api = client.get(f"/api/v1/declarations/{declaration_id}/files/declaration")
    assert api.status_code == 200 and api.content == body

    if settings.uses_postgres:
        # In the database, with the evidence row: nothing at all under the data directory.
        assert _blobs(session) == {files.sha256_of(body): files.sha256_of(body)}
        assert _on_disk(settings) == {}
    else:
        assert _on_disk(settings) == {_name(body): body}
        assert _blobs(session) == {}


def test_a_blob_is_read_back_in_chunks(engine: Engine, settings: Settings) -> None:
    _needs_postgres(settings)
    # 2.5 MiB in chunks of 1 MiB: 1 MiB, 1 MiB, then the last 0.5 MiB.
    data = os.urandom(5 * filestore.CHUNK_BYTES // 2)
    with Session(engine) as db:
        sha256 = filestore.store(db, settings, data)
        db.commit()
    with Session(engine) as db:
        stored = filestore.open_stored(db, settings, sha256)
        assert stored is not None and stored.size_bytes == len(data)
        chunks = list(stored.chunks)
    assert [len(chunk) for chunk in chunks] == [1 << 20, 1 << 20, 1 << 19]
    assert b"".join(chunks) == data
    with Session(engine) as db:  # the same bytes again are stored once
        assert filestore.store(db, settings, data) == sha256
        db.commit()
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(EvidenceBlob)).one() == 1


def test_migrate_moves_files_to_the_database_and_back_verified_and_only_once(
    client: TestClient, engine: Engine, world: World, settings: Settings, session: Session
) -> None:
    _needs_postgres(settings)
    first, second = _bodies(2)
    _submit_on_disk(engine, world, settings, first, second)
    assert set(_on_disk(settings)) == {_name(first), _name(second)}
    declaration_ids = list(
        session.execute(text("SELECT id FROM declaration ORDER BY id")).scalars()
    )
    signed_in(client, world.esg)

    moved = CliRunner().invoke(cli, ["files", "migrate", "--to", "database"])
    assert moved.exit_code == 0, moved.output
    for body in (first, second):
        assert f"moved {_name(body)} to the database (SHA-256 verified)" in moved.output
    total = len(first) + len(second)
    assert f"2 files moved to the database ({total:,} bytes), 0 already there, 0 refused" in (
        moved.output
    )
    assert "note:" not in moved.output  # new uploads go to the database already
    # Each blob holds bytes hashing to its name; the disk copies are gone.
    assert _blobs(session) == {files.sha256_of(b): files.sha256_of(b) for b in (first, second)}
    assert _on_disk(settings) == {}
    assert [_download(client, row) for row in declaration_ids] == [first, second]
    assert [(m.entity_id, m.after) for m in _moves(session)] == [
        (
            files.sha256_of(body),
            {
                "sha256": files.sha256_of(body),
                "size_bytes": len(body),
                "from": "disk",
                "to": "database",
                "already_there": False,
            },
        )
        for body in sorted((first, second), key=files.sha256_of)
    ]

    again = CliRunner().invoke(cli, ["files", "migrate", "--to", "database"])
    assert again.exit_code == 0, again.output
    assert again.output.strip() == (
        "0 files moved to the database (0 bytes), 0 already there, 0 refused"
    )
    assert len(_moves(session)) == 2  # nothing done, nothing recorded

    back = CliRunner().invoke(cli, ["files", "migrate", "--to", "disk"])
    assert back.exit_code == 0, back.output
    assert f"moved {_name(first)} to disk (SHA-256 verified)" in back.output
    assert f"2 files moved to disk ({total:,} bytes), 0 already there, 0 refused" in back.output
    assert "set PORTAL_FILE_STORE=disk" in back.output  # auto on PostgreSQL is the database
    assert _on_disk(settings) == {_name(first): first, _name(second): second}
    assert _blobs(session) == {}
    assert [_download(client, row) for row in declaration_ids] == [first, second]
    assert [m.after["to"] for m in _moves(session) if m.after] == ["database"] * 2 + ["disk"] * 2

    again = CliRunner().invoke(cli, ["files", "migrate", "--to", "disk"])
    assert again.exit_code == 0, again.output
    assert "0 files moved to disk (0 bytes), 0 already there, 0 refused" in again.output
    assert len(_moves(session)) == 4
    assert verify_chain(session).ok


def test_a_file_left_in_both_places_by_a_crash_only_loses_its_source(
    engine: Engine, world: World, settings: Settings, session: Session
) -> None:
    _needs_postgres(settings)
    (body,) = _bodies(1)
    _submit_on_disk(engine, world, settings, body)
    path = files.path_for(Path(settings.data_dir), files.sha256_of(body))
    assert CliRunner().invoke(cli, ["files", "migrate", "--to", "database"]).exit_code == 0
    # As a crash after the commit, before the disk copy was removed, leaves it.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)

    result = CliRunner().invoke(cli, ["files", "migrate", "--to", "database"])
    assert result.exit_code == 0, result.output
    assert (
        f"{_name(body)} was in the database already (SHA-256 verified): removed from disk"
        in result.output
    )
    assert "0 files moved to the database (0 bytes), 1 already there, 0 refused" in result.output
    assert not path.exists()
    assert [m.after["already_there"] for m in _moves(session) if m.after] == [False, True]


def test_migrate_refuses_a_file_whose_bytes_do_not_match_its_hash_and_leaves_it(
    engine: Engine, world: World, settings: Settings, session: Session
) -> None:
    _needs_postgres(settings)
    sound, damaged = _bodies(2)
    _submit_on_disk(engine, world, settings, sound, damaged)
    damaged_path = files.path_for(Path(settings.data_dir), files.sha256_of(damaged))
    garbled = damaged[:-10] + b"0123456789"  # same length, other bytes: another hash
    damaged_path.write_bytes(garbled)

    result = CliRunner().invoke(cli, ["files", "migrate", "--to", "database"])
    assert result.exit_code == 1, result.output
    assert (
        f"refused {_name(damaged)}: its bytes hash to {files.sha256_of(garbled)}, "
        "not its name; left on disk"
    ) in result.output
    assert f"1 files moved to the database ({len(sound):,} bytes), 0 already there, 1 refused" in (
        result.output
    )
    assert damaged_path.read_bytes() == garbled  # left alone, as it was
    assert _blobs(session) == {files.sha256_of(sound): files.sha256_of(sound)}
    assert [m.entity_id for m in _moves(session)] == [files.sha256_of(sound)]


def test_migrate_to_disk_refuses_a_damaged_blob_and_keeps_it(
    engine: Engine, world: World, settings: Settings, session: Session
) -> None:
    _needs_postgres(settings)
    (body,) = _bodies(1)
    sha256 = files.sha256_of(body)
    with Session(engine) as db:
        filestore.store(db, settings, body)
        db.commit()
    garbled = b"not the PDF"
    session.execute(
        text("UPDATE evidence_blob SET content = :c WHERE sha256 = :h"), {"c": garbled, "h": sha256}
    )
    session.commit()

    result = CliRunner().invoke(cli, ["files", "migrate", "--to", "disk"])
    assert result.exit_code == 1, result.output
    assert (
        f"refused {_name(body)}: the database's bytes hash to {files.sha256_of(garbled)}, "
        "not its name; left in the database"
    ) in result.output
    assert _on_disk(settings) == {}  # not even a temporary file
    assert _blobs(session) == {sha256: files.sha256_of(garbled)}
    assert _moves(session) == []


def test_files_in_the_database_need_postgresql() -> None:
    with pytest.raises(ValidationError, match="PORTAL_FILE_STORE=database"):
        Settings(database_url="sqlite:///portal.db", file_store="database")
    on_postgres = Settings(database_url="postgresql://db/portal", file_store="auto")
    assert filestore.store_of(on_postgres) == "database"
    assert (
        filestore.store_of(Settings(database_url="sqlite:///portal.db", file_store="auto"))
        == "disk"
    )
    assert filestore.store_of(on_postgres.model_copy(update={"file_store": "disk"})) == "disk"


def test_migrate_to_the_database_is_refused_on_sqlite(settings: Settings) -> None:
    if settings.uses_postgres:
        pytest.skip("PostgreSQL holds files")
    result = CliRunner().invoke(cli, ["files", "migrate", "--to", "database"])
    assert result.exit_code == 2
    assert "evidence files stay on disk with SQLite" in result.output
    result = CliRunner().invoke(cli, ["files", "migrate", "--to", "disk"])  # nothing to move
    assert result.exit_code == 0
    assert "0 files moved to disk (0 bytes), 0 already there, 0 refused" in result.output


def test_gc_removes_blobs_no_evidence_file_refers_to(
    client: TestClient, world: World, settings: Settings, session: Session, engine: Engine
) -> None:
    _needs_postgres(settings)
    kept, orphan, young = _bodies(3)
    signed_in(client, world.acme_user)
    declaration_id = submitted_id(
        submit(client, files={"declaration_pdf": ("d.pdf", kept, "application/pdf")})
    )
    with Session(engine) as db:  # bytes stored whose evidence row is gone (or never came)
        filestore.store(db, settings, orphan)
        db.commit()
    session.execute(text("UPDATE evidence_blob SET stored_at = stored_at - interval '2 hours'"))
    session.commit()
    with Session(engine) as db:
        filestore.store(db, settings, young)
        db.commit()

    result = CliRunner().invoke(cli, ["files", "gc"])
    assert result.exit_code == 0, result.output
    # Only the orphan: the kept file is referred to, the young one is under an hour old.
    assert f"removed unreferenced database blob {files.sha256_of(orphan)}" in result.output
    assert f"1 files removed ({len(orphan):,} bytes), 0 published" in result.output
    assert set(_blobs(session)) == {files.sha256_of(kept), files.sha256_of(young)}
    sweeps = session.exec(select(AuditEvent).where(AuditEvent.action == "files.swept")).all()
    assert len(sweeps) == 1 and sweeps[0].after is not None
    assert sweeps[0].after["removed_blobs"] == [files.sha256_of(orphan)]
    assert sweeps[0].after["bytes_removed"] == len(orphan)

    result = CliRunner().invoke(cli, ["files", "gc", "--min-age-minutes", "0"])
    assert "1 files removed" in result.output
    assert set(_blobs(session)) == {files.sha256_of(kept)}
    signed_in(client, world.esg)
    assert _download(client, declaration_id) == kept
