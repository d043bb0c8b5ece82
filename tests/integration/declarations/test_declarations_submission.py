"""A supplier submits the web form with PDFs and sees the verdict, readings and mismatches."""

from __future__ import annotations

from decimal import Decimal

import pdf_factory
from declarations_helpers import YEAR, World, declared, form, pdf, signed_in, submit, submitted_id
from fastapi.testclient import TestClient
from helpers import csrf_from
from sqlmodel import Session, select

from portal.audit import AuditEvent
from portal.config import Settings
from portal.declarations import filestore
from portal.declarations.files import sha256_of
from portal.declarations.models import Declaration, EvidenceFile


def test_a_matching_declaration_is_accepted_and_its_pdf_kept_under_its_hash(
    client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    signed_in(client, world.acme_user)
    body = pdf_factory.english_declaration(declared())
    declaration_id = submitted_id(
        submit(client, files={"declaration_pdf": ("Déclaration 2025.pdf", body, "application/pdf")})
    )

    page = client.get(f"/declarations/{declaration_id}")
    assert page.status_code == 200
    assert 'status-accepted">accepted</span>' in page.text
    assert 'id="no-mismatches"' in page.text
    assert sha256_of(body) in page.text  # an auditor can verify the file
    assert 'id="finding-max_pcf.al_primary_ingot"' in page.text
    assert "4.2" in page.text

    stored = session.exec(select(Declaration)).one()
    assert stored.status == "accepted" and stored.verdict == "pass"
    assert stored.pcf_t_per_t == Decimal("4.2")
    assert stored.pcf_excluding_biogenic == Decimal(4200)
    assert stored.valid_until.year == YEAR + 3  # PACT default: 3 years after the period
    assert stored.recycled_fraction == 0
    assert stored.verdict_detail["outcome"] == "pass"
    assert stored.ruleset_revision == stored.verdict_detail["ruleset_revision"]
    assert stored.submitted_by_id == world.acme_user.id
    evidence = session.exec(select(EvidenceFile)).one()
    assert evidence.kind == "declaration" and evidence.original_name == "Déclaration 2025.pdf"
    assert evidence.has_text_layer and evidence.page_count == 1
    kept = filestore.open_stored(session, settings, evidence.sha256)  # disk or database
    assert kept is not None and b"".join(kept.chunks) == body
    found = {field["name"]: field for field in evidence.reading["fields"]}
    assert found["pcf"]["t_per_t"] == "4.2" and found["pcf"]["page"] == 1

    audit = session.exec(
        select(AuditEvent).where(AuditEvent.action == "declaration.submitted")
    ).one()
    assert audit.entity_id == str(declaration_id)
    assert audit.after is not None and audit.after["files"][0]["sha256"] == evidence.sha256


def test_the_verdict_page_lists_what_was_read_from_each_pdf(
    client: TestClient, world: World
) -> None:
    signed_in(client, world.acme_user)
    declaration_id = submitted_id(
        submit(
            client,
            data=form(
                material_code="al_recycled_ingot",
                pcf_excluding_biogenic="1900",
                recycled_pre_consumer_pct="20",
                recycled_post_consumer_pct="35",
                recycled_method="mass_balance",
            ),
            files={
                "declaration_pdf": pdf(
                    declared(pcf="1.9", pre_consumer_pct="20", post_consumer_pct="35")
                ),
                "recycled_evidence_pdf": (
                    "coc.pdf",
                    pdf_factory.coc_certificate(),
                    "application/pdf",
                ),
            },
        )
    )
    page = client.get(f"/declarations/{declaration_id}").text
    assert 'id="file-declaration"' in page and 'id="file-recycled_evidence"' in page
    assert "ASI-COC-2024-0311" in page  # the certificate number read from the CoC
    assert 'id="found-recycled_evidence"' in page
    # 55 % recycled content is below the recycled-ingot minimum of 75 %: a person decides.
    assert 'id="finding-recycled.min_content_recycled_ingot"' in page
    assert "in review" in page


def test_a_pdf_that_disagrees_with_the_form_sends_a_passing_declaration_to_review(
    client: TestClient, world: World, session: Session
) -> None:
    signed_in(client, world.acme_user)
    declaration_id = submitted_id(
        submit(client, files={"declaration_pdf": pdf(declared(pcf="5.1"))})
    )
    stored = session.get(Declaration, declaration_id)
    assert stored is not None
    assert stored.verdict == "pass" and stored.status == "in_review"
    assert [(m["document"], m["field"]) for m in stored.pdf_mismatches] == [("declaration", "pcf")]
    page = client.get(f"/declarations/{declaration_id}").text
    assert 'id="mismatch-table"' in page
    assert "Page 1 states a footprint of 5.1 tCO2e/t" in page


def test_a_scanned_declaration_goes_to_review_saying_it_has_no_text_layer(
    client: TestClient, world: World, session: Session
) -> None:
    signed_in(client, world.acme_user)
    declaration_id = submitted_id(
        submit(
            client,
            files={"declaration_pdf": ("scan.pdf", pdf_factory.scanned_pdf(), "application/pdf")},
        )
    )
    stored = session.get(Declaration, declaration_id)
    assert stored is not None and stored.status == "in_review"
    assert stored.pdf_mismatches[0]["field"] == "text_layer"
    page = client.get(f"/declarations/{declaration_id}").text
    assert 'id="no-text-declaration"' in page
    assert "no text layer" in page


def test_a_declaration_pdf_without_the_footprint_goes_to_review(
    client: TestClient, world: World, session: Session
) -> None:
    signed_in(client, world.acme_user)
    text_only = pdf_factory.text_pdf(["Company profile", "We make aluminium ingots."])
    declaration_id = submitted_id(
        submit(client, files={"declaration_pdf": ("profile.pdf", text_only, "application/pdf")})
    )
    stored = session.get(Declaration, declaration_id)
    assert stored is not None and stored.status == "in_review"
    assert stored.pdf_mismatches[0]["kind"] == "not_found"


def test_a_footprint_over_the_limit_is_rejected_with_the_finding_in_the_users_language(
    client: TestClient, world: World, session: Session
) -> None:
    signed_in(client, world.acme_user)
    declaration_id = submitted_id(
        submit(
            client,
            data=form(pcf_excluding_biogenic="16,800"),
            files={"declaration_pdf": pdf(declared(pcf="16.8"))},
        )
    )
    stored = session.get(Declaration, declaration_id)
    assert stored is not None and stored.status == "rejected" and stored.verdict == "fail"
    english = client.get(f"/declarations/{declaration_id}").text
    assert "footprint 16.8 tCO2e/t is above the" in english
    client.cookies.set("portal_lang", "zh")
    chinese = client.get(f"/declarations/{declaration_id}").text
    assert "碳足迹 16.8 tCO2e/t 超过" in chinese


def test_a_chinese_declaration_is_read_and_compared(
    client: TestClient, world: World, session: Session
) -> None:
    signed_in(client, world.acme_user)
    zh = pdf_factory.DeclaredZh(
        pcf="8.5",
        reference_period=f"{YEAR}年1月1日至{YEAR}年12月31日",
        verification_date=f"{YEAR + 1}年3月1日",
        pre_consumer_pct=None,
        post_consumer_pct=None,
    )
    declaration_id = submitted_id(
        submit(
            client,
            data=form(
                pcf_excluding_biogenic="8500",
                standards=["GB/T 24067"],
                verifier_name="中国质量认证中心",
                verification_statement_number="CQC-PCF-2025-0088",
            ),
            files={
                "declaration_pdf": (
                    "声明.pdf",
                    pdf_factory.chinese_declaration(zh),
                    "application/pdf",
                )
            },
        )
    )
    stored = session.get(Declaration, declaration_id)
    assert stored is not None
    assert stored.pdf_mismatches == [] and stored.status == "accepted"


def test_errors_name_the_field_keep_what_was_typed_and_ask_for_the_files_again(
    client: TestClient, world: World, session: Session
) -> None:
    signed_in(client, world.acme_user)
    response = submit(
        client,
        data=form(
            pcf_excluding_biogenic="4,2", product_name="ADC12 ingot", reference_period_end=""
        ),
    )
    assert response.status_code == 422
    page = response.text
    assert 'id="form-errors"' in page
    assert 'id="error-pcf_excluding_biogenic"' in page
    assert "Use a point for decimals (4.2)" in page
    assert 'href="#reference_period_end"' in page and "This field is required." in page
    assert 'value="ADC12 ingot"' in page and 'value="4,2"' in page
    assert 'id="reattach-note"' in page
    assert session.exec(select(Declaration)).first() is None


def test_the_declaration_pdf_is_required(client: TestClient, world: World) -> None:
    signed_in(client, world.acme_user)
    response = submit(client, files={})
    assert response.status_code == 422
    assert "Attach the declaration or CFP study report as a PDF." in response.text


def test_the_form_shows_the_threshold_for_the_chosen_material(
    client: TestClient, world: World
) -> None:
    signed_in(client, world.acme_user)
    page = client.get("/declarations/new?material=al_primary_ingot").text
    assert 'id="preview-limit"' in page
    assert 'id="preview-tier-low_carbon"' in page
    assert "Hydro REDUXA 4.0" in page
    assert 'hx-post="/declarations/validate"' in page


def test_htmx_validation_returns_field_errors_and_the_early_view_of_the_threshold(
    client: TestClient, world: World
) -> None:
    signed_in(client, world.acme_user)
    page = client.get("/declarations/new").text
    response = client.post(
        "/declarations/validate",
        data={
            "material_code": "al_primary_ingot",
            "declared_unit_of_measurement": "tonne",
            "declared_unit_amount": "1",
            "pcf_excluding_biogenic": "3,800",
            "geography_country": "China",
        },
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_from(page)},
    )
    assert response.status_code == 200
    html = response.text
    assert 'id="preview-t-per-t">3.800 tCO2e/t' in html
    assert 'id="preview-label-low_carbon"' in html  # 3.8 earns the low-carbon tier
    assert 'id="error-geography_country" class="field-error-slot" hx-swap-oob="true"' in html
    assert "two-letter ISO code" in html
    assert "<html" not in html  # a fragment, not a page


def test_the_thousandfold_unit_slip_is_pointed_out_while_typing(
    client: TestClient, world: World
) -> None:
    signed_in(client, world.acme_user)
    page = client.get("/declarations/new").text
    html = client.post(
        "/declarations/validate",
        data={
            "material_code": "al_primary_ingot",
            "declared_unit_of_measurement": "kilogram",
            "declared_unit_amount": "1",
            "pcf_excluding_biogenic": "8,500",
        },
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_from(page)},
    ).text
    assert "1000× too large" in html
    assert 'id="preview-finding-plausibility.al_primary_ingot"' in html


def test_files_are_served_inline_as_pdf_only_through_the_authorised_route(
    client: TestClient, world: World, settings: Settings
) -> None:
    signed_in(client, world.acme_user)
    body = pdf_factory.english_declaration(declared())
    declaration_id = submitted_id(
        submit(client, files={"declaration_pdf": ("报告 <v2>;.pdf", body, "text/html")})
    )
    response = client.get(f"/declarations/{declaration_id}/files/declaration")
    assert response.status_code == 200
    assert response.content == body
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == (
        "inline; filename=\"v2_.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%3Cv2%3E.pdf"
    )
    assert client.get(f"/declarations/{declaration_id}/files/verification").status_code == 404
