"""A supplier uploads PACT JSON instead of typing the form."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import csrf_from, make_supplier, make_user, sign_in
from pact_schemas import example
from sqlmodel import Session, select

from portal.declarations.models import Declaration
from portal.pact.models import PactImport


@pytest.fixture
def supplier_browser(pact_http: TestClient, session: Session) -> TestClient:
    """ACME's supplier user, signed in."""
    make_user(session, "supplier", "acme@example.com", supplier=make_supplier(session, "ACME"))
    sign_in(pact_http, "acme@example.com")
    return pact_http


def _v3(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(example(3, "example-1.json"))
    body.update(changes)
    return body


def _v2() -> dict[str, Any]:
    body = copy.deepcopy(example(2, "get-footprint-response.json")["data"])
    body["pcf"]["declaredUnit"] = "kilogram"
    return body


def _upload(client: TestClient, content: bytes, material: str = "al_primary_ingot") -> Any:
    token = csrf_from(client.get("/pact/upload").text)
    return client.post(
        "/pact/upload",
        data={"material_code": material, "csrf_token": token},
        files={"file": ("footprints.json", content, "application/json")},
    )


def test_a_list_of_v3_and_v2_footprints_becomes_declarations(
    supplier_browser: TestClient, session: Session
) -> None:
    second = _v2()
    answer = _upload(supplier_browser, json.dumps([_v3(), second]).encode())
    assert answer.status_code == 200, answer.text
    assert "2 declaration(s) created." in answer.text
    declarations = session.exec(select(Declaration).order_by(Declaration.id)).all()  # type: ignore[arg-type]
    assert [d.material_code for d in declarations] == ["al_primary_ingot"] * 2
    # example-1: 0.384 kgCO2e per kilogram; the v2 example: 1.63 per kilogram (unit changed)
    assert [str(d.pcf_t_per_t.normalize()) for d in declarations] == ["0.384", "1.63"]
    kept = session.exec(select(PactImport)).all()
    assert {k.source for k in kept} == {"upload"} and {k.footprint_id for k in kept} == {
        _v3()["id"],
        second["id"],
    }
    again = _upload(supplier_browser, json.dumps(_v3()).encode())
    assert "0 declaration(s) created." in again.text and "already received" in again.text


def test_a_file_breaking_the_schema_is_refused_naming_the_path(
    supplier_browser: TestClient, session: Session
) -> None:
    broken = _v3()
    del broken["pcf"]["declaredUnitAmount"]
    answer = _upload(supplier_browser, json.dumps([_v3(), broken]).encode())
    assert answer.status_code == 422
    assert "$[1].pcf: &#39;declaredUnitAmount&#39; is a required property" in answer.text
    assert session.exec(select(PactImport)).all() == []
    assert session.exec(select(Declaration)).all() == []


def test_bad_files_are_refused_in_the_suppliers_language(
    supplier_browser: TestClient, session: Session
) -> None:
    not_json = _upload(supplier_browser, b"%PDF-1.7 not json")
    assert not_json.status_code == 422 and "The file is not JSON" in not_json.text
    liquid = _v3()
    liquid["pcf"]["declaredUnitOfMeasurement"] = "liter"
    unit = _upload(supplier_browser, json.dumps(liquid).encode())
    assert unit.status_code == 422 and "cannot convert &#39;liter&#39;" in unit.text
    material = _upload(supplier_browser, json.dumps(_v3()).encode(), material="nonsense")
    assert material.status_code == 422 and 'id="error-material_code"' in material.text
    big = _upload(supplier_browser, b" " * (2 * 1024 * 1024 + 1))
    assert big.status_code == 413
    supplier_browser.headers["Accept-Language"] = "zh"
    chinese = _upload(supplier_browser, b"{")
    assert "文件不是 JSON" in chinese.text
    assert session.exec(select(Declaration)).all() == []


def test_a_declaration_made_from_pact_json_says_so_and_downloads_as_pact_v3(
    supplier_browser: TestClient, session: Session
) -> None:
    sent = _v3()
    assert _upload(supplier_browser, json.dumps(sent).encode()).status_code == 200
    declaration = session.exec(select(Declaration)).one()
    kept = session.exec(select(PactImport)).one()
    page = supplier_browser.get(f"/declarations/{declaration.id}")
    assert page.status_code == 200
    assert (
        f"Received over PACT (uploaded as a file): footprint {sent['id']}, "
        f"SHA-256 {kept.sha256[:12]}." in page.text
    )
    link = f'href="/api/v1/declarations/{declaration.id}/pact"'
    assert link in page.text and 'id="pact-download-link"' in page.text
    chinese = supplier_browser.get(
        f"/declarations/{declaration.id}", headers={"Accept-Language": "zh-CN"}
    )
    assert "经 PACT 接收（以文件上传）" in chinese.text and "下载 PACT v3 JSON" in chinese.text
    download = supplier_browser.get(f"/api/v1/declarations/{declaration.id}/pact")
    assert download.status_code == 200
    footprint = download.json()
    # The declaration's own footprint id; 0.384 kgCO2e per kilogram as sent (example-1).
    assert footprint["id"] == declaration.pact_id
    assert footprint["pcf"]["declaredUnitOfMeasurement"] == "kilogram"
