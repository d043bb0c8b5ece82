"""The JSON API: suppliers' systems submit declarations with PDFs and read the verdict."""

from __future__ import annotations

import json
from typing import Any

import pdf_factory
import pytest
from declarations_helpers import YEAR, World, api_fields, create, declared, pdf
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from portal.accounts.models import User
from portal.declarations.files import sha256_of
from portal.declarations.models import Declaration
from portal.security import create_api_token


def token_for(session: Session, user: User) -> dict[str, str]:
    _token, plain = create_api_token(session, user, "ERP")
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


def post(
    client: TestClient,
    headers: dict[str, str],
    fields: Any,
    files: dict[str, Any] | None = None,
    **form: str,
) -> Any:
    part = fields if isinstance(fields, str) else json.dumps(fields)
    return client.post(
        "/api/v1/declarations",
        headers=headers,
        data={"declaration": part, **form},
        files=files if files is not None else {"declaration_pdf": pdf()},
    )


def test_a_supplier_system_submits_and_gets_the_verdict_readings_and_mismatches(
    client: TestClient, world: World, session: Session
) -> None:
    headers = token_for(session, world.acme_user)
    body = pdf_factory.english_declaration(declared(pcf="4.5"))
    fields = api_fields(pcf_excluding_biogenic=4200, declared_unit_amount=1)
    response = post(
        client, headers, fields, {"declaration_pdf": ("d.pdf", body, "application/pdf")}
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "in_review" and created["verdict"] == "pass"
    assert created["pcf_t_per_t"] == "4.2"
    assert created["supplier_code"] == "ACME"
    assert created["verdict_detail"]["outcome"] == "pass"
    assert {f["rule_id"] for f in created["verdict_detail"]["findings"]} >= {
        "max_pcf.al_primary_ingot",
        "verification.third_party",
    }
    assert created["pdf_mismatches"][0]["field"] == "pcf"
    assert created["pdf_mismatches"][0]["document"] == "declaration"
    file = created["files"][0]
    assert file["sha256"] == sha256_of(body)
    assert {"name": "pcf", "value": "4.5"}.items() <= file["reading"]["fields"][1].items()

    fetched = client.get(f"/api/v1/declarations/{created['id']}", headers=headers)
    assert fetched.status_code == 200 and fetched.json() == created
    download = client.get(file["url"], headers=headers)
    assert download.content == body and download.headers["content-type"] == "application/pdf"


def test_field_errors_are_listed_by_name(
    client: TestClient, world: World, session: Session
) -> None:
    headers = token_for(session, world.acme_user)
    fields = api_fields(
        pcf_excluding_biogenic="4,2", boundary="gate-to-moon", low_carbon_electricity_claimed="yes"
    )
    fields["attachments"] = ["declaration"]
    fields["colour"] = "blue"
    response = post(client, headers, fields)
    assert response.status_code == 422
    problems = {item["field"]: item["message"] for item in response.json()["errors"]}
    assert set(problems) == {
        "pcf_excluding_biogenic",
        "boundary",
        "low_carbon_electricity_claimed",
        "attachments",
        "colour",
    }
    assert session.exec(select(Declaration)).first() is None


@pytest.mark.parametrize(
    "part", ["not json", "[1, 2]", '{"pcf_excluding_biogenic": NaN}', "[" * 100_000]
)
def test_a_declaration_part_that_is_not_a_json_object_is_refused(
    client: TestClient, world: World, session: Session, part: str
) -> None:
    headers = token_for(session, world.acme_user)
    response = post(client, headers, part)
    assert response.status_code == 422
    assert response.json()["field"] == "declaration"


def test_a_refused_pdf_is_a_422_naming_the_file_field(
    client: TestClient, world: World, session: Session
) -> None:
    headers = token_for(session, world.acme_user)
    response = post(
        client,
        headers,
        api_fields(),
        {"declaration_pdf": ("x.pdf", pdf_factory.encrypted_pdf(), "application/pdf")},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "declaration_pdf"
    assert "encrypted" in response.json()["detail"]
    missing = client.post(
        "/api/v1/declarations", headers=headers, data={"declaration": json.dumps(api_fields())}
    )
    assert missing.status_code == 422


def test_errors_come_in_the_callers_language(
    client: TestClient, world: World, session: Session
) -> None:
    headers = {**token_for(session, world.acme_user), "Accept-Language": "zh-CN"}
    response = post(client, headers, api_fields(product_name=""))
    assert response.json()["errors"][0] == {"field": "product_name", "message": "此项为必填。"}


def test_a_supplier_token_reads_only_its_own_company(
    client: TestClient, world: World, session: Session
) -> None:
    theirs = create(session, world.other).id
    headers = token_for(session, world.acme_user)
    assert client.get(f"/api/v1/declarations/{theirs}", headers=headers).status_code == 404
    assert client.get("/api/v1/declarations", headers=headers).json()["total"] == 0


def test_reviewers_list_and_filter_declarations(
    client: TestClient, world: World, session: Session
) -> None:
    accepted = create(session, world.acme).id
    rejected = create(
        session,
        world.other,
        body=pdf_factory.english_declaration(declared(pcf="16.8")),
        pcf_excluding_biogenic="16,800",
    ).id
    expiring = create(session, world.other, product_name="Expiring ingot", validity_period_end=None)
    headers = token_for(session, world.esg)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/declarations?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return sorted(item["id"] for item in response.json()["items"])

    assert ids("") == sorted([accepted, rejected, expiring.id])
    assert ids("supplier=other") == sorted([rejected, expiring.id])
    assert ids("status=rejected") == [rejected]
    assert ids("material=al_billet") == []
    assert ids("expiry=expired") == []
    assert ids("limit=1&offset=1") != ids("limit=1&offset=0")
    assert client.get("/api/v1/declarations?status=lost", headers=headers).status_code == 422


def test_reviewers_decide_through_the_api_and_the_loser_gets_409(
    client: TestClient, world: World, session: Session
) -> None:
    in_review = create(
        session, world.acme, body=pdf_factory.english_declaration(declared(pcf="5.1"))
    ).id
    headers = token_for(session, world.buyer)
    url = f"/api/v1/declarations/{in_review}/decision"
    assert client.post(url, headers=headers, json={"decision": "reject"}).status_code == 422
    decided = client.post(url, headers=headers, json={"decision": "accept", "comment": "ok"})
    assert decided.status_code == 200 and decided.json()["status"] == "accepted"
    late = client.post(url, headers=headers, json={"decision": "reject", "comment": "no"})
    assert late.status_code == 409
    assert "Someone else decided this declaration first" in late.json()["detail"]
    supplier = token_for(session, world.acme_user)
    assert client.post(url, headers=supplier, json={"decision": "accept"}).status_code == 403


def test_a_new_version_is_submitted_through_the_api(
    client: TestClient, world: World, session: Session
) -> None:
    old = create(
        session,
        world.acme,
        body=pdf_factory.english_declaration(declared(pcf="16.8")),
        pcf_excluding_biogenic="16,800",
    )
    headers = token_for(session, world.acme_user)
    response = post(client, headers, api_fields(), supersedes_id=str(old.id))
    assert response.status_code == 201, response.text
    assert response.json()["version"] == 2 and response.json()["supersedes_id"] == old.id
    older = client.get(f"/api/v1/declarations/{old.id}", headers=headers).json()
    assert older["status"] == "superseded"
    assert older["superseded_by_id"] == response.json()["id"]


def test_a_declaration_exports_as_a_pact_product_footprint(
    client: TestClient, world: World, session: Session
) -> None:
    old = create(
        session,
        world.acme,
        body=pdf_factory.english_declaration(declared(pcf="16.8")),
        pcf_excluding_biogenic="16,800",
    )
    new = create(session, world.acme, supersedes_id=old.id)
    headers = token_for(session, world.esg)
    footprint = client.get(f"/api/v1/declarations/{new.id}/pact", headers=headers).json()
    assert footprint["id"] == new.pact_id and footprint["specVersion"] == "3.0.0"
    assert footprint["precedingPfIds"] == [old.pact_id]
    assert footprint["status"] == "Active"
    assert footprint["productNameCompany"] == "A00 primary aluminium ingot"
    pcf = footprint["pcf"]
    assert pcf["declaredUnitOfMeasurement"] == "kilogram"
    assert pcf["declaredUnitAmount"] == "1000"
    assert pcf["pcfExcludingBiogenicUptake"] == "4200"
    assert pcf["referencePeriodStart"] == f"{YEAR}-01-01T00:00:00Z"
    assert pcf["referencePeriodEnd"] == f"{YEAR + 1}-01-01T00:00:00Z"  # exclusive in PACT
    assert pcf["crossSectoralStandards"] == ["ISO14067"]
    assert pcf["geographyCountry"] == "CN"
    assert "are not collected by the portal" in footprint["comment"]
    assert pcf["verification"]["providerName"].startswith("SGS-CSTC")
    older = client.get(f"/api/v1/declarations/{old.id}/pact", headers=headers).json()
    assert older["status"] == "Deprecated" and "precedingPfIds" not in older


def test_the_openapi_schema_describes_the_declarations_api(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/declarations"]) == {"get", "post"}
    assert "/api/v1/declarations/{declaration_id}/decision" in paths
    assert "/declarations" not in paths  # the HTML pages are not part of the API
    post_body = paths["/api/v1/declarations"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in post_body
    created = paths["/api/v1/declarations"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("DeclarationOut")
