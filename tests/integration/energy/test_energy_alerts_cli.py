"""Silent-meter and intensity alerts raised once; the `portal energy` commands."""

from __future__ import annotations

from pathlib import Path

from energy_factory import ACTOR, make_meter, plant
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from portal import config
from portal.cli import app
from portal.energy import alerts, entries, readings
from portal.energy.models import Alert, Meter, Rollup
from portal.energy.readings import RawReading


def test_silent_meter_and_intensity_above_target_alert_once(session: Session) -> None:
    # the furnace's gas meter (hourly) last read 5 hours before NOW: silent for more than
    # 4 intervals. March 2025: 10,000 Nm3 × 2.162 kg = 21.62 t for 10 t = 2.16 t/t, above
    # the alloy line's 2025 target of 0.79
    make_meter(session, "GAS-F", medium="natural_gas")
    now = plant(2025, 3, 2, 5)
    items = [RawReading("GAS-F", plant(2025, 3, 1, 0), 0)]
    items.append(RawReading("GAS-F", plant(2025, 3, 2, 0), 10_000))
    readings.ingest(session, items=items, source="http")
    entries.save_production(session, actor=ACTOR, line="alloy", month="2025-03", tonnes="10")
    session.commit()
    assert alerts.evaluate(session, now_s=now) == 2
    assert alerts.evaluate(session, now_s=now + 600) == 0  # raised once
    session.commit()
    found = {a.rule_code: a.message for a in session.exec(select(Alert)).all()}
    assert found["silent_meter"] == "GAS-F: silent since 2025-03-02 00:00"
    assert "2.16 tCO2e/t above the target 0.79" in found["intensity_above_target"]


def test_meters_load_and_verify_commands(
    session: Session, settings: config.Settings, tmp_path: Path
) -> None:
    runner = CliRunner()
    good = tmp_path / "meters.csv"
    good.write_text(
        "code,name,site,workshop,equipment,medium,kind,interval_s,product_line,in_service_from\n"
        "CH-MF1-EL,Furnace 1,Plant,Casthouse,Melting furnace 1,electricity,cumulative,900,"
        "alloy,2023-01-01\n"
    )
    loaded = runner.invoke(app, ["energy", "meters", "load", str(good)])
    assert loaded.exit_code == 0, loaded.output
    assert "1 created, 0 updated, 0 unchanged" in loaded.output
    again = runner.invoke(app, ["energy", "meters", "load", str(good)])
    assert "0 created, 0 updated, 1 unchanged" in again.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[[meters]]\ncode = "X 1"\nname = "x"\n')
    refused = runner.invoke(app, ["energy", "meters", "load", str(bad)])
    assert refused.exit_code == 1 and "meter 1 (X 1) code" in refused.output

    items = [RawReading("CH-MF1-EL", plant(2023, 1, 1, h), 5.0 * h) for h in range(3)]
    readings.ingest(session, items=items, source="file")
    session.commit()
    assert runner.invoke(app, ["energy", "verify"]).exit_code == 0
    meter_id = session.exec(select(Meter.id)).one()
    row = session.exec(
        select(Rollup).where(Rollup.meter_id == meter_id, col(Rollup.grain) == "m")
    ).one()
    row.measured += 1
    session.add(row)
    session.commit()
    drift = runner.invoke(app, ["energy", "verify"])
    assert drift.exit_code == 1 and "1 roll-up(s) drifted" in drift.output
    fixed = runner.invoke(app, ["energy", "verify", "--fix"])
    assert fixed.exit_code == 0 and "fixed" in fixed.output
    assert runner.invoke(app, ["energy", "verify"]).exit_code == 0
