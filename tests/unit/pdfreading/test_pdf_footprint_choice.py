"""Which figure is the footprint: cues for and against, confidence, and the cross-check on it."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pdf_corpus
import pdf_factory
import pytest
from pdf_corpus import Doc, declared_unit, decoy, module_table, stage_table, title

from portal.pdfreading import MismatchKind, PdfRefused, ReadingLimits, cross_check
from portal.pdfreading.candidates import Candidate
from portal.pdfreading.cues import A1_A3, GWP_FOSSIL_LULUC, GWP_GHG, TOTAL_ROW
from portal.pdfreading.extraction import read_pdf
from portal.pdfreading.found import PdfReading

if TYPE_CHECKING:
    from conftest import FactsMaker

LIMITS = ReadingLimits()


def _read(doc: Doc) -> PdfReading:
    return read_pdf(doc.pdf(), LIMITS)


def _epd(rows: tuple[str, ...], unit: str = "1 t") -> Doc:
    # GWP-GHG A1-A3 of 8.6 t/t per tonne: 8.60E+03 kg CO2 eq. per declared unit (1 t).
    return pdf_corpus.epd("epd", ghg=Decimal("8.6"), unit=unit, notation="e_point", rows=rows)


def test_the_a1_a3_gwp_ghg_cell_of_a_module_table_is_chosen() -> None:
    reading = _read(_epd(("GWP-total", "GWP-fossil", "GWP-biogenic", "GWP-luluc", "GWP-GHG")))
    chosen = reading.footprint
    assert chosen is not None
    assert (chosen.printed, chosen.unit, chosen.t_per_t) == ("8.60E+03", "kgCO2e/t", Decimal("8.6"))
    assert A1_A3 in chosen.reasons and GWP_GHG in chosen.reasons
    # The unit column says only "kg CO2 eq."; the declared unit (1 t) gives the "per".
    assert any(reason.startswith("per declared unit t ") for reason in chosen.reasons)
    assert chosen.confidence >= 0.6
    # D, C1-C4 and single modules are ranked below it, each with its reason.
    others = _read(_epd(("GWP-GHG",))).candidates[1:]
    reasons = {reason for candidate in others for reason in candidate.reasons}
    assert "end-of-life module C" in reasons
    assert "module D: credits beyond the system boundary" in reasons
    assert "a single module column (A1, A2, …)" in reasons


def test_without_a_gwp_ghg_row_fossil_plus_luluc_is_chosen_and_said_so() -> None:
    doc = _epd(("GWP-total", "GWP-fossil", "GWP-biogenic", "GWP-luluc"), unit="1 kg")
    chosen = _read(doc).footprint
    assert chosen is not None
    # GWP-fossil 8.47 + GWP-luluc 0.130 (kg CO2 eq. per kg) = 8.600 t/t.
    assert chosen.t_per_t == doc.expected_t_per_t == Decimal("8.600")
    assert chosen.printed == "8.47E+00 + 1.30E-01"
    assert GWP_FOSSIL_LULUC in chosen.reasons


def test_with_only_gwp_total_that_row_is_chosen() -> None:
    chosen = _read(_epd(("GWP-total",))).footprint
    assert chosen is not None and "GWP-total row" in chosen.reasons


def test_the_total_row_of_a_stage_table_beats_its_stages() -> None:
    table, expected = stage_table(Decimal("8450"), language="zh")
    reading = _read(
        Doc("stage", expected, [title("碳足迹报告") + declared_unit("功能单位") + table])
    )
    assert reading.footprint is not None
    assert (reading.footprint.t_per_t, reading.footprint.reasons[0]) == (expected, TOTAL_ROW)
    # 占比 (%) cells are shares, never candidates.
    assert all(candidate.t_per_t > Decimal("0.1") for candidate in reading.candidates)


@pytest.mark.parametrize("kind", pdf_corpus.DECOYS)
def test_each_decoy_loses_to_the_labelled_footprint(kind: str) -> None:
    rows = [*decoy(kind), [(0, "Carbon footprint (cradle-to-gate): 7.45 t CO2e/t")]]
    reading = _read(Doc(kind, Decimal("7.45"), [rows]))
    assert reading.footprint is not None and reading.footprint.t_per_t == Decimal("7.45")
    assert reading.footprint.confidence >= 0.6


def test_per_kwh_tkm_and_nm3_figures_are_not_candidates() -> None:
    rows = decoy("kwh") + decoy("tkm") + decoy("nm3")
    assert _read(Doc("factors", Decimal(0), [rows])).candidates == ()


def test_the_declared_unit_on_another_page_gives_the_unit_column_its_mass() -> None:
    table, expected_kg = module_table(pdf_corpus.Gwp(Decimal("6.4")), notation="e_comma")
    pages = [title("EPD") + declared_unit("1 kg"), title("Results") + table]
    chosen = _read(Doc("two pages", expected_kg, pages)).footprint
    assert chosen is not None
    assert (chosen.page, chosen.unit, chosen.t_per_t) == (2, "kgCO2e/kg", Decimal("6.40"))


def test_two_equally_likely_figures_leave_the_choice_to_a_person(make_facts: FactsMaker) -> None:
    rows = [[(0, "Carbon footprint: 4.2 t CO2e/t")], [(0, "Carbon footprint: 6.1 t CO2e/t")]]
    reading = _read(Doc("two", Decimal("4.2"), [rows]))
    assert reading.footprint is not None and reading.footprint.confidence < 0.6
    [mismatch] = _cross_check(make_facts(), reading)
    assert (mismatch.field, mismatch.kind) == ("pcf", MismatchKind.NEEDS_PERSON)
    assert "page 1: 4.2 tCO2e/t" in mismatch.reason_en
    assert "page 1: 6.1 tCO2e/t" in mismatch.reason_en
    assert "第 1 页 6.1 tCO2e/t" in mismatch.reason_zh


def _cross_check(facts: object, reading: PdfReading) -> list:  # type: ignore[type-arg]
    return cross_check(
        facts,  # type: ignore[arg-type]
        reading.fields,
        document_kind="declaration",
        footprint=reading.footprint,
        candidates=reading.candidates,
        garbled_pages=reading.garbled_pages,
    )


def test_a_decoy_that_equals_the_form_does_not_hide_a_mismatch(make_facts: FactsMaker) -> None:
    # The supplier typed the smelter's Scope 1+2 figure (3.1), not the footprint (8.1).
    rows = [*decoy("scope12"), [(0, "Product carbon footprint (cradle-to-gate): 8.1 t CO2e/t")]]
    reading = _read(Doc("scope", Decimal("8.1"), [rows]))
    [mismatch] = _cross_check(make_facts(pcf_excluding_biogenic=Decimal(3100)), reading)
    assert (mismatch.kind, mismatch.pdf_value) == (MismatchKind.DIFFERS, "8.1 tCO2e/t")
    assert "Scope 1+2 / smelter only" in mismatch.reason_en
    assert "仅范围一和范围二" in mismatch.reason_zh


def test_a_decoy_beside_a_matching_footprint_is_no_mismatch(make_facts: FactsMaker) -> None:
    rows = decoy("grave") + decoy("credit") + [[(0, "Carbon footprint: 4.2 t CO2e/t")]]
    reading = _read(Doc("ok", Decimal("4.2"), [rows]))
    assert _cross_check(make_facts(), reading) == []


def test_an_ocr_footprint_goes_to_a_person(make_facts: FactsMaker) -> None:
    ocr = Candidate("4.2", "4.2", "tCO2e/t", Decimal("4.2"), 1, "碳足迹 4.2 tCO2e/t", 2.0,
                    ("read by OCR from an image",), source="ocr", confidence=0.9)  # fmt: skip
    [mismatch] = cross_check(
        make_facts(), (), document_kind="declaration", footprint=ocr, candidates=(ocr,)
    )
    assert mismatch.kind == MismatchKind.NEEDS_PERSON and "OCR" in mismatch.reason_en


def test_a_reading_round_trips_its_choice_through_json() -> None:
    reading = _read(_epd(("GWP-GHG",)))
    again = PdfReading.from_dict(reading.to_dict())
    assert again == reading and again.footprint is not None


def test_readings_stored_before_choices_still_load() -> None:
    stored = {"page_count": 1, "has_text_layer": True, "text_chars": 10, "fields": []}
    reading = PdfReading.from_dict(stored)
    assert (reading.footprint, reading.candidates) == (None, ())


@pytest.mark.parametrize("algorithm", ["rc4", "aes"])
def test_a_file_protected_by_an_owner_password_only_is_read(algorithm: str) -> None:
    doc = _epd(("GWP-GHG",))
    doc.protect = algorithm
    data = doc.pdf()
    assert b"/Encrypt" in data
    chosen = read_pdf(data, LIMITS).footprint
    assert chosen is not None and chosen.t_per_t == Decimal("8.6")


def test_a_file_that_needs_a_user_password_is_still_refused() -> None:
    with pytest.raises(PdfRefused) as refused:
        read_pdf(pdf_factory.encrypted_pdf(), LIMITS)
    assert refused.value.code == "encrypted"


def test_a_cjk_text_layer_without_a_character_map_is_read_from_its_codes() -> None:
    rows = [*title("产品碳足迹声明"), [(0, "产品碳足迹：8.5 吨二氧化碳当量/吨")]]
    reading = _read(Doc("garbled", Decimal("8.5"), [rows], garble=True))
    assert reading.garbled_pages == ()
    assert reading.footprint is not None and reading.footprint.t_per_t == Decimal("8.5")


def test_a_text_layer_that_stays_garbage_asks_a_person(make_facts: FactsMaker) -> None:
    reading = PdfReading(1, True, (), 40, garbled_pages=(1,))
    [mismatch] = _cross_check(make_facts(), reading)
    assert (mismatch.field, mismatch.kind) == ("text_layer", MismatchKind.NEEDS_PERSON)
