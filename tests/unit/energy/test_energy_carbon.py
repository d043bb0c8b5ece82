"""Scope 1 and 2 from monthly energy, green power allocation and the factors file, by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.checking.problems import RulesError
from portal.energy import carbon
from portal.energy.carbon import Instrument, MeterMonth
from portal.energy.factors import parse_energy_file

RULES = Path(__file__).parents[3] / "rules" / "energy.toml"


@pytest.fixture
def rules():  # type: ignore[no-untyped-def]
    return parse_energy_file(RULES.read_bytes())


def test_fuel_factors_are_ncv_times_carbon_times_oxidation(rules) -> None:  # type: ignore[no-untyped-def]
    # natural gas: 0.038931 GJ/Nm3 × 15.3 tC/TJ × 0.99 × 44/12 = 2.1622 kgCO2/Nm3
    # diesel: 0.042652 GJ/kg × 20.20 tC/TJ × 0.98 × 44/12 = 3.0959 kgCO2/kg
    assert str(rules.media["natural_gas"].kg_per_unit) == "2.162"
    assert "2.1622" in rules.media["natural_gas"].derivation
    assert "3.0959" in rules.media["diesel"].derivation
    grid, proxy = rules.grid_for(2023)
    assert grid is not None and str(grid.location_kg_per_kwh) == "0.5306" and not proxy
    later, proxy = rules.grid_for(2025)
    assert later is not None and later.year == 2023 and proxy


def test_a_stated_factor_that_disagrees_is_refused() -> None:
    text = RULES.read_text().replace("kgco2_per_unit = 2.162", "kgco2_per_unit = 2.5")
    with pytest.raises(RulesError) as error:
        parse_energy_file(text.encode())
    assert any("2.1622" in str(problem) for problem in error.value.problems)


def test_certificates_never_count_beyond_consumption() -> None:
    # grid: Jan 100 MWh, Feb 50 MWh; a certificate batch of 200 MWh for Jan–Feb covers both
    # months fully (150 MWh) and leaves 50 MWh that count for nothing
    counted, unused = carbon.allocate_green(
        [Instrument(1, "certificate", 200.0, ("2025-01", "2025-02"))],
        {"2025-01": 100_000.0, "2025-02": 50_000.0},
    )
    assert counted == {"2025-01": 100_000.0, "2025-02": 50_000.0}
    assert unused == {1: 50_000.0}


def test_location_and_market_based_scope2_with_pv_and_certificates(rules) -> None:  # type: ignore[no-untyped-def]
    # one month: alloy uses 600,000 kWh, extrusion 400,000 kWh, the roof PV makes 100,000 kWh
    # grid = 1,000,000 − 100,000 = 900,000 kWh; certificates cover 300,000 kWh
    # location: alloy 0.6 × 900,000 × 0.5306 kg = 286.524 t
    # market:   alloy 0.6 × (900,000 − 300,000) × 0.6096 kg = 219.456 t
    # gas: alloy 10,000 Nm3 × 2.162 kg = 21.62 t (Scope 1)
    month = "2023-03"
    items = [
        MeterMonth(1, "electricity", "consumption", {"alloy": 1.0}, month, 600_000, 0, 0),
        MeterMonth(2, "electricity", "consumption", {"extrusion": 1.0}, month, 400_000, 0, 0),
        MeterMonth(3, "electricity", "generation", {}, month, 100_000, 0, 0),
        MeterMonth(4, "natural_gas", "consumption", {"alloy": 1.0}, month, 9_000, 1_000, 0),
    ]
    figures, grid, pv = carbon.line_months(items, rules, year=2023, green_kwh={month: 300_000.0})
    alloy = figures[("alloy", month)]
    assert grid == {month: 900_000.0} and pv == {month: 100_000.0}
    assert alloy.scope2_location_t == pytest.approx(286.524)
    assert alloy.scope2_market_t == pytest.approx(219.456)
    assert alloy.scope1_t == pytest.approx(21.62)
    assert alloy.green_kwh == pytest.approx(180_000.0) and alloy.pv_kwh == pytest.approx(60_000.0)
    # 1,000 of the 10,000 Nm3 were estimated: 2.162 t of the line's CO2e
    assert alloy.quality_t["estimated"] == pytest.approx(2.162)
    assert alloy.scope12_t("location") == pytest.approx(286.524 + 21.62)
