"""NUL and control characters: refused at the door naming the field; stored ones never break
an export.

Each probe below answered 500 on PostgreSQL before the door check (PostgreSQL cannot store or
compare a NUL), the anonymous sign-in included; a purchase whose exception reason held U+0001
made the year's XLSX export answer 500 on both databases.
"""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from declarations_helpers import World, api_fields, form, pdf
from fastapi.testclient import TestClient
from hardening_helpers import Stored, bearer, browse_as, multipart
from helpers import csrf_from, make_supplier
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import Session

from portal.config import Settings

QUESTION = {
    "supplier": "YNSD",
    "material": "al_primary_ingot",
    "quantity_t": "25",
    "date": "2026-04-01",
    "product_line": "alloy",
}
PURCHASE = {**QUESTION, "po_number": "PO-1", "exception_reason": "no declaration yet"}


@dataclass(frozen=True)
class Probe:
    """One request carrying a bad character, and the field the answer must name."""

    role: str | None  # who sends it (None: nobody signed in)
    method: str
    path: str
    field: str
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    form_page: str | None = None  # where the form's CSRF token comes from


PROBES = [
    pytest.param(
        Probe(None, "POST", "/login", "email", form={"email": "a\x00@x.cn", "password": "x"},
              form_page="/login"),
        id="anonymous_sign_in",
    ),
    pytest.param(
        Probe("buyer", "POST", "/checks", "supplier", form={**QUESTION, "supplier": "YN\x00SD"},
              form_page="/checks"),
        id="check_form",
    ),
    pytest.param(
        Probe("buyer", "POST", "/api/v1/checks", "supplier",
              json={**QUESTION, "supplier": "YN\x00SD"}),
        id="check_api",
    ),
    pytest.param(
        Probe("buyer", "POST", "/api/v1/purchases", "exception_reason",
              json={**PURCHASE, "exception_reason": "agreed\x00"}),
        id="purchase_reason_nul",
    ),
    pytest.param(
        Probe("buyer", "POST", "/api/v1/purchases", "exception_reason",
              json={**PURCHASE, "exception_reason": "agreed \x01 by phone"}),
        id="purchase_reason_control",
    ),
    pytest.param(
        Probe("buyer", "POST", "/api/v1/purchases", "exception_reason",
              json={**PURCHASE, "exception_reason": "long " * 20_000 + "\x00"}),
        id="large_body_read_in_the_thread_pool",
    ),
    pytest.param(
        Probe("buyer", "POST", "/api/v1/purchases", "po_number",
              json={**PURCHASE, "po_number": "PO-1\nPO-2"}),
        id="purchase_number_line_break",
    ),
    pytest.param(
        Probe("buyer", "POST", "/api/v1/purchases", "[U+0000]note",
              json={**PURCHASE, "\x00note": "x"}),
        id="json_key",
    ),
    pytest.param(Probe("esg", "GET", "/api/v1/suppliers/YN%00SD", "code"), id="api_path"),
    pytest.param(Probe(None, "GET", "/invite/abc%00def", "token"), id="page_path"),
    pytest.param(Probe("esg", "GET", "/tracking/purchases?material=al%01", "material"),
                 id="query_control"),
    pytest.param(
        Probe("admin", "POST", "/admin/suppliers", "name_en",
              form={"code": "NEWCO", "name_en": "New\x00Co", "name_zh": "新"},
              form_page="/admin/suppliers"),
        id="supplier_form",
    ),
    pytest.param(
        Probe("admin", "POST", "/admin/users/invite", "full_name",
              form={"email": "new@example.com", "full_name": "Li\x00", "role": "esg"},
              form_page="/admin/users"),
        id="invitation_form",
    ),
    pytest.param(
        Probe("esg", "PUT", "/api/v1/production/alloy/2025", "source",
              json={"production_t": "1", "scope12_t": "1", "source": "meter\x00"}),
        id="production_api",
    ),
    pytest.param(
        Probe("esg", "POST", "/tracking/inputs/alloy/2025", "source",
              form={"production_t": "1", "scope12_t": "1", "source": "meter\x00"},
              form_page="/tracking/inputs"),
        id="production_form",
    ),
    pytest.param(
        Probe("esg", "POST", "/api/v1/declarations/1/decision", "comment",
              json={"decision": "reject", "comment": "wrong\x00"}),
        id="decision_api",
    ),
]  # fmt: skip


@pytest.mark.parametrize("probe", PROBES)
def test_a_control_character_is_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient, world: World, session: Session, settings: Settings, probe: Probe
) -> None:
    make_supplier(session, "YNSD")
    headers: dict[str, str] = {}
    if probe.role:
        user = getattr(world, probe.role)
        headers = bearer(session, user) if probe.path.startswith("/api/") else {}
        browse_as(client, session, user)
    before = Stored.now(session, settings)

    if probe.form is not None:
        assert probe.form_page
        token = csrf_from(client.get(probe.form_page).text)
        answer = client.request(
            probe.method, probe.path, data={**probe.form, "csrf_token": token}, headers=headers
        )
    else:
        answer = client.request(probe.method, probe.path, json=probe.json, headers=headers)

    assert answer.status_code == 422, answer.text
    if probe.path.startswith("/api/"):
        assert answer.json()["field"] == probe.field
        assert answer.json()["detail"].startswith(f"{probe.field}: ")
    else:
        message = html.unescape(answer.text)
        assert f"{probe.field}: " in message  # the error page names the field
    assert Stored.now(session, settings) == before


