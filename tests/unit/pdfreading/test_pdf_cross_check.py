"""cross_check: the form against what a document states."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from portal.pdfreading import Mismatch, MismatchKind, cross_check, find_fields

if TYPE_CHECKING:
    from conftest import FactsMaker


def _check(
    maker: FactsMaker, lines: list[str], *, kind: str = "declaration", **form: object
) -> list[Mismatch]:
    return cross_check(maker(**form), find_fields(["\n".join(lines)]), document_kind=kind)


@pytest.mark.parametrize(
    ("printed", "typed_kg", "unit"),
    [
        ("4.2 tCO2e/t", "4200", "tonne"),  # equal
        ("4.2 tCO2e/t", "4.23", "kilogram"),  # 4.23 is 4.2 at the one decimal printed
        ("4.2 tCO2e/t", "4.25", "kilogram"),  # half a unit: either rounding gives 4.2
        ("4.23 tCO2e/t", "4.2", "kilogram"),  # the form is the coarser one
        ("4,200 kg CO2e/t", "4.2", "kilogram"),
        ("0.62 kgCO2e/kg", "620", "tonne"),
        ("8.5 吨二氧化碳当量/吨", "8500", "tonne"),
    ],
)
def test_footprints_that_agree_at_the_printed_precision(
    make_facts: FactsMaker, printed: str, typed_kg: str, unit: str
) -> None:
    mismatches = _check(
        make_facts,
        [f"Product carbon footprint: {printed}"],
        pcf_excluding_biogenic=Decimal(typed_kg),
        declared_unit_of_measurement=unit,
    )
    assert mismatches == []


@pytest.mark.parametrize(
    ("printed", "typed_kg"),
    [
        ("4.2 tCO2e/t", "4.26"),  # rounds to 4.3
        ("4.2 tCO2e/t", "4.3"),
        ("4,260 kg CO2e/t", "4.2"),  # 4.26 printed, 4.2 typed: 4.26 is 4.3 at one decimal
        ("4.20 tCO2e/t", "4.21"),  # two decimals printed: 4.20 is not 4.21
    ],
)
def test_footprints_that_differ_are_mismatches(
    make_facts: FactsMaker, printed: str, typed_kg: str
) -> None:
    [mismatch] = _check(
        make_facts,
        ["Cover page", "Product carbon footprint: " + printed],
        pcf_excluding_biogenic=Decimal(typed_kg),
        declared_unit_of_measurement="kilogram",
    )
    assert mismatch.field == "pcf"
    assert mismatch.kind == MismatchKind.DIFFERS
    assert mismatch.form_value == f"{typed_kg} tCO2e/t"
    assert mismatch.pdf_value is not None and mismatch.pdf_value.startswith(
        printed.split()[0].replace(",", "")
    )
    assert mismatch.page == 1
    assert typed_kg in mismatch.reason_en and "the form says" in mismatch.reason_en
    assert typed_kg in mismatch.reason_zh and "不一致" in mismatch.reason_zh


def test_a_thousandfold_difference_is_named_as_a_unit_slip(make_facts: FactsMaker) -> None:
    [mismatch] = _check(
        make_facts,
        ["Product carbon footprint: 4.2 tCO2e/t"],
        pcf_excluding_biogenic=Decimal(4200),
        declared_unit_of_measurement="kilogram",  # 4200 kg per kg: t and kg confused
    )
    assert "factor of 1000" in mismatch.reason_en
    assert "1000 倍" in mismatch.reason_zh


def test_a_declaration_without_a_footprint_is_a_mismatch(make_facts: FactsMaker) -> None:
    [mismatch] = _check(make_facts, ["Verified by: SGS-CSTC Standards Technical Services"])
    assert (mismatch.field, mismatch.kind) == ("pcf", MismatchKind.NOT_FOUND)
    assert mismatch.reason_en == "The footprint was not found in the document."
    assert mismatch.pdf_value is None and mismatch.form_value == "4.2 tCO2e/t"


def test_recycled_evidence_need_not_state_a_footprint(make_facts: FactsMaker) -> None:
    assert _check(make_facts, ["Recycled content: 55 %"], kind="recycled_evidence") == []


def test_but_a_footprint_it_states_must_agree(make_facts: FactsMaker) -> None:
    mismatches = _check(make_facts, ["Carbon footprint: 9.1 tCO2e/t"], kind="recycled_evidence")
    assert [m.field for m in mismatches] == ["pcf"]


def test_stage_figures_do_not_count_when_the_footprint_is_labelled(
    make_facts: FactsMaker,
) -> None:
    lines = ["Electrolysis: 3.0 tCO2e/t", "Carbon footprint: 4.2 tCO2e/t"]
    assert _check(make_facts, lines) == []


def test_unlabelled_figures_are_compared_when_nothing_is_labelled(
    make_facts: FactsMaker,
) -> None:
    assert _check(make_facts, ["Total 4.2 tCO2e/t"]) == []
    [mismatch] = _check(make_facts, ["Electrolysis 3.0 tCO2e/t", "Casting 0.4 tCO2e/t"])
    assert mismatch.pdf_value == "3.0 tCO2e/t"
    assert "2 figures found" in mismatch.reason_en


def test_a_file_without_text_needs_a_person(make_facts: FactsMaker) -> None:
    [notice] = cross_check(make_facts(), [], document_kind="declaration", has_text_layer=False)
    assert notice.kind == MismatchKind.NEEDS_PERSON
    assert notice.field == "text_layer"
    assert "no text layer" in notice.reason_en and "a person must read it" in notice.reason_en
    assert "文本层" in notice.reason_zh


@pytest.mark.parametrize(
    "printed",
    [
        "SGS-CSTC Standards Technical Services Co Ltd",
        "sgs-cstc standards technical services co., ltd.",
        "SGS-CSTC",
    ],
)
def test_verifier_names_agree_despite_punctuation_and_abbreviation(
    make_facts: FactsMaker, printed: str
) -> None:
    lines = ["Carbon footprint: 4.2 tCO2e/t", f"Verified by: {printed}"]
    assert _check(make_facts, lines) == []


def test_another_verifier_is_a_mismatch(make_facts: FactsMaker) -> None:
    [mismatch] = _check(
        make_facts, ["Carbon footprint: 4.2 tCO2e/t", "Verified by: Bureau Veritas"]
    )
    assert (mismatch.field, mismatch.pdf_value) == ("verifier_name", "Bureau Veritas")
    assert "Chinese" not in mismatch.reason_en


def test_a_verifier_named_in_another_script_asks_a_person(make_facts: FactsMaker) -> None:
    [mismatch] = _check(
        make_facts, ["碳足迹：4.2 吨二氧化碳当量/吨", "核查机构：通标标准技术服务有限公司"]
    )
    assert mismatch.field == "verifier_name"
    assert "a person should confirm" in mismatch.reason_en
    assert "人工确认" in mismatch.reason_zh


def test_statement_numbers(make_facts: FactsMaker) -> None:
    same = ["Carbon footprint: 4.2 tCO2e/t", "Statement No.: sgs-pcf-2025-0117."]
    assert _check(make_facts, same) == []
    other = ["Carbon footprint: 4.2 tCO2e/t", "Statement No.: SGS-PCF-2024-0999"]
    [mismatch] = _check(make_facts, other)
    assert mismatch.field == "verification_statement_number"
    assert (mismatch.form_value, mismatch.pdf_value) == ("SGS-PCF-2025-0117", "SGS-PCF-2024-0999")


def test_a_certificate_number_on_recycled_evidence_is_not_the_statement_number(
    make_facts: FactsMaker,
) -> None:
    lines = ["Certificate No.: ASI-COC-2024-0311", "Recycled content: 55 %"]
    assert _check(make_facts, lines, kind="recycled_evidence") == []
    [mismatch] = _check(make_facts, lines, kind="verification")
    assert mismatch.field == "verification_statement_number"


@pytest.mark.parametrize(
    ("claimed", "printed", "agrees"),
    [
        (("ISO 14067",), "Prepared in accordance with ISO 14067:2018", True),
        (("ISO 14067",), "依据标准：GB/T 24067-2024", True),  # identical adoption
        (("PACT", "ISO 14067"), "ISO 14067", True),
        (("ISO 14067",), "EPD according to EN 15804+A2", False),
        (("EN 15804",), "Prepared in accordance with ISO 14067", False),
    ],
)
def test_standards(
    make_facts: FactsMaker, claimed: tuple[str, ...], printed: str, agrees: bool
) -> None:
    mismatches = _check(make_facts, ["Carbon footprint: 4.2 tCO2e/t", printed], standards=claimed)
    assert [m.field for m in mismatches] == ([] if agrees else ["standards"])


def test_recycled_percentages(make_facts: FactsMaker) -> None:
    same = ["Carbon footprint: 4.2 tCO2e/t", "Pre-consumer: 20 %", "Post-consumer: 35 %"]
    assert _check(make_facts, same) == []
    other = ["Carbon footprint: 4.2 tCO2e/t", "Pre-consumer: 20 %", "Post-consumer: 30 %"]
    [mismatch] = _check(make_facts, other)
    assert mismatch.field == "recycled_post_consumer_pct"
    assert (mismatch.form_value, mismatch.pdf_value) == ("35 %", "30 %")


@pytest.mark.parametrize(("typed", "agrees"), [("35.4", True), ("35.5", True), ("35.6", False)])
def test_recycled_percentages_agree_at_the_printed_precision(
    make_facts: FactsMaker, typed: str, agrees: bool
) -> None:
    mismatches = _check(
        make_facts,
        ["消费后再生料含量：35%"],
        kind="recycled_evidence",
        recycled_pre_consumer_pct=None,
        recycled_post_consumer_pct=Decimal(typed),
    )
    assert [m.field for m in mismatches] == ([] if agrees else ["recycled_post_consumer_pct"])


def test_total_recycled_content_is_compared_with_pre_plus_post(make_facts: FactsMaker) -> None:
    lines = ["Recycled content: 60 %"]
    [mismatch] = _check(make_facts, lines, kind="recycled_evidence")  # form: 20 + 35
    assert (mismatch.field, mismatch.form_value) == ("recycled_content_pct", "55 %")


def test_reference_period_and_verification_date(make_facts: FactsMaker) -> None:
    lines = [
        "Carbon footprint: 4.2 tCO2e/t",
        "Reference period: 2023-01-01 to 2023-12-31",
        "Date of verification: 1 March 2025",
    ]
    mismatches = _check(make_facts, lines)
    assert [(m.field, m.pdf_value) for m in mismatches] == [
        ("reference_period_start", "2023-01-01"),
        ("reference_period_end", "2023-12-31"),
    ]
    assert (
        _check(
            make_facts,
            lines,
            reference_period_start=date(2023, 1, 1),
            reference_period_end=date(2023, 12, 31),
        )
        == []
    )


def test_an_unknown_document_kind_is_refused(make_facts: FactsMaker) -> None:
    with pytest.raises(ValueError, match="invoice"):
        cross_check(make_facts(), [], document_kind="invoice")


def test_mismatches_round_trip_through_json(make_facts: FactsMaker) -> None:
    mismatches = _check(make_facts, ["Carbon footprint: 5.0 tCO2e/t", "Pre-consumer: 10 %"])
    assert len(mismatches) == 2
    again = [
        Mismatch.from_dict(m) for m in json.loads(json.dumps([m.to_dict() for m in mismatches]))
    ]
    assert again == mismatches
