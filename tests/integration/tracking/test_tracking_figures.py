"""The yearly figures from the ledger: hand-worked golden numbers, boundaries, supersession."""

from __future__ import annotations

from decimal import Decimal

from factories import make_declaration
from sqlmodel import Session
from tracking_golden import SETUP, Golden

from portal.suppliers.models import Supplier
from portal.tracking.figures import Missing
from portal.tracking.service import save_line_year, year_figures


def test_golden_figures_of_2026(session: Session, golden: Golden) -> None:
    alloy = year_figures(session, year=2026).line("alloy")
    # 600 + 800 + 1510 + 15 + 110 + 6 (pallets are purchased goods too) = 3041 tCO2e
    assert alloy.scope3_cat1_t == Decimal("3041.000")
    assert alloy.purchases == 6 and alloy.purchased_t == Decimal("680.000")
    # 3041 tCO2e ÷ 1000 t produced = 3.041 tCO2e/t; the plan's 2026 target is 8.18
    assert alloy.scope3_cat1_intensity == Decimal("3.0410")
    assert alloy.scope3_cat1_target == Decimal("8.18")
    assert alloy.scope3_cat1_gap == Decimal("-5.1390") and alloy.scope3_on_track
    # supplier-specific: 600 + 800 = 1400 of 3041 = 0.46037… → 0.4604
    assert alloy.supplier_specific_t == Decimal("1400.000")
    assert alloy.supplier_specific_share == Decimal("0.4604")
    # Scope 1+2: 790 ÷ 1000 = 0.79 against 0.77: above target by 0.02
    assert alloy.scope12_intensity == Decimal("0.7900")
    assert alloy.scope12_gap == Decimal("0.0200") and alloy.scope12_on_track is False
    # recycled: (240 + 50) ÷ (300 + 200 + 100 + 50 + 10) raw tonnes = 290 ÷ 660 = 0.43939… → 0.4394
    # (the 20 t of pallets are packaging, not raw material); 2026 goal 30 %
    assert alloy.raw_material_t == Decimal("660.000") and alloy.recycled_t == Decimal("290.000")
    assert alloy.recycled_share == Decimal("0.4394")
    assert alloy.recycled_goal == Decimal("0.3000") and alloy.recycled_on_track

    extrusion = year_figures(session, year=2026).line("extrusion")
    # 4 + 1560 = 1564 tCO2e ÷ 200 t = 7.82 tCO2e/t against 15.06
    assert extrusion.scope3_cat1_t == Decimal("1564.000")
    assert extrusion.scope3_cat1_intensity == Decimal("7.8200")
    assert extrusion.scope3_cat1_target == Decimal("15.06")
    assert extrusion.supplier_specific_share == Decimal("0.0000")
    assert extrusion.scope12_intensity is None
    assert extrusion.no_scope12_reason is Missing.NO_SCOPE12


def test_tonnes_by_material(session: Session, golden: Golden) -> None:
    materials = {
        m.material_code: m for m in year_figures(session, year=2026).line("alloy").materials
    }
    assert materials["al_primary_ingot"].quantity_t == Decimal("300.000")  # 200 declared + 100
    assert materials["al_primary_ingot"].emissions_t == Decimal("2310.000")  # 800 + 1510
    assert materials["al_primary_ingot"].supplier_specific_t == Decimal("800.000")
    assert materials["pallet_wood"].category == "packaging"
    assert list(materials)[-1] == "pallet_wood"  # raw materials first, packaging last


def test_31_december_and_1_january_fall_in_their_own_years(
    session: Session, golden: Golden
) -> None:
    # the 2025-12-31 purchase: 1000 t × 15.1, the only alloy purchase of 2025
    assert year_figures(session, year=2025).line("alloy").scope3_cat1_t == Decimal("15100.000")
    # 2026 starts with the 1 January purchase (300 t recycled) and ends with 31 December's
    alloy_2026 = year_figures(session, year=2026).line("alloy")
    assert alloy_2026.scope3_cat1_t == Decimal("3041.000")
    assert year_figures(session, year=2027).line("alloy").scope3_cat1_t == Decimal("15100.000")


def test_extrusion_purchases_do_not_count_toward_the_alloy_recycled_share(
    session: Session, golden: Golden
) -> None:
    figures = year_figures(session, year=2026)
    # the 40 t of scrap bought for extrusion would lift alloy to 330 ÷ 700 = 0.4714
    assert figures.line("alloy").recycled_share == Decimal("0.4394")
    extrusion = figures.line("extrusion")
    assert extrusion.recycled_share is None and extrusion.recycled_goal is None
    assert not extrusion.tracks_recycled


def test_a_purchase_under_a_later_superseded_declaration_keeps_its_factor(
    session: Session, golden: Golden
) -> None:
    smelter = session.get(Supplier, golden.primary_declaration.supplier_id)
    assert smelter is not None
    make_declaration(
        session,
        smelter,
        "al_primary_ingot",
        pcf_t_per_t="9.0",
        supersedes=golden.primary_declaration,
        submitted_on=golden.under_primary_declaration.purchase_date,
    )
    session.refresh(golden.primary_declaration)
    assert golden.primary_declaration.status == "superseded"
    alloy = year_figures(session, year=2026).line("alloy")
    # still 200 t × 4.0 = 800, not 200 × 9.0 = 1800
    assert alloy.scope3_cat1_t == Decimal("3041.000")
    assert alloy.supplier_specific_t == Decimal("1400.000")


def test_a_year_without_production_shows_emissions_and_why_there_is_no_intensity(
    session: Session, golden: Golden
) -> None:
    alloy = year_figures(session, year=2027).line("alloy")
    assert alloy.scope3_cat1_t == Decimal("15100.000")
    assert alloy.scope3_cat1_intensity is None and alloy.scope3_cat1_gap is None
    assert alloy.no_intensity_reason is Missing.NO_PRODUCTION
    assert alloy.scope3_cat1_target == Decimal("8.13")  # the target is still shown
    save_line_year(session, actor=SETUP, line="alloy", year=2027, production_t="0", scope12_t="0")
    zero = year_figures(session, year=2027).line("alloy")
    assert zero.scope3_cat1_intensity is None
    assert zero.no_intensity_reason is Missing.ZERO_PRODUCTION


def test_the_2023_baseline_shows_without_anyone_entering_it(session: Session) -> None:
    figures = year_figures(session, year=2023)
    alloy, extrusion = figures.line("alloy"), figures.line("extrusion")
    # 6456.81 tCO2e ÷ 7880 t = 0.81939… and 568.34 ÷ 397 = 1.43158… (the plan prints 0.82, 1.43)
    assert alloy.scope12_intensity == Decimal("0.8194")
    assert extrusion.scope12_intensity == Decimal("1.4316")
    assert alloy.inputs.from_plan and alloy.production_t == Decimal("7880")
    # no purchases were recorded for 2023, which is said rather than shown as zero intensity
    assert alloy.no_intensity_reason is Missing.NO_PURCHASES
