"""`portal report` and the CSV/XLSX exports print the same figures as the API."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient
from helpers import make_user, sign_in
from openpyxl import load_workbook
from sqlmodel import Session
from tracking_factory import make_purchase
from tracking_golden import Golden
from typer.testing import CliRunner

from portal import config
from portal.accounts.models import User
from portal.cli import app
from portal.suppliers.models import Supplier

runner = CliRunner()


def test_report_command_prints_the_api_figures_as_json(
    settings: config.Settings, client: TestClient, session: Session, golden: Golden
) -> None:
    result = runner.invoke(app, ["report", "--year", "2026"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    alloy = printed["lines"][0]
    assert alloy["product_line"] == "alloy" and alloy["scope3_cat1_intensity"] == 3.041
    assert alloy["recycled_share"] == 0.4394 and alloy["recycled_goal"] == 0.3
    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    assert client.get("/api/v1/reports/2026").json() == printed


def test_report_command_prints_csv(settings: config.Settings, golden: Golden) -> None:
    result = runner.invoke(app, ["report", "--year", "2026", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["product_line"] for row in rows] == ["alloy", "extrusion"]
    assert rows[0]["scope3_cat1_intensity"] == "3.0410"
    assert rows[0]["supplier_specific_share"] == "0.4604"
    assert rows[1]["recycled_share"] == ""


def test_report_command_refuses_absurd_years(settings: config.Settings) -> None:
    result = runner.invoke(app, ["report", "--year", "20260"])
    assert result.exit_code == 2


def test_figures_export_as_csv_and_xlsx(
    client: TestClient, session: Session, golden: Golden
) -> None:
    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    response = client.get("/tracking/export/figures.csv?first=2025&last=2027&headers=keys")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["year"], row["product_line"]) for row in rows][:2] == [
        ("2025", "alloy"),
        ("2025", "extrusion"),
    ]
    alloy_2026 = next(
        row for row in rows if row["year"] == "2026" and row["product_line"] == "alloy"
    )
    assert alloy_2026["scope3_cat1_t"] == "3041.000"
    alloy_2027 = next(
        row for row in rows if row["year"] == "2027" and row["product_line"] == "alloy"
    )
    assert alloy_2027["no_intensity_reason"] == "no_production_entered"

    workbook = load_workbook(
        io.BytesIO(client.get("/tracking/export/figures.xlsx?headers=keys").content)
    )
    sheet = workbook["figures"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    values = [
        dict(zip(header, [cell.value for cell in row], strict=True))
        for row in sheet.iter_rows(min_row=2)
    ]
    alloy = next(row for row in values if row["year"] == 2026 and row["product_line"] == "alloy")
    assert alloy["scope3_cat1_intensity"] == 3.041
    materials = list(workbook["materials"].iter_rows(min_row=2, values_only=True))
    assert (
        2026,
        "alloy",
        "pallet_wood",
        "Wooden pallets",
        "packaging",
        1,
        20,
        6,
        0,
        0,
    ) in materials
    assert client.get("/tracking/export/figures.csv?first=2027&last=2025").status_code == 422


def test_purchases_export_has_every_purchase_behind_a_figure(
    client: TestClient, session: Session, golden: Golden
) -> None:
    supplier = session.get(Supplier, golden.last_day_of_2025.supplier_id)
    buyer_id = golden.last_day_of_2025.recorded_by_id
    buyer = session.get(User, buyer_id)
    assert supplier is not None and buyer is not None
    make_purchase(session, supplier=supplier, user=buyer, po_number="=HYPERLINK(1)")
    make_user(session, "esg")
    sign_in(client, "esg@example.com")
    response = client.get("/tracking/export/purchases.csv?year=2026&line=alloy&headers=keys")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 7  # the six golden alloy purchases and the one above
    assert sum(float(row["emissions_t"]) for row in rows) == 3041 + 151
    assert any(row["po_number"] == "'=HYPERLINK(1)" for row in rows)

    xlsx = client.get(
        "/tracking/export/purchases.xlsx?year=2026&line=alloy&source=declaration&headers=keys"
    )
    sheet = load_workbook(io.BytesIO(xlsx.content))["purchases"]
    assert sheet.max_row == 3  # header and the two purchases under declarations
