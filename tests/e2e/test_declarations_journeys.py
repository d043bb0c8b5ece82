"""Journeys through declarations in a real browser: a supplier submits, a reviewer accepts."""

from __future__ import annotations

import re

import pdf_factory
from e2e_helpers import sign_in_as
from playwright.sync_api import Page, expect

from portal.clock import plant_today
from portal.declarations.demo import reference_year

YEAR = reference_year(plant_today())


def test_a_supplier_submits_a_declaration_with_pdfs_and_sees_the_verdict(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    declaration_pdf = pdf_factory.english_declaration(
        pdf_factory.Declared(
            pcf="1.9",
            reference_period=f"{YEAR}-01-01 to {YEAR}-12-31",
            verification_date=f"{YEAR + 1}-03-01",
            pre_consumer_pct="20",
            post_consumer_pct="60",
        )
    )
    certificate = pdf_factory.text_pdf(
        [
            "ASI Chain of Custody Certificate",
            "Certificate No.: ASI-COC-2025-0042",
            "Recycled content: 80 %",
            "Pre-consumer: 20 %   Post-consumer: 60 %",
        ]
    )
    sign_in_as(page, live_server.url, "recycler@demo.portal")
    page.locator("#nav-declarations").click()
    expect(page.locator("#page-title")).to_have_text("My declarations")
    page.locator("#new-declaration").click()
    # Chosen before htmx (a deferred script) has bound the field, no preview ever comes.
    page.wait_for_load_state("load")

    page.locator("#material_code").select_option("al_recycled_ingot")
    expect(page.locator("#preview-limit")).to_contain_text("Maximum footprint")
    page.locator("#product_name").fill("ADC12 recycled ingot, low-iron")
    page.locator("#site_name").fill("Zezhou plant")
    page.locator("#geography_country").fill("CN")
    page.locator("#declared_unit_amount").fill("1")
    page.locator("#declared_unit_of_measurement").select_option("tonne")
    page.locator("#pcf_excluding_biogenic").fill("1,900")
    page.locator("#boundary").select_option("cradle-to-gate")
    expect(page.locator("#preview-t-per-t")).to_have_text("1.900 tCO2e/t")  # as typed, early
    page.locator("input[name=standards][value='ISO 14067']").check()
    page.locator("#reference_period_start").fill(f"{YEAR}-01-01")
    page.locator("#reference_period_end").fill(f"{YEAR}-12-31")
    page.locator("#recycled_pre_consumer_pct").fill("20")
    page.locator("#recycled_post_consumer_pct").fill("60")
    page.locator("#recycled_method").select_option("mass_balance")
    page.locator("#verifier_name").fill("SGS-CSTC Standards Technical Services Co., Ltd.")
    page.locator("#verification_statement_number").fill("SGS-PCF-2025-0117")
    page.locator("#verification_date").fill(f"{YEAR + 1}-03-01")
    page.locator("#declaration_pdf").set_input_files(
        files=[
            {"name": "declaration.pdf", "mimeType": "application/pdf", "buffer": declaration_pdf}
        ]
    )
    page.locator("#recycled_evidence_pdf").set_input_files(
        files=[{"name": "asi-coc.pdf", "mimeType": "application/pdf", "buffer": certificate}]
    )
    page.locator("#submit-declaration").click()

    expect(page).to_have_url(re.compile(r"/declarations/\d+$"))
    expect(page.locator("#summary-status")).to_have_text("accepted")
    expect(page.locator("#verdict-outcome")).to_contain_text("pass")
    expect(page.locator("#finding-max_pcf\\.al_recycled_ingot")).to_contain_text("1.9 tCO2e/t")
    expect(page.locator("#no-mismatches")).to_be_visible()
    expect(page.locator("#found-declaration")).to_contain_text("Carbon footprint")
    expect(page.locator("#sha-recycled_evidence")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))


def test_a_reviewer_reads_the_pdf_beside_the_findings_and_accepts(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    sign_in_as(page, live_server.url, "esg@demo.portal")
    page.locator("#nav-review").click()
    expect(page.locator("#page-title")).to_have_text("Review queue")
    row = page.locator("#review-table tbody tr", has_text="A356.2")
    expect(row).to_contain_text("1000× too large")
    row.get_by_role("link", name="Review").click()

    expect(page.locator("#pdf-frame")).to_have_attribute(
        "src", re.compile(r"/declarations/\d+/files/declaration$")
    )
    expect(page.locator("#mismatch-table")).to_contain_text("factor of 1000")
    # A plausibility finding: accepting as declared needs a written reason (or a correction).
    page.locator("#override-reason").fill("Confirmed with the supplier")
    page.locator("#accept-button").click()
    expect(page.locator("#summary-status")).to_have_text("accepted")
    expect(page.locator("#plausibility-override-reason")).to_have_text(
        "Confirmed with the supplier"
    )

    page.locator("#back-to-queue").click()
    expect(page.locator("#review-table")).not_to_contain_text("A356.2")
    page.locator("#review-table tbody tr", has_text="6063").get_by_role(
        "link", name="Review"
    ).click()
    page.locator("#reject-button").click()
    expect(page.locator("#error-decision")).to_have_text("Say why the declaration is rejected.")
    page.locator("#decision-comment").fill("Please upload the declaration with its text layer.")
    page.locator("#reject-button").click()
    expect(page.locator("#summary-status")).to_have_text("rejected")
    expect(page.locator("#decision-comment-shown")).to_have_text(
        "Please upload the declaration with its text layer."
    )
