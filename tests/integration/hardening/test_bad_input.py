"""Bad form and API input: each answered with a clear message naming the field; nothing stored."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from declarations_helpers import YEAR, World, api_fields, form, pdf, submit
from fastapi.testclient import TestClient
from hardening_helpers import Stored, bearer, browse_as
from helpers import csrf_from, make_supplier
from sqlmodel import Session

from portal.config import Settings

GOOD_PDF = pdf()  # the declaration's PDF is fine: only the typed field is wrong
BAD_DECLARATIONS = [
    pytest.param(
        {"declared_unit_amount": "-1"}, "declared_unit_amount", "Must be greater than 0.",
        id="negative_amount",
    ),
    pytest.param(
        {"declared_unit_amount": "0"}, "declared_unit_amount", "Must be greater than 0.",
        id="zero_amount",
    ),
    pytest.param(
        {"pcf_excluding_biogenic": "-4200"}, "pcf_excluding_biogenic", "Must not be negative.",
        id="negative_footprint",
    ),
    pytest.param(
        {"pcf_excluding_biogenic": "9999999999999"}, "pcf_excluding_biogenic",
        "The number is too large.", id="absurd_footprint",
    ),
    pytest.param(
        {
            "declared_unit_of_measurement": "kilogram",
            "declared_unit_amount": "0.000001",
            "pcf_excluding_biogenic": "999999999",
        },
        "pcf_excluding_biogenic", "The footprint per tonne is too large to be real",
        id="absurd_per_tonne",
    ),
    pytest.param(
        {"pcf_excluding_biogenic": "1e400"}, "pcf_excluding_biogenic",
        "Enter a number such as 4.2 or 4,200.", id="exponent",
    ),
    pytest.param(
        {"pcf_excluding_biogenic": "NaN"}, "pcf_excluding_biogenic",
        "Enter a number such as 4.2 or 4,200.", id="not_a_number",
    ),
    pytest.param(
        {"pcf_excluding_biogenic": "4,2"}, "pcf_excluding_biogenic",
        "Use a point for decimals", id="decimal_comma",
    ),
    pytest.param(
        {"primary_data_share_pct": "100.5"}, "primary_data_share_pct",
        "Enter a percentage from 0 to 100.", id="percentage_over_100",
    ),
    pytest.param(
        {"recycled_pre_consumer_pct": "-1"}, "recycled_pre_consumer_pct",
        "Enter a percentage from 0 to 100.", id="negative_percentage",
    ),
    pytest.param(
        {
            "recycled_pre_consumer_pct": "60",
            "recycled_post_consumer_pct": "50",
            "recycled_method": "segregated",
        },
        "recycled_post_consumer_pct",
        "Pre- plus post-consumer recycled content is 110 percent, more than 100.",
        id="pre_plus_post_over_100",
    ),
    pytest.param(
        {"reference_period_start": f"{YEAR}-12-31", "reference_period_end": f"{YEAR}-01-01"},
        "reference_period_end", "The reference period must end on or after its start.",
        id="period_ends_before_it_starts",
    ),
    pytest.param(
        {"validity_period_end": f"{YEAR}-06-30"}, "validity_period_end",
        "The validity must end on or after the end of the reference period.",
        id="validity_ends_before_the_period",
    ),
    pytest.param(
        {"reference_period_end": "9999-12-31"}, "reference_period_end",
        "Enter a date between 2000 and 2100.", id="far_future_year",
    ),
    pytest.param(
        {"reference_period_end": "2090-12-31"}, "reference_period_end",
        "This date is after today", id="period_ending_in_the_future",
    ),
    pytest.param(
        {"verification_date": "2090-03-01"}, "verification_date",
        "This date is after today", id="verified_in_the_future",
    ),
    pytest.param(
        {"reference_period_start": f"{YEAR}-02-30"}, "reference_period_start",
        "Enter a date as YYYY-MM-DD.", id="no_such_day",
    ),
    pytest.param(
        {"material_code": "unobtainium"}, "material_code", "Choose a material from the catalog.",
        id="unknown_material",
    ),
    pytest.param(
        {"declared_unit_of_measurement": "pound"}, "declared_unit_of_measurement",
        "Choose one of: kilogram, tonne.", id="unknown_unit",
    ),
    pytest.param(
        {"boundary": "cradle-to-moon"}, "boundary", "Choose one of: cradle-to-gate",
        id="unknown_boundary",
    ),
    pytest.param(
        {"standards": ["ISO 99999"]}, "standards", "Choose one of: ISO 14067",
        id="unknown_standard",
    ),
    pytest.param(
        {"electricity_source": "perpetual motion"}, "electricity_source", "Choose one of: grid",
        id="unknown_electricity_source",
    ),
    pytest.param(
        {"geography_country": "China"}, "geography_country",
        "The country must be a two-letter ISO code, e.g. CN.", id="country_not_a_code",
    ),
    pytest.param(
        {"product_name": "A00 " * 51}, "product_name", "At most 200 characters.",
        id="long_product_name",
    ),
    pytest.param(
        {"comment": "very long " * 20_000}, "comment", "At most 2000 characters.",
        id="very_long_comment",
    ),
    pytest.param(
        {"verifier_name": "SGS\x00\x1b[31m"}, "verifier_name",
        "This value must not contain a NUL character.", id="control_characters",
    ),
]  # fmt: skip


def field_error(page: str, field: str) -> str:
    """The message shown under FIELD on a form page."""
    match = re.search(
        rf'id="error-{field}" class="field-error-slot"><p class="field-error">(.*?)</p>', page
    )
    assert match, f"no error shown for {field}"
    return html.unescape(match.group(1))


@pytest.mark.parametrize(("changes", "field", "message"), BAD_DECLARATIONS)
def test_a_bad_declaration_field_is_named_and_nothing_is_stored(
    client: TestClient,
    world: World,
    session: Session,
    settings: Settings,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    headers = bearer(session, world.acme_user)
    token = browse_as(client, session, world.acme_user)
    before = Stored.now(session, settings)

    page = client.post(
        "/declarations",
        data={**form(**changes), "csrf_token": token},
        files={"declaration_pdf": GOOD_PDF},
    )
    assert page.status_code == 422
    assert message in field_error(page.text, field)
    typed = changes.get("product_name")
    if typed:
        assert f'value="{html.escape(typed)}"' in page.text  # kept to correct it

    answer = client.post(
        "/api/v1/declarations",
        headers=headers,
        data={"declaration": json.dumps(api_fields(**changes))},
        files={"declaration_pdf": GOOD_PDF},
    )
    assert answer.status_code == 422
    problems = {error["field"]: error["message"] for error in answer.json()["errors"]}
    assert field in problems and message in problems[field], problems

    assert Stored.now(session, settings) == before


@pytest.mark.parametrize(
    ("declaration", "field"),
    [
        ('{"material_code": "al_primary_ingot", "pcf_excluding_biogenic": NaN}', "declaration"),
        ("[1, 2, 3]", "declaration"),
        ("[" * 100_000, "declaration"),  # nested too deep for the JSON parser
        (json.dumps({**api_fields(), "pcf_t_per_t": "0.1"}), "pcf_t_per_t"),
        (json.dumps({**api_fields(), "submitted_on": "2000-01-01"}), "submitted_on"),
        (json.dumps(api_fields(declared_unit_amount=True)), "declared_unit_amount"),
        (json.dumps(api_fields(low_carbon_electricity_claimed="yes")),
         "low_carbon_electricity_claimed"),
    ],
    ids=["nan", "not_an_object", "deeply_nested", "unknown_key", "set_by_portal", "bool", "flag"],
)  # fmt: skip
def test_a_bad_api_declaration_part_is_refused_naming_the_field(
    client: TestClient,
    world: World,
    session: Session,
    settings: Settings,
    declaration: str,
    field: str,
) -> None:
    headers = bearer(session, world.acme_user)
    before = Stored.now(session, settings)
    answer = client.post(
        "/api/v1/declarations",
        headers=headers,
        data={"declaration": declaration},
        files={"declaration_pdf": pdf()},
    )
    assert answer.status_code == 422
    assert field in {error["field"] for error in answer.json()["errors"]}
    assert Stored.now(session, settings) == before


def test_errors_are_in_the_users_language(
    client: TestClient, world: World, session: Session
) -> None:
    browse_as(client, session, world.acme_user)
    client.cookies.set("portal_lang", "zh")
    page = submit(client, data=form(primary_data_share_pct="101", declared_unit_amount="-1"))
    assert page.status_code == 422
    assert field_error(page.text, "primary_data_share_pct") == "请输入 0 到 100 之间的百分比。"
    assert field_error(page.text, "declared_unit_amount") == "必须大于 0。"


BAD_CHECKS = [
    pytest.param({"quantity_t": "-5"}, "quantity_t", id="negative_quantity"),
    pytest.param({"quantity_t": "0"}, "quantity_t", id="zero_quantity"),
    pytest.param({"quantity_t": "2000000"}, "quantity_t", id="absurd_quantity"),
    pytest.param({"quantity_t": "Infinity"}, "quantity_t", id="infinite_quantity"),
    pytest.param({"date": "2150-01-01"}, "date", id="far_future_date"),
    pytest.param({"date": "1999-12-31"}, "date", id="ancient_date"),
    pytest.param({"supplier": "NOPE"}, "supplier", id="unknown_supplier"),
    pytest.param({"supplier": "Y" * 150}, "supplier", id="long_supplier"),
    pytest.param({"material": "unobtainium"}, "material", id="unknown_material"),
    pytest.param({"product_line": "rolling"}, "product_line", id="unknown_line"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_CHECKS)
def test_a_bad_buyer_check_is_named_and_not_recorded(
    client: TestClient,
    world: World,
    session: Session,
    settings: Settings,
    changes: dict[str, str],
    field: str,
) -> None:
    make_supplier(session, "YNSD")
    question = {
        "supplier": "YNSD",
        "material": "al_primary_ingot",
        "quantity_t": "25",
        "date": "2026-04-01",
        "product_line": "alloy",
        **changes,
    }
    headers = bearer(session, world.buyer)
    browse_as(client, session, world.buyer)
    before = Stored.now(session, settings)

    token = csrf_from(client.get("/checks").text)
    page = client.post("/checks", data={**question, "csrf_token": token})
    assert page.status_code == 422
    assert f'id="error-{field}"' in page.text

    answer = client.post("/api/v1/checks", headers=headers, json=question)
    assert answer.status_code == 422
    problem = answer.json()
    named = {problem.get("field")} | {error["field"] for error in problem.get("errors", [])}
    assert field in named, problem

    assert Stored.now(session, settings) == before


@pytest.mark.parametrize(
    ("email", "password"),
    [("a" * 70 + "@example.com", "x"), ("buyer@example.com", "p" * 100_000), ("", "")],
    ids=["email_longer_than_the_audit_key", "very_long_password", "empty"],
)
def test_sign_in_with_absurd_credentials_is_refused_cleanly(
    client: TestClient, world: World, session: Session, email: str, password: str
) -> None:
    for _attempt in range(2):
        token = csrf_from(client.get("/login").text)
        response = client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 401
        assert "The email or password is not correct." in response.text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"code": "<b>X</b>", "name_en": "X"}, "code", "The code must be 2–32 letters"),
        ({"code": "LONGNAME", "name_en": "N" * 201}, "name_en", "The name is too long"),
        ({"code": "CTRY", "name_en": "X", "country": "CHN"}, "country", "two-letter ISO code"),
    ],
    ids=["markup_code", "long_name", "country"],
)
def test_a_bad_supplier_company_is_refused_naming_the_field(
    client: TestClient,
    world: World,
    session: Session,
    settings: Settings,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    browse_as(client, session, world.admin)
    before = Stored.now(session, settings)
    token = csrf_from(client.get("/admin/suppliers").text)
    page = client.post("/admin/suppliers", data={**fields, "csrf_token": token})
    assert page.status_code == 422 and message in html.unescape(page.text)
    assert Stored.now(session, settings) == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/suppliers?q=%00",
        "/api/v1/purchases?supplier=%00",
        "/tracking/purchases?material=al%00",
    ],
)
def test_a_nul_character_in_the_address_is_refused_naming_the_parameter(
    client: TestClient, world: World, session: Session, path: str
) -> None:
    headers = bearer(session, world.esg)
    browse_as(client, session, world.esg)
    answer = client.get(path, headers=headers if path.startswith("/api/") else None)
    assert answer.status_code == 422
    parameter = path.split("?")[1].split("=")[0]
    if path.startswith("/api/"):
        assert answer.json()["field"] == parameter
    else:
        assert "This value must not contain a NUL character." in answer.text
