"""`portal pdf read`: JSON of what was found, or of the refusal with exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import pdf_factory
from typer.testing import CliRunner

from portal.pdfreading.cli import pdf_app

runner = CliRunner()


def test_read_prints_each_field_with_unit_footprint_and_page(tmp_path: Path) -> None:
    path = tmp_path / "声明.pdf"
    path.write_bytes(pdf_factory.chinese_declaration())
    result = runner.invoke(pdf_app, ["read", str(path)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert (printed["page_count"], printed["has_text_layer"]) == (1, True)
    fields = {field["name"]: field for field in printed["fields"]}
    assert fields["pcf"] == {
        "name": "pcf",
        "value": "8.5",
        "unit": "tCO2e/t",
        "t_per_t": "8.5",
        "page": 1,
        "snippet": "产品碳足迹:8.5 吨二氧化碳当量/吨",
        "source": "text",
    }
    assert fields["verifier"]["value"] == "中国质量认证中心"
    assert fields["verifier"]["t_per_t"] is None


def test_a_refusal_is_printed_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "declaration.pdf"
    path.write_bytes(pdf_factory.encrypted_pdf())
    result = runner.invoke(pdf_app, ["read", str(path)])
    assert result.exit_code == 1
    refused = json.loads(result.output)["refused"]
    assert refused["code"] == "encrypted"
    assert "加密" in refused["message_zh"]


def test_the_limits_are_options(tmp_path: Path) -> None:
    path = tmp_path / "declaration.pdf"
    path.write_bytes(pdf_factory.english_declaration())
    result = runner.invoke(pdf_app, ["read", str(path), "--max-bytes", "1000"])
    assert result.exit_code == 1
    assert json.loads(result.output)["refused"]["code"] == "too_large"


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(pdf_app, ["read", str(tmp_path / "absent.pdf")])
    assert result.exit_code == 2


def test_read_prints_the_chosen_footprint_and_the_candidates(tmp_path: Path) -> None:
    import pdf_corpus

    path = tmp_path / "epd.pdf"
    doc = next(doc for doc in pdf_corpus.named() if doc.name == "epd-with-all-decoys")
    path.write_bytes(doc.pdf())
    result = runner.invoke(pdf_app, ["read", str(path)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    footprint = printed["footprint"]
    assert (footprint["t_per_t"], footprint["unit"], footprint["source"]) == (
        "8.1",
        "kgCO2e/t",
        "text",
    )
    assert "A1-A3 column" in footprint["reasons"] and footprint["confidence"] >= 0.6
    assert printed["candidates"][0] == footprint
    assert len(printed["candidates"]) > 3


def test_a_scan_is_read_by_ocr_and_its_fields_say_so(tmp_path: Path) -> None:
    import pdf_corpus

    [doc] = [doc for doc in pdf_corpus.scans() if doc.name == "scan-zh-certificate-stamped"]
    path = tmp_path / "扫描件.pdf"
    path.write_bytes(doc.pdf())
    # OCR takes about a second; a long limit keeps it going on a machine the tests share.
    result = runner.invoke(pdf_app, ["read", str(path), "--timeout-s", "60"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    # An image-only page: no text layer, read by OCR; the certificate says 9.46 t CO2e per t.
    assert (printed["has_text_layer"], printed["ocr_pages"]) == (False, [1])
    footprint = printed["footprint"]
    assert (footprint["t_per_t"], footprint["source"]) == ("9.46", "ocr")
    assert "9.46" in footprint["snippet"] and "二氧化碳当量" in footprint["snippet"]
    numbers = [f for f in printed["fields"] if f["name"] == "certificate_number"]
    assert numbers and {f["source"] for f in numbers} == {"ocr"}
