"""The portal as a PACT client: a supplier's footprints pulled from real hosts on loopback."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import make_user, post_form, sign_in
from pact_helpers import SETUP
from pact_schemas import example
from pact_servers import Scripted, Tls, free_port, make_tls, portal_over_tls, scripted_host
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from tracking_golden import build_golden
from typer.testing import CliRunner

from portal import config
from portal.cli import app as cli
from portal.declarations.models import Declaration
from portal.pact import auth, publishing, pulling
from portal.pact.config import get_pact_settings
from portal.pact.models import PactImport, PactSupplierHost
from portal.tracking.service import save_line_year

ALLOY = "urn:pact:plant.example:product-id:alloy"


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tls:
    """A certificate the pull trusts; one footprint per page; short timeouts."""
    made = make_tls(tmp_path / "tls")
    monkeypatch.setenv("PORTAL_PACT_CA_FILE", str(made.cert))
    monkeypatch.setenv("PORTAL_PACT_PULL_PAGE_SIZE", "1")
    monkeypatch.setenv("PORTAL_PACT_PULL_TIMEOUT_S", "1")
    get_pact_settings.cache_clear()
    return made


@pytest.fixture
def scripted(tls: Tls, session: Session, https_settings: config.Settings) -> Iterator[Scripted]:
    """A scripted supplier host, set as supplier HYD's."""
    build_golden(session)
    with scripted_host(tls) as host:
        pulling.set_host(
            session,
            actor=SETUP,
            supplier_code="HYD",
            base_url=host.url,
            client_id="plant",
            secret="s3cret",
            products={"urn:gtin:5695872369587": "al_primary_ingot"},
        )
        session.commit()
        yield host


