"""Helpers for the declaration tests: companies and users, matching forms and PDFs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pdf_factory
from fastapi.testclient import TestClient
from helpers import csrf_from, make_supplier, make_user, sign_in
from sqlmodel import Session

from portal.accounts.models import User
from portal.clock import plant_today
from portal.declarations.demo import reference_year
from portal.suppliers.models import Supplier

YEAR = reference_year(plant_today())


@dataclass
class World:
    """Two supplier companies with a user each, and the plant's staff."""

    acme: Supplier
    other: Supplier
    acme_user: User
    other_user: User
    esg: User
    buyer: User
    admin: User


def make_world(session: Session) -> World:
    """Companies and users, committed."""
    acme = make_supplier(session, "ACME")
    other = make_supplier(session, "OTHER")
    return World(
        acme=acme,
        other=other,
        acme_user=make_user(session, "supplier", "sales@acme.example", acme),
        other_user=make_user(session, "supplier", "sales@other.example", other),
        esg=make_user(session, "esg"),
        buyer=make_user(session, "buyer"),
        admin=make_user(session, "admin"),
    )


def declared(**overrides: Any) -> pdf_factory.Declared:
    """What a generated English declaration states, dated so the rules accept it today."""
    values: dict[str, Any] = {
        "reference_period": f"{YEAR}-01-01 to {YEAR}-12-31",
        "verification_date": f"{YEAR + 1}-03-01",
        "valid_until": f"{YEAR + 3}-12-31",
        "pre_consumer_pct": None,
        "post_consumer_pct": None,
    }
    values.update(overrides)
    return pdf_factory.Declared(**values)


def form(**overrides: Any) -> dict[str, Any]:
    """The web form as a supplier fills it in for `declared()` (primary ingot, 4.2 tCO2e/t)."""
    values: dict[str, Any] = {
        "material_code": "al_primary_ingot",
        "product_name": "A00 primary aluminium ingot",
        "site_name": "Wenshan smelter",
        "geography_country": "CN",
        "declared_unit_of_measurement": "tonne",
        "declared_unit_amount": "1",
        "pcf_excluding_biogenic": "4,200",
        "boundary": "cradle-to-gate",
        "standards": ["ISO 14067"],
        "reference_period_start": f"{YEAR}-01-01",
        "reference_period_end": f"{YEAR}-12-31",
        "validity_period_end": "",
        "primary_data_share_pct": "",
        "recycled_pre_consumer_pct": "",
        "recycled_post_consumer_pct": "",
        "recycled_method": "",
        "electricity_source": "hydro",
        "electricity_instrument": "",
        "verifier_name": "SGS-CSTC Standards Technical Services Co., Ltd.",
        "verification_statement_number": "SGS-PCF-2025-0117",
        "verification_date": f"{YEAR + 1}-03-01",
        "comment": "",
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def api_fields(**overrides: Any) -> dict[str, Any]:
    """The JSON part of an API submission: the form's fields without the empty ones."""
    return {name: value for name, value in form(**overrides).items() if value != ""}


def pdf(declared_values: pdf_factory.Declared | None = None) -> tuple[str, bytes, str]:
    """An upload tuple for httpx: an English declaration PDF."""
    return (
        "declaration.pdf",
        pdf_factory.english_declaration(declared_values or declared()),
        "application/pdf",
    )


def submit(
    client: TestClient,
    data: dict[str, Any] | None = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
    action: str = "/declarations",
    form_page: str = "/declarations/new",
) -> Any:
    """Post the declaration form with its CSRF token, without following the redirect."""
    token = csrf_from(client.get(form_page).text)
    return client.post(
        action,
        data={**(data if data is not None else form()), "csrf_token": token},
        files=files if files is not None else {"declaration_pdf": pdf()},
        follow_redirects=False,
    )


def submitted_id(response: Any) -> int:
    """The id of the declaration a successful submission redirected to."""
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def signed_in(client: TestClient, user: User) -> TestClient:
    """CLIENT signed in as USER (cookies replaced)."""
    client.cookies.clear()
    sign_in(client, user.email)
    return client


def create(
    session: Session,
    supplier: Supplier,
    body: bytes | None = None,
    supersedes_id: int | None = None,
    **overrides: Any,
) -> Any:
    """A declaration submitted through the service and committed (4.2 accepted by default)."""
    from portal.audit import Actor
    from portal.config import get_settings
    from portal.declarations import service

    assert supplier.id is not None
    declaration = service.submit(
        session,
        actor=Actor(label="test"),
        supplier_id=supplier.id,
        submitted_by_id=None,
        raw=form(**overrides),
        uploads=[
            service.Upload(
                "declaration_pdf", "d.pdf", body or pdf_factory.english_declaration(declared())
            )
        ],
        settings=get_settings(),
        supersedes_id=supersedes_id,
    )
    session.commit()
    return declaration
