"""EMS exports: upload, a preview naming each refused line, confirm all or nothing, idempotent."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from energy_factory import make_meter
from fastapi.testclient import TestClient
from helpers import csrf_from, make_user, sign_in
from openpyxl import Workbook
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from portal.audit import Actor, AuditEvent
from portal.cli import app
from portal.energy import imports
from portal.energy.models import EnergyImport, Reading, Rollup

ACTOR = Actor(label="import test")

# Header in Chinese, times in plant time as an EMS writes them; line numbers count the header
# as line 1.
GOOD = (
    "表计编号,时间,读数,单位\n"
    "EL-1,2023-01-05 00:00,1000,kWh\n"  # line 2: the register's first reading
    "EL-1,2023-01-05 01:00,1100,kWh\n"  # line 3: +100 kWh in hour 00
    "EL-1,2023/1/5 02:00:00,1.25,MWh\n"  # line 4: 1,250 kWh → +150 kWh in hour 01
)
BAD = GOOD + (
    "EL-1,2023-01-05 03:00,lots,kWh\n"  # line 5: not a number
    "NOPE,2023-01-05 03:00,5,kWh\n"  # line 6: no such meter
)


def month_energy(session: Session, meter_id: int) -> float:
    row = session.exec(
        select(Rollup).where(
            Rollup.meter_id == meter_id, Rollup.grain == "m", Rollup.period == "2023-01"
        )
    ).first()
    return 0.0 if row is None else round(row.measured, 6)


def test_a_file_with_bad_lines_is_refused_with_their_line_numbers_and_stores_nothing(
    backend: str, session: Session
) -> None:
    meter = make_meter(session, "EL-1")
    record = imports.upload(
        session, actor=ACTOR, user_id=None, filename="ems.csv", data=BAD.encode("gb18030")
    )
    session.commit()
    # 5 lines: 3 good ones would be new, 2 are refused, each named by line and field
    assert (record.line_count, record.new_count, record.error_count) == (5, 3, 2)
    errors = imports.errors_of(record)
    assert [(e["row"], e["field"]) for e in errors] == [(5, "value"), (6, "meter")]
    assert "NOPE" in errors[1]["message"]
    try:
        imports.confirm(session, actor=ACTOR, import_id=record.id or 0)
    except imports.ImportRefused as refused:
        assert "2 line(s)" in refused.message
    else:
        raise AssertionError("a file with refused lines was confirmed")
    session.rollback()
    # the preview was a dry run, and the refusal stored nothing: no readings, no roll-ups
    assert session.exec(select(Reading).where(Reading.meter_id == meter.id)).all() == []
    assert month_energy(session, meter.id or 0) == 0.0


def test_a_good_file_is_previewed_then_stored_once(backend: str, session: Session) -> None:
    meter = make_meter(session, "EL-1")
    record = imports.upload(
        session, actor=ACTOR, user_id=None, filename="ems.csv", data=GOOD.encode()
    )
    session.commit()
    assert (record.new_count, record.unchanged_count, record.error_count) == (3, 0, 0)
    assert session.exec(select(Reading).where(Reading.meter_id == meter.id)).all() == []
    imports.confirm(session, actor=ACTOR, import_id=record.id or 0)
    session.commit()
    # 100 + 150 kWh in January
    assert month_energy(session, meter.id or 0) == 250.0
    sources = session.exec(select(Reading.source).where(Reading.meter_id == meter.id)).all()
    assert sources == ["file", "file", "file"]

    again = imports.upload(
        session, actor=ACTOR, user_id=None, filename="ems.csv", data=GOOD.encode()
    )
    session.commit()
    assert (again.new_count, again.unchanged_count) == (0, 3)  # idempotent by meter and time
    imports.confirm(session, actor=ACTOR, import_id=again.id or 0)
    session.commit()
    assert month_energy(session, meter.id or 0) == 250.0
    # a different value at a stored time is refused, naming its line
    changed = GOOD.replace("1100", "1111")
    third = imports.upload(
        session, actor=ACTOR, user_id=None, filename="ems.csv", data=changed.encode()
    )
    assert [(e["row"], e["field"]) for e in imports.errors_of(third)] == [(3, "value")]
    actions = session.exec(
        select(AuditEvent.action)
        .where(AuditEvent.entity_type == "energy_import")
        .order_by(col(AuditEvent.id))
    ).all()
    assert actions == [
        "energy_import.uploaded",
        "energy_import.confirmed",
        "energy_import.uploaded",
        "energy_import.confirmed",
        "energy_import.uploaded",
    ]


def test_the_import_page_previews_an_xlsx_and_confirms_it(
    client: TestClient, session: Session
) -> None:
    meter = make_meter(session, "EL-1")
    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Meter code", "Time", "Value"])
    sheet.append(["EL-1", datetime(2023, 1, 5, 0, 0), 1000])
    sheet.append(["EL-1", datetime(2023, 1, 5, 1, 0), 1100])
    buffer = io.BytesIO()
    book.save(buffer)
    page = client.get("/energy/imports")
    assert page.status_code == 200 and 'id="import-form"' in page.text
    preview = client.post(
        "/energy/imports",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("ems.xlsx", buffer.getvalue(), "application/octet-stream")},
        follow_redirects=True,
    )
    assert preview.status_code == 200, preview.text
    assert 'id="confirm-import"' in preview.text and "2 lines: 2 new" in preview.text.replace(
        "\n", " "
    )
    stored = client.post(
        preview.url.path + "/confirm",
        data={"csrf_token": csrf_from(preview.text)},
        follow_redirects=True,
    )
    assert stored.status_code == 200 and 'id="import-confirmed"' in stored.text
    assert month_energy(session, meter.id or 0) == 100.0  # 1100 − 1000 kWh
    refused = client.post(
        "/energy/imports",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("ems.csv", b"meter,value\nEL-1,5\n", "text/csv")},
    )
    assert refused.status_code == 422 and 'id="error-file"' in refused.text
    assert "Time / 时间" in refused.text


def test_portal_energy_import_names_the_bad_line(
    backend: str, session: Session, tmp_path: Path
) -> None:
    make_meter(session, "EL-1")
    bad = tmp_path / "ems.csv"
    bad.write_text(BAD, encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(app, ["energy", "import", str(bad)])
    assert refused.exit_code == 1, refused.output
    assert "line 5 value" in refused.output and "line 6 meter" in refused.output
    assert "nothing stored" in refused.output
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    stored = runner.invoke(app, ["energy", "import", str(good)])
    assert stored.exit_code == 0, stored.output
    assert "stored 3 reading(s)" in stored.output
    assert len(session.exec(select(EnergyImport)).all()) == 2


def test_the_example_file_is_headed_in_the_users_language(
    client: TestClient, session: Session
) -> None:
    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    url = "/energy/imports/template.csv"
    chinese = client.get(url, headers={"Accept-Language": "zh"}).content.decode("utf-8")
    assert chinese.startswith("\ufeff表计编号,时间,读数,单位,换表\r\nCH-MF1-EL,")
    english = client.get(url).content.decode("utf-8")
    assert english.startswith("\ufeffMeter code,Time,Value,Unit,New register\r\n")
    keys = client.get(url + "?headers=keys").content.decode("utf-8")
    assert keys.startswith("\ufeffmeter,at,value,unit,replaced\r\n")
    page = client.get("/energy/imports").text
    assert 'formaction="/energy/imports/template.csv" id="import-template"' in page