def test_the_refusal_is_in_the_users_language(
    client: TestClient, world: World, session: Session
) -> None:
    token = csrf_from(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"email": "a\x00@x.cn", "password": "x", "csrf_token": token},
        headers={"Accept-Language": "zh-CN"},
    )
    assert answer.status_code == 422
    assert "email：该值不能包含 NUL 字符。" in answer.text


def test_a_file_name_with_a_control_character_is_refused(
    client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    headers = bearer(session, world.acme_user)
    before = Stored.now(session, settings)
    content_type, body = multipart(
        {"declaration": json.dumps(api_fields())},
        {"declaration_pdf": ("report\x00.pdf", pdf()[1], "application/pdf")},
    )
    answer = client.post(
        "/api/v1/declarations", headers={**headers, "Content-Type": content_type}, content=body
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "declaration_pdf"
    assert Stored.now(session, settings) == before


def test_a_lone_surrogate_in_json_is_refused(
    client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    make_supplier(session, "YNSD")
    headers = bearer(session, world.buyer)
    before = Stored.now(session, settings)
    body = json.dumps({**PURCHASE, "exception_reason": "half \ud83d of a smile"})
    answer = client.post(
        "/api/v1/purchases", headers={**headers, "Content-Type": "application/json"}, content=body
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "exception_reason"
    assert Stored.now(session, settings) == before


def test_multi_line_fields_keep_their_line_breaks_and_tabs(
    client: TestClient, world: World, session: Session
) -> None:
    make_supplier(session, "YNSD")
    headers = bearer(session, world.buyer)
    reason = "No declaration yet.\nAgreed with ESG:\tsee mail of 2 April 😀"
    answer = client.post(
        "/api/v1/purchases", headers=headers, json={**PURCHASE, "exception_reason": reason}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["exception_reason"] == reason


def test_the_declaration_form_names_a_line_break_in_a_one_line_field(
    client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    token = browse_as(client, session, world.acme_user)
    before = Stored.now(session, settings)
    page = client.post(
        "/declarations",
        data={**form(product_name="A00\ningot", comment="line one\nline two"), "csrf_token": token},
        files={"declaration_pdf": pdf()},
    )
    assert page.status_code == 422
    shown = html.unescape(page.text)
    assert 'id="error-product_name"' in page.text
    assert "This field is a single line: remove the line breaks and tabs." in shown
    assert 'id="error-comment" class="field-error-slot"><p' not in page.text  # comment is fine

    answer = client.post(
        "/api/v1/declarations",
        headers=bearer(session, world.acme_user),
        data={
            "declaration": json.dumps(
                api_fields(product_name="A00\tingot", comment="line one\nline two"), indent=2
            )
        },
        files={"declaration_pdf": pdf()},
    )
    assert answer.status_code == 422
    problems = {error["field"]: error["message"] for error in answer.json()["errors"]}
    assert problems == {
        "product_name": "This field is a single line: remove the line breaks and tabs."
    }
    assert Stored.now(session, settings) == before


def test_the_schema_tells_api_clients_which_fields_are_multi_line(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schema["PurchaseIn"]["properties"]["exception_reason"]["x-multiline"] is True
    assert "x-multiline" not in schema["PurchaseIn"]["properties"]["po_number"]
    assert schema["DecisionIn"]["properties"]["comment"]["x-multiline"] is True


# --- exports of text stored in older days ---------------------------------------------------

OLD_REASON = "agreed\x01 by phone\x0b\x1b[31m =1+1"
OLD_PO = '=HYPERLINK("http://evil.example")'


def _purchase_with_old_text(client: TestClient, world: World, session: Session) -> None:
    """A purchase recorded normally, then given the text older versions let through."""
    make_supplier(session, "YNSD")
    recorded = client.post("/api/v1/purchases", headers=bearer(session, world.buyer), json=PURCHASE)
    assert recorded.status_code == 201, recorded.text
    session.execute(
        text("UPDATE purchase SET exception_reason = :reason, po_number = :po WHERE id = :id"),
        {"reason": OLD_REASON, "po": OLD_PO, "id": recorded.json()["id"]},
    )
    session.commit()


def test_the_xlsx_purchase_export_survives_control_characters_in_stored_text(
    client: TestClient, world: World, session: Session
) -> None:
    _purchase_with_old_text(client, world, session)
    browse_as(client, session, world.esg)

    answer = client.get("/tracking/export/purchases.xlsx?year=2026&headers=keys")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header, row = rows[0], rows[1]
    cells = dict(zip(header, row, strict=True))
    # U+0001, U+000B and U+001B cannot be in an XLSX sheet: each shows as U+FFFD instead.
    assert cells["exception_reason"] == "agreed\ufffd by phone\ufffd\ufffd[31m =1+1"
    assert cells["po_number"] == "'" + OLD_PO  # text, never a formula

    for page in ("/tracking/purchases?year=2026", "/purchases"):
        browse_as(client, session, world.buyer if page == "/purchases" else world.esg)
        assert client.get(page).status_code == 200


def test_the_csv_purchase_exports_keep_stored_text_and_never_a_formula(
    client: TestClient, world: World, session: Session
) -> None:
    _purchase_with_old_text(client, world, session)
    browse_as(client, session, world.esg)
    tracking = client.get("/tracking/export/purchases.csv?year=2026&headers=keys")
    assert tracking.status_code == 200
    browse_as(client, session, world.buyer)
    ledger = client.get("/purchases/export.csv?headers=keys")
    assert ledger.status_code == 200
    for answer in (tracking, ledger):
        (row,) = csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff")))
        assert row["exception_reason"] == OLD_REASON  # CSV holds any character but NUL
        assert row["po_number"] == "'" + OLD_PO
