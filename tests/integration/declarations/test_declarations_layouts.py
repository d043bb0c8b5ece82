"""Declarations in different layouts, languages and units agree with the form after conversion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pdf_factory
import pytest
from declarations_helpers import YEAR, World, declared, form, signed_in, submit, submitted_id
from fastapi.testclient import TestClient
from sqlmodel import Session

from portal.declarations.models import Declaration

ZH_DATES = {
    "reference_period": f"{YEAR}年1月1日至{YEAR}年12月31日",
    "verification_date": f"{YEAR + 1}年3月1日",
    "pre_consumer_pct": None,
    "post_consumer_pct": None,
}
ZH_FORM = {
    "standards": ["GB/T 24067"],
    "verifier_name": "中国质量认证中心",
    "verification_statement_number": "CQC-PCF-2025-0088",
}
CASES: list[tuple[str, Callable[[], bytes], dict[str, Any]]] = [
    (
        "kg per tonne, thousands separator",
        lambda: pdf_factory.english_declaration(declared(pcf="4,200", unit="kg CO2e/t")),
        {"pcf_excluding_biogenic": "4200"},
    ),
    (
        "kg per kg, declared per kilogram",
        lambda: pdf_factory.english_declaration(declared(pcf="0.62", unit="kgCO2e/kg")),
        {
            "material_code": "al_scrap_post_consumer",
            "declared_unit_of_measurement": "kilogram",
            "pcf_excluding_biogenic": "0.62",
        },
    ),
    (
        "English table",
        lambda: pdf_factory.english_table_declaration(declared()),
        {},
    ),
    (
        "three pages with annexes",
        lambda: pdf_factory.english_declaration(declared(), pages=3),
        {},
    ),
    (
        "Chinese table",
        lambda: pdf_factory.chinese_table_declaration(pdf_factory.DeclaredZh(**ZH_DATES)),
        {**ZH_FORM, "pcf_excluding_biogenic": "8,500"},
    ),
    (
        "Chinese, kilograms per tonne",
        lambda: pdf_factory.chinese_declaration(
            pdf_factory.DeclaredZh(pcf="8500", unit="千克二氧化碳当量/吨", **ZH_DATES)
        ),
        {**ZH_FORM, "pcf_excluding_biogenic": "8.5", "declared_unit_amount": "0.001"},
    ),
]


@pytest.mark.parametrize(("name", "make", "fields"), CASES, ids=[case[0] for case in CASES])
def test_the_pdf_bears_out_the_form_whatever_its_layout_and_unit(
    client: TestClient,
    world: World,
    session: Session,
    name: str,
    make: Callable[[], bytes],
    fields: dict[str, Any],
) -> None:
    signed_in(client, world.acme_user)
    declaration_id = submitted_id(
        submit(
            client,
            data=form(**fields),
            files={"declaration_pdf": ("declaration.pdf", make(), "application/pdf")},
        )
    )
    stored = session.get(Declaration, declaration_id)
    assert stored is not None
    assert stored.pdf_mismatches == [], name
    page = client.get(f"/declarations/{declaration_id}").text
    assert 'id="no-mismatches"' in page