def _footprint(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(example(3, "example-1.json"))
    body["pcf"]["geographyCountrySubdivision"] = "CN-YN"
    body.update(changes)
    return body


def _nothing_stored(session: Session) -> None:
    assert session.exec(select(Declaration)).all() == [] or all(
        d.comment.find("PACT") < 0 for d in session.exec(select(Declaration)).all()
    )
    assert session.exec(select(PactImport)).all() == []


def test_a_pull_from_a_real_pact_host_follows_pages_and_supersedes(
    tls: Tls, session: Session, engine: Engine, https_settings: config.Settings
) -> None:
    build_golden(session)
    # Alloy 2025: 1000 t of primary ingot at 15.1 bought on 2025-12-31; 1000 t produced with
    # 800 tCO2e Scope 1+2: (800 + 15100) / 1000 = 15.9 tCO2e/t. (2026 has not ended yet.)
    save_line_year(
        session, actor=SETUP, line="alloy", year=2025, production_t="1000", scope12_t="800"
    )
    first = publishing.publish(session, actor=SETUP, line="alloy", year=2025)
    session.commit()
    made = auth.create_client(session, actor=SETUP, name="The plant itself, as a supplier")
    session.commit()
    with portal_over_tls(https_settings, tls) as url:
        pulling.set_host(
            session,
            actor=SETUP,
            supplier_code="HYD",
            base_url=url,
            client_id=made.client.client_id,
            secret=made.secret,
            products={ALLOY: "al_primary_ingot"},
        )
        session.commit()
        report = pulling.pull(engine, actor=SETUP, supplier_code="HYD")
        assert report.error is None, report.error
        [declaration_id] = report.created
        declaration = session.get(Declaration, declaration_id)
        assert declaration is not None
        # 15.9 kgCO2e per kilogram = 15.9 tCO2e per tonne
        assert (
            declaration.pcf_t_per_t == Decimal("15.9")
            and declaration.material_code == "al_primary_ingot"
        )
        assert first.id in declaration.comment and "PACT" in declaration.comment
        kept = session.exec(select(PactImport)).one()
        assert (
            kept.footprint_id == first.id and len(kept.sha256) == 64 and kept.body["id"] == first.id
        )
        # The plant republishes: two footprints listed, one page each; the old one is
        # Deprecated, the new one names it in precedingPfIds and supersedes its declaration.
        second = publishing.publish(session, actor=SETUP, line="alloy", year=2025)
        session.commit()
        again = pulling.pull(engine, actor=SETUP, supplier_code="HYD")
        assert again.error is None and len(again.created) == 1, again
        session.refresh(declaration)
        assert declaration.status == "superseded"
        newer = session.get(Declaration, again.created[0])
        assert newer is not None and second.id in newer.comment
        unchanged = pulling.pull(engine, actor=SETUP, supplier_code="HYD")
        assert unchanged.created == [] and unchanged.unchanged == 1
        host = session.exec(select(PactSupplierHost)).one()
        session.refresh(host)
        assert made.secret not in host.secret_encrypted
        assert (
            host.last_pull_result
            and "0 declaration(s) created, 1 unchanged" in host.last_pull_result
        )


def test_footprints_of_other_products_are_left_out(
    scripted: Scripted, session: Session, engine: Engine
) -> None:
    scripted.pages = [
        [_footprint()],
        [_footprint(id="22345678-9abc-def0-1234-567812345678", productIds=["urn:x:other"])],
    ]
    report = pulling.pull(engine, actor=SETUP, supplier_code="HYD")
    assert report.error is None and len(report.created) == 1
    assert report.skipped == ["22345678-9abc-def0-1234-567812345678"]
    assert scripted.lists == 2


@pytest.mark.parametrize(
    ("arrange", "said"),
    [
        (lambda host: setattr(host, "status", 401), "HTTP 401"),
        (lambda host: setattr(host, "delay_s", 3.0), "did not answer within 1 s"),
        (
            lambda host: (
                host.pages.extend([[_footprint()], [_footprint()]])
                or setattr(host, "link_host", "https://elsewhere.example")
            ),
            "another host (elsewhere.example)",
        ),
    ],
    ids=["401", "slow", "link-elsewhere"],
)
def test_a_failing_host_stores_nothing_and_says_why(
    scripted: Scripted, session: Session, engine: Engine, arrange: Any, said: str
) -> None:
    arrange(scripted)
    report = pulling.pull(engine, actor=SETUP, supplier_code="HYD")
    assert report.error and said in report.error, report.error
    assert session.exec(select(PactImport)).all() == []
    host = session.exec(select(PactSupplierHost)).one()
    session.refresh(host)
    assert host.last_pull_result and said in host.last_pull_result


def test_a_footprint_breaking_the_schema_is_named_by_its_json_path(
    scripted: Scripted, session: Session, engine: Engine
) -> None:
    broken = _footprint()
    del broken["pcf"]["fossilGhgEmissions"]
    scripted.pages = [[_footprint()], [broken]]
    report = pulling.pull(engine, actor=SETUP, supplier_code="HYD")
    assert report.error is not None
    assert "$.pcf: 'fossilGhgEmissions' is a required property" in report.error
    assert session.exec(select(PactImport)).all() == []  # the good first one is not kept either


def test_a_unit_the_portal_cannot_convert_stores_nothing(
    scripted: Scripted, session: Session, engine: Engine
) -> None:
    liquid = _footprint()
    liquid["pcf"]["declaredUnitOfMeasurement"] = "liter"
    scripted.pages = [[liquid]]
    report = pulling.pull(engine, actor=SETUP, supplier_code="HYD")
    assert report.error and "$.pcf.declaredUnitOfMeasurement" in report.error
    assert "'liter'" in report.error  # in the plant's language: a pull has no visitor
    assert session.exec(select(PactImport)).all() == []


def test_an_unreachable_host_and_the_command_line(
    tls: Tls, session: Session, https_settings: config.Settings
) -> None:
    build_golden(session)
    runner = CliRunner()
    made = runner.invoke(
        cli,
        [
            "pact",
            "hosts",
            "set",
            "HYD",
            "--url",
            f"https://127.0.0.1:{free_port()}",
            "--client-id",
            "plant",
            "--product",
            f"{ALLOY}=al_primary_ingot",
        ],
        env={"PORTAL_PACT_HOST_SECRET": "s3cret"},
    )
    assert made.exit_code == 0, made.output
    bad = runner.invoke(
        cli,
        [
            "pact",
            "hosts",
            "set",
            "HYD",
            "--url",
            "https://x.example",
            "--client-id",
            "p",
            "--product",
            f"{ALLOY}=no_such_material",
        ],
        env={"PORTAL_PACT_HOST_SECRET": "s3cret"},
    )
    assert bad.exit_code == 2 and "products" in bad.output
    pulled = runner.invoke(cli, ["pact", "pull"])
    assert pulled.exit_code == 1
    assert "HYD: nothing stored: the host is unreachable (ConnectError)" in pulled.output
    assert session.exec(select(PactImport)).all() == []


def test_an_administrator_sets_a_host_and_pulls_now_from_the_page(
    pact_http: TestClient, scripted: Scripted, session: Session
) -> None:
    make_user(session, "admin")
    sign_in(pact_http, "admin@example.com")
    scripted.pages = [[_footprint()]]
    saved = post_form(
        pact_http,
        "/admin/pact/hosts",
        "/admin/pact/hosts",
        {
            "supplier": "REC",
            "base_url": scripted.url,
            "client_id": "plant-at-rec",
            "secret": "rec-secret",
            "products": "urn:gtin:5695872369587 = al_recycled_ingot\nurn:x:y = al_primary_ingot",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page = pact_http.get("/admin/pact/hosts")
    assert "plant-at-rec" in page.text and "rec-secret" not in page.text
    pulled = post_form(
        pact_http, "/admin/pact/hosts", "/admin/pact/hosts/REC/pull", {}, follow_redirects=False
    )
    assert pulled.status_code == 303
    page = pact_http.get("/admin/pact/hosts")
    assert "REC: 1 declaration(s) created" in page.text
    [kept] = session.exec(select(PactImport)).all()
    declaration = session.get(Declaration, kept.declaration_id)
    assert declaration is not None and declaration.material_code == "al_recycled_ingot"
    bad = post_form(
        pact_http,
        "/admin/pact/hosts",
        "/admin/pact/hosts",
        {
            "supplier": "REC",
            "base_url": scripted.url,
            "client_id": "c",
            "secret": "s",
            "products": "no equals sign",
        },
    )
    assert bad.status_code == 422 and 'id="error-products"' in bad.text


def test_a_published_event_from_a_suppliers_host_pulls_its_footprints(
    pact_http: TestClient, scripted: Scripted, session: Session, engine: Engine
) -> None:
    from portal.pact import outbox
    from portal.pact.models import PactOutbox
    from portal.suppliers.models import Supplier

    hyd = session.exec(select(Supplier).where(Supplier.code == "HYD")).one()
    made = auth.create_client(session, actor=SETUP, name="HYD's host", supplier_id=hyd.id)
    session.commit()
    scripted.pages = [[_footprint()]]
    token = pact_http.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(made.client.client_id, made.secret),
    ).json()["access_token"]
    event = {
        "type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
        "specversion": "1.0",
        "id": "e-1",
        "source": scripted.url,
        "time": "2026-12-01T00:00:00Z",
        "data": {"pfIds": [_footprint()["id"]]},
    }
    answer = pact_http.post(
        "/3/events",
        json=event,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/cloudevents+json",
        },
    )
    assert answer.status_code == 200
    [row] = session.exec(select(PactOutbox)).all()
    assert row.kind == "pull"
    assert outbox.run_once(engine) == {"sent": 1}
    [kept] = session.exec(select(PactImport)).all()
    assert kept.footprint_id == _footprint()["id"] and kept.declaration_id is not None
