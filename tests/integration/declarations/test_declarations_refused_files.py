"""Hostile and broken files are refused with a clear message and leave nothing behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pdf_factory
import pytest
from declarations_helpers import World, form, pdf, signed_in, submit
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from portal import config, db
from portal.app import create_app
from portal.config import Settings
from portal.declarations.models import Declaration, EvidenceFile

REFUSED: list[tuple[str, Callable[[], bytes], str]] = [
    ("not_a_pdf", pdf_factory.not_a_pdf, "The file is not a PDF"),
    ("encrypted", pdf_factory.encrypted_pdf, "encrypted or password-protected"),
    ("truncated", pdf_factory.truncated_pdf, "damaged or incomplete"),
    ("bomb", pdf_factory.flate_bomb_pdf, "decompression bomb"),
    ("too_many_pages", pdf_factory.many_pages_pdf, "pages; at most 50 are accepted"),
    ("empty", pdf_factory.empty_file, "The file is empty."),
]


def stored_files(settings: Settings) -> list[Path]:
    return [path for path in Path(settings.data_dir).rglob("*") if path.is_file()]


@pytest.mark.parametrize(("name", "make", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_refused_declaration_pdf_names_the_field_and_leaves_no_record_or_file(
    client: TestClient,
    world: World,
    session: Session,
    settings: Settings,
    name: str,
    make: Callable[[], bytes],
    reason: str,
) -> None:
    signed_in(client, world.acme_user)
    response = submit(
        client, files={"declaration_pdf": ("declaration.pdf", make(), "application/pdf")}
    )
    assert response.status_code == 422
    assert "Declaration or CFP study report (PDF): the file declaration.pdf was refused." in (
        response.text
    )
    assert reason in response.text
    assert 'id="error-declaration_pdf"' in response.text
    assert session.exec(select(Declaration)).first() is None
    assert session.exec(select(EvidenceFile)).first() is None
    assert stored_files(settings) == []


def test_a_refused_second_file_keeps_the_good_first_one_from_being_stored(
    client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    signed_in(client, world.acme_user)
    response = submit(
        client,
        files={
            "declaration_pdf": pdf(),
            "verification_pdf": ("statement.pdf", pdf_factory.encrypted_pdf(), "application/pdf"),
        },
    )
    assert response.status_code == 422
    assert "Verification statement (PDF): the file statement.pdf was refused." in response.text
    assert session.exec(select(Declaration)).first() is None
    assert stored_files(settings) == []


def test_the_refusal_is_in_chinese_for_a_chinese_user(client: TestClient, world: World) -> None:
    signed_in(client, world.acme_user)
    client.cookies.set("portal_lang", "zh")
    response = submit(
        client, files={"declaration_pdf": ("声明.pdf", pdf_factory.not_a_pdf(), "application/pdf")}
    )
    assert response.status_code == 422
    assert "该文件不是 PDF 文件" in response.text


@pytest.fixture
def small_limits_client(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """A portal that accepts PDFs of at most 1 MB and reads each for at most 2 seconds."""
    monkeypatch.setenv("PORTAL_MAX_UPLOAD_MB", "1")
    monkeypatch.setenv("PORTAL_PDF_TIMEOUT_S", "2")
    config.get_settings.cache_clear()
    with TestClient(
        create_app(), base_url="http://127.0.0.1:8000", headers={"Accept-Language": "en"}
    ) as test_client:
        yield test_client
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()


def test_files_over_the_size_limit_and_slow_files_are_refused(
    small_limits_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    signed_in(small_limits_client, world.acme_user)
    too_large = pdf_factory.oversized_pdf(1_200_000)
    response = submit(
        small_limits_client,
        files={"declaration_pdf": ("big.pdf", too_large, "application/pdf")},
    )
    assert response.status_code == 422
    assert "at most 1.0 MiB are accepted" in response.text

    response = submit(
        small_limits_client,
        data=form(),
        files={"declaration_pdf": ("slow.pdf", pdf_factory.slow_pdf(), "application/pdf")},
    )
    assert response.status_code == 422
    assert "took longer than 2.0 seconds" in response.text
    assert session.exec(select(Declaration)).first() is None
    assert stored_files(settings) == []
