"""Pages and commands: PACT clients (administrators), publishing (ESG team), certificates."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cryptography import x509
from fastapi.testclient import TestClient
from helpers import make_user, post_form, sign_in
from pact_helpers import Credentials, Published, bearer_for
from sqlmodel import Session, select
from tracking_golden import build_golden
from typer.testing import CliRunner

from portal import config
from portal.audit import AuditEvent
from portal.catalog import get_ruleset
from portal.cli import app as cli
from portal.pact.models import PactClient, PactFootprint
from portal.security import sha256_hex

runner = CliRunner()


def test_an_administrator_creates_a_client_and_sees_its_secret_once(
    pact_http: TestClient, session: Session
) -> None:
    make_user(session, "admin")
    sign_in(pact_http, "admin@example.com")
    page = post_form(
        pact_http, "/admin/pact/clients", "/admin/pact/clients", {"name": "Car Maker GmbH"}
    )
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-client-secret" value="([^"]+)"', page.text)
    client_id = re.search(r'id="new-client-id" value="([^"]+)"', page.text)
    assert secret and client_id
    stored = session.exec(select(PactClient)).one()
    assert stored.client_id == client_id.group(1) and stored.name == "Car Maker GmbH"
    assert stored.secret_hash == sha256_hex(secret.group(1))
    again = pact_http.get("/admin/pact/clients")
    assert client_id.group(1) in again.text and secret.group(1) not in again.text
    # The credentials work at the token endpoint, until the administrator revokes them.
    credentials = Credentials(client_id.group(1), secret.group(1))
    bearer_for(pact_http, credentials)
    revoked = post_form(
        pact_http,
        "/admin/pact/clients",
        f"/admin/pact/clients/{stored.client_id}/revoke",
        {},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    refused = pact_http.post(
        "/auth/token", data={"grant_type": "client_credentials"}, headers=credentials.basic()
    )
    assert refused.status_code == 400
    actions = set(session.exec(select(AuditEvent.action)).all())
    assert {"pact.client_created", "pact.client_revoked", "pact.token_issued"} <= actions


def test_a_client_form_with_bad_fields_names_them(pact_http: TestClient, session: Session) -> None:
    make_user(session, "admin")
    sign_in(pact_http, "admin@example.com")
    page = post_form(
        pact_http,
        "/admin/pact/clients",
        "/admin/pact/clients",
        {"name": "Buyer", "callback_base_url": "http://buyer.example"},
    )
    assert page.status_code == 422
    assert 'id="error-callback_base_url"' in page.text and "https://" in page.text
    half = post_form(
        pact_http,
        "/admin/pact/clients",
        "/admin/pact/clients",
        {"name": "Buyer", "callback_client_id": "only-the-id"},
    )
    assert half.status_code == 422 and 'id="error-callback_client_id"' in half.text
    nobody = post_form(
        pact_http, "/admin/pact/clients", "/admin/pact/clients", {"name": "X", "supplier": "NOPE"}
    )
    assert nobody.status_code == 422 and 'id="error-supplier"' in nobody.text
    assert session.exec(select(PactClient)).all() == []


def test_the_esg_team_publishes_and_sees_to_whom_it_was_served(
    pact_http: TestClient, session: Session, https_settings: config.Settings
) -> None:
    build_golden(session)
    make_user(session, "esg")
    sign_in(pact_http, "esg@example.com")
    # Extrusion 2026 has no Scope 1+2 entered: nothing is published, and the page says why.
    refused = post_form(
        pact_http, "/pact/published", "/pact/published", {"line": "extrusion", "year": "2026"}
    )
    assert refused.status_code == 422
    assert "No Scope 1+2 emissions have been entered" in refused.text
    done = post_form(
        pact_http,
        "/pact/published",
        "/pact/published",
        {"line": "alloy", "year": "2026"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    row = session.exec(select(PactFootprint)).one()
    assert row.status == "Active" and row.body["pcf"]["pcfExcludingBiogenicUptake"] == "3.831"
    assert row.ruleset_revision == get_ruleset().revision
    assert f"Rule-set revision {row.ruleset_revision[:12]}." in row.body["comment"]
    download = pact_http.get(f"/pact/published/{row.id}.json")
    assert download.status_code == 200 and json.loads(download.text)["id"] == row.id
    assert "attachment" in download.headers["content-disposition"]
    # A customer fetches it; the page names the customer.
    from portal.audit import Actor
    from portal.pact import auth

    made = auth.create_client(session, actor=Actor(label="test"), name="Car Maker GmbH")
    session.commit()
    headers = bearer_for(pact_http, Credentials(made.client.client_id, made.secret))
    pact_http.get("/3/footprints", headers=headers)
    page = pact_http.get("/pact/published")
    assert "Car Maker GmbH" in page.text and "1 times" in page.text
    assert f"/pact/published/{row.id}.json" in page.text


def test_the_chinese_page_speaks_chinese(
    pact_http: TestClient, session: Session, published: Published
) -> None:
    make_user(session, "esg")
    sign_in(pact_http, "esg@example.com")
    page = pact_http.get("/pact/published", headers={"Accept-Language": "zh"})
    assert "已发布的产品碳足迹" in page.text
    assert "已弃用" in page.text


def test_clients_and_publishing_from_the_command_line(
    session: Session, https_settings: config.Settings
) -> None:
    created = runner.invoke(cli, ["pact", "clients", "create", "Car Maker GmbH"])
    assert created.exit_code == 0, created.output
    client_id = re.search(r"client_id: (\S+)", created.output)
    secret = re.search(r"client_secret: (\S+)", created.output)
    assert client_id and secret
    stored = session.exec(select(PactClient)).one()
    assert stored.secret_hash == sha256_hex(secret.group(1))
    listed = runner.invoke(cli, ["pact", "clients", "list"])
    assert f"{client_id.group(1)}\tactive\tCar Maker GmbH" in listed.output
    assert secret.group(1) not in listed.output
    assert runner.invoke(cli, ["pact", "clients", "revoke", client_id.group(1)]).exit_code == 0
    assert "\trevoked\t" in runner.invoke(cli, ["pact", "clients", "list"]).output
    missing = runner.invoke(cli, ["pact", "clients", "revoke", "pact-nobody"])
    assert missing.exit_code == 2 and "client_id" in missing.output
    build_golden(session)
    published = runner.invoke(cli, ["pact", "publish", "--line", "alloy", "--year", "2026"])
    assert published.exit_code == 0 and "3.831 kgCO2e/kg" in published.output, published.output
    nothing = runner.invoke(cli, ["pact", "publish", "--line", "extrusion", "--year", "2026"])
    assert nothing.exit_code == 2 and nothing.output.startswith("year: ")


def test_a_self_signed_certificate_for_loopback(tmp_path: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    result = runner.invoke(cli, ["tls", "self-signed", "--cert", str(cert), "--key", str(key)])
    assert result.exit_code == 0, result.output
    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    names = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    half = runner.invoke(cli, ["serve", "--tls-cert", str(cert)])
    assert half.exit_code == 2 and "--tls-key" in half.output
