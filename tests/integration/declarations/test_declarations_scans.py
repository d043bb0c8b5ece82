"""A scanned declaration is read by OCR, and a person confirms the figure OCR read."""

from __future__ import annotations

import pdf_factory
import pytest
from declarations_helpers import World, declared, form, signed_in, submit, submitted_id
from fastapi.testclient import TestClient
from helpers import csrf_from
from pdf_scans import Line, Scan, scanned_pdf
from sqlmodel import Session, select

from portal.declarations.models import Declaration, EvidenceFile
from portal.pdfreading import PdfReading
from portal.security import create_api_token


@pytest.fixture(autouse=True)
def _patient_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reading limit of 40 s (OCR gets 28 s): OCR takes about 1 s here, but the worker runs
    niced on a machine the test run shares; the 10 s default would make the test flaky."""
    monkeypatch.setenv("PORTAL_PDF_TIMEOUT_S", "40")


def _scanned_declaration() -> bytes:
    """The English declaration of `declared()` (4.2 tCO2e/t) printed, stamped and scanned."""
    lines = pdf_factory.english_declaration_lines(declared())
    placed = [Line(50, 60 + 20 * index, text, 11) for index, text in enumerate(lines)]
    scan = Scan(stamp="SGS VERIFIED", stamp_at=(470, 260), tilt_deg=0.6, seed=21)
    return scanned_pdf([placed], scan)


def test_a_scanned_declaration_is_read_by_ocr_and_a_person_confirms_its_figure(
    client: TestClient, world: World, session: Session
) -> None:
    signed_in(client, world.acme_user)
    # The form says 4,200 kg CO2e per tonne, the scan 4.2 tCO2e/t: the same figure, but read
    # from an image, so the portal does not accept it on its own.
    declaration_id = submitted_id(
        submit(
            client,
            data=form(),
            files={"declaration_pdf": ("scan.pdf", _scanned_declaration(), "application/pdf")},
        )
    )

    stored = session.get(Declaration, declaration_id)
    assert stored is not None and stored.status == "in_review"
    [mismatch] = [m for m in stored.pdf_mismatches if m["field"] == "pcf"]
    assert mismatch["kind"] == "needs_person"
    assert mismatch["pdf_value"] == "4.2 tCO2e/t"
    assert "read by OCR from an image on page 1" in mismatch["reason_en"]
    assert "Product carbon footprint" in mismatch["reason_en"]  # the OCR'd text itself
    assert "OCR" in mismatch["reason_zh"]
    # Names and numbers read by OCR are shown, not held against the form.
    assert {m["field"] for m in stored.pdf_mismatches} == {"pcf"}
    evidence = session.exec(select(EvidenceFile)).one()
    assert not evidence.has_text_layer
    reading = PdfReading.from_dict(evidence.reading)
    assert reading.ocr_pages == (1,)
    assert reading.footprint is not None and reading.footprint.source == "ocr"
    assert {field.source for field in reading.fields} == {"ocr"}

    supplier_page = client.get(f"/declarations/{declaration_id}").text
    assert 'id="ocr-declaration"' in supplier_page and "pages read by OCR: 1" in supplier_page
    assert "read by OCR" in supplier_page

    # An ERP reading the declaration through the API sees the same marks.
    _token, plain = create_api_token(session, world.acme_user, "ERP")
    session.commit()
    api = client.get(
        f"/api/v1/declarations/{declaration_id}", headers={"Authorization": f"Bearer {plain}"}
    ).json()
    assert api["files"][0]["reading"]["ocr_pages"] == [1]
    assert {field["source"] for field in api["files"][0]["reading"]["fields"]} == {"ocr"}

    signed_in(client, world.esg)
    review = client.get(f"/review/{declaration_id}").text
    assert "read by OCR from an image on page 1" in review
    assert reading.footprint.snippet in review  # the OCR'd snippet, as the reviewer sees it
    assert 'id="candidates-declaration"' in review
    # The reviewer confirms the figure OCR read with one click.
    token = csrf_from(review)
    answer = client.post(
        f"/review/{declaration_id}/footprint",
        data={"document": "declaration", "candidate": "0", "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    session.expire_all()
    confirmed = session.get(Declaration, declaration_id)
    assert confirmed is not None
    assert [m for m in confirmed.pdf_mismatches if m["field"] == "pcf"] == []


def test_a_chinese_reviewer_reads_why_in_chinese(
    client: TestClient, world: World, session: Session
) -> None:
    signed_in(client, world.acme_user)
    declaration_id = submitted_id(
        submit(
            client,
            files={"declaration_pdf": ("scan.pdf", _scanned_declaration(), "application/pdf")},
        )
    )
    stored = session.get(Declaration, declaration_id)
    assert stored is not None
    [mismatch] = stored.pdf_mismatches
    assert "通过 OCR 从第 1 页的图像中读取" in mismatch["reason_zh"]
    assert "需要人工确认" in mismatch["reason_zh"]
