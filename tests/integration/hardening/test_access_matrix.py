"""Every route × every role, with the answer expected of each kept here as data."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from declarations_helpers import World, create
from fastapi.testclient import TestClient
from hardening_helpers import bearer, browse_as
from sqlmodel import Session

from portal.app import PUBLIC_ROUTE_NAMES, RouteEntry, _allowed_roles
from portal.audit import Actor
from portal.config import get_settings
from portal.procurement import imports
from portal.security import (
    CSRF_HEADER,
    PRESESSION_COOKIE,
    create_api_token,
    csrf_token_for,
)

ROLES = ("anonymous", "supplier", "buyer", "esg", "admin")
# The status each role gets, in the order of ROLES. Requests carry a valid CSRF token and no
# body (an empty form or `{}`), so a role let in is usually told what is missing (422).
EXPECTED: dict[str, str] = {
    # public
    "healthz":                    "200 200 200 200 200",
    "swagger_ui_html":            "200 200 200 200 200",
    "switch_language":            "303 303 303 303 303",
    "sign_in_form":               "200 303 303 303 303",
    "sign_in":                    "401 401 401 401 401",
    "invitation_form":            "404 404 404 404 404",
    "invitation_accept":          "404 404 404 404 404",
    # everyone signed in
    "home":                       "303 200 200 200 200",
    "account":                    "303 200 200 200 200",
    "rules_in_force":             "303 200 200 200 200",
    "sign_out":                   "303 303 303 303 303",
    "api_me":                     "401 200 200 200 200",
    "create_own_token":           "303 422 422 422 422",
    "revoke_own_token":           "303 404 404 303 404",
    "change_password":            "303 422 422 422 422",
    "password_forgot_form":       "200 200 200 200 200",
    "password_forgot":            "200 200 200 200 200",
    "password_reset_form":        "404 404 404 404 404",
    "password_reset":             "404 404 404 404 404",
    "supplier_profile":           "303 403 200 200 200",
    # administrators
    "users":                      "303 403 403 403 200",
    "invite_user":                "303 403 403 403 422",
    "set_user_active":            "303 403 403 403 303",
    "revoke_token":               "303 403 403 403 303",
    "suppliers":                  "303 403 403 403 200",
    "create_supplier":            "303 403 403 403 422",
    "update_supplier":            "303 403 403 403 422",
    "set_supplier_active":        "303 403 403 403 303",
    "invite_contacts":            "303 403 403 403 422",
    "api_suppliers":              "401 403 200 200 200",
    "api_supplier":               "401 403 200 200 200",
    # declarations: suppliers submit, buyers and the esg team review
    "declarations":               "303 200 200 200 403",
    "new_declaration":            "303 200 403 403 403",
    "submit_declaration":         "303 422 403 403 403",
    "validate_declaration":       "303 200 403 403 403",
    "replace_declaration_form":   "303 409 403 403 403",
    "replace_declaration":        "303 409 403 403 403",
    "withdraw_declaration":       "303 303 403 403 403",
    "declaration":                "303 200 200 200 403",
    "declaration_file":           "303 200 200 200 403",
    "review_queue":               "303 403 200 200 403",
    "review_declaration":         "303 403 200 200 403",
    "decide_declaration":         "303 403 422 422 403",
    "pick_footprint":             "303 403 422 422 403",
    "correct_declaration":        "303 403 422 422 403",
    "api_submit_declaration":     "401 422 403 403 403",
    "api_list_declarations":      "401 200 200 200 403",
    "api_get_declaration":        "401 200 200 200 403",
    "api_declaration_pact":       "401 200 200 200 403",
    "api_declaration_file":       "401 200 200 200 403",
    "api_decide_declaration":     "401 403 422 422 403",
    "api_correct_declaration":    "401 403 422 422 403",
    # procurement: buyers check and record, the esg team reads the ledger
    "checks":                     "303 403 200 403 403",
    "run_check":                  "303 403 422 403 403",
    "suggest_suppliers":          "303 403 200 403 403",
    "suggest_materials":          "303 403 200 403 403",
    "record_purchase":            "303 403 422 403 403",
    "purchases":                  "303 403 200 200 403",
    "purchases_csv":              "303 403 200 200 403",
    "purchase_import_form":       "303 403 200 403 403",
    "purchase_import_template":   "303 403 200 403 403",
    "upload_purchase_import":     "303 403 422 403 403",
    "purchase_import":            "303 403 200 403 403",
    "purchase_import_progress":   "303 403 303 403 403",
    "cancel_purchase_import":     "303 403 409 403 403",
    "confirm_purchase_import":    "303 403 303 403 403",
    "api_check":                  "401 403 422 403 403",
    "api_record_purchase":        "401 403 422 403 403",
    "api_purchases":              "401 403 200 200 403",
    # energy: the esg team (admins see it and define meters; gateways post readings)
    "energy_live":                "303 403 403 200 200",
    "energy_analysis":            "303 403 403 200 200",
    "energy_analysis_csv":        "303 403 403 200 200",
    "energy_meters":              "303 403 403 200 200",
    "energy_save_meter":          "303 403 403 403 422",
    "energy_load_meters":         "303 403 403 403 422",
    "energy_entries":             "303 403 403 200 403",
    "energy_enter_month":         "303 403 403 422 403",
    "energy_save_production":     "303 403 403 422 403",
    "energy_add_green":           "303 403 403 422 403",
    "energy_alerts":              "303 403 403 200 200",
    "energy_acknowledge":         "303 403 403 422 422",
    "energy_review":              "303 403 403 200 200",
    "energy_review_csv":          "303 403 403 200 200",
    "energy_review_note":         "303 403 403 422 403",
    "api_energy_readings":        "401 403 403 422 422",
    "energy_imports":             "303 403 403 200 200",
    "energy_import_template":     "303 403 403 200 200",
    "energy_upload_import":       "303 403 403 422 422",
    "energy_import_preview":      "303 403 403 404 404",
    "energy_confirm_import":      "303 403 403 404 404",
    # tracking: the esg team
    "tracking_dashboard":         "303 403 403 200 403",
    "tracking_inputs":            "303 403 403 200 403",
    "tracking_save_inputs":       "303 403 403 303 403",
    "tracking_purchases":         "303 403 403 200 403",
    "tracking_purchase":          "303 403 403 200 403",
    "tracking_declarations":      "303 403 403 200 403",
    "tracking_report":            "303 403 403 200 403",
    "tracking_export_figures":    "303 403 403 200 403",
    "tracking_export_purchases":  "303 403 403 200 403",
    "api_year_report":            "401 403 403 200 403",
    "api_line_year":              "401 403 403 200 403",
    "api_save_line_year":         "401 403 403 422 403",
    # PACT: pages for administrators and the esg team; the PACT host's own routes refuse
    # plain http to everyone (this client is not HTTPS), before any credentials count
    "pact_clients":               "303 403 403 403 200",
    "create_pact_client":         "303 403 403 403 422",
    "revoke_pact_client":         "303 403 403 403 404",
    "pact_published":             "303 403 403 200 200",
    "publish_pact_footprint":     "303 403 403 422 403",
    "pact_published_json":        "303 403 403 404 404",
    "pact_hosts":                 "303 403 403 403 200",
    "set_pact_host":              "303 403 403 403 422",
    "pull_pact_host":             "303 403 403 403 404",
    "pact_upload_form":           "303 200 403 403 403",
    "pact_upload":                "303 422 403 403 403",
    "pact_token":                 "403 403 403 403 403",
    "pact_openid_configuration":  "403 403 403 403 403",
    "pact_list_footprints":       "403 403 403 403 403",
    "pact_get_footprint":         "403 403 403 403 403",
    "pact_v2_list_footprints":    "403 403 403 403 403",
    "pact_v2_get_footprint":      "403 403 403 403 403",
    "pact_events":                "403 403 403 403 403",
    "pact_v2_events":             "403 403 403 403 403",
    # audit trail: the esg team and administrators
    "audit_trail":                "303 403 403 200 200",
    "audit_chain":                "303 403 403 200 200",
    # notifications: everyone signed in, each their own (someone else's is not found)
    "notifications":              "303 200 200 200 200",
    "open_notification":          "303 404 404 404 404",
    "read_all_notifications":     "303 303 303 303 303",
    "notification_language":      "303 422 422 422 422",
    # data requests: the esg team asks suppliers
    "data_requests":              "303 403 403 200 403",
    "new_data_request":           "303 403 403 200 403",
    "create_data_request":        "303 403 403 422 403",
    "data_request":               "303 403 403 404 403",
    "remind_data_request":        "303 403 403 422 403",
    # logistics: buyers and the esg team record deliveries; suppliers state dispatch sites
    # and their standing packaging (the esg team and admins on a supplier's behalf)
    "purchase_shipments":         "303 403 200 200 403",
    "record_purchase_shipment":   "303 403 422 422 403",
    "shipment":                   "303 403 404 404 403",
    "outbound":                   "303 403 200 200 403",
    "record_outbound":            "303 403 422 422 403",
    "dispatch_sites":             "303 200 200 200 200",
    "save_dispatch_site":         "303 422 422 422 422",
    "packaging_declarations":     "303 200 403 200 200",
    "save_packaging_declaration": "303 422 403 422 422",
    "remove_packaging_declaration": "303 422 403 422 422",
    "logistics_import_form":      "303 403 200 200 403",
    "logistics_import_template":  "303 403 200 200 403",
    "upload_logistics_import":    "303 403 422 422 403",
    "logistics_import":           "303 403 404 404 403",
    "confirm_logistics_import":   "303 403 404 404 403",
    "api_record_shipment":        "401 403 422 422 403",
    "api_shipment":               "401 403 404 404 403",
    "tracking_logistics":         "303 403 403 200 403",
    "tracking_logistics_shipments": "303 403 403 200 403",
    "tracking_logistics_csv":     "303 403 403 200 403",
}  # fmt: skip
LAST = ("sign_out",)  # ends the session the other requests use


@dataclass(frozen=True)
class Site:
    """One of each thing a route can be asked about."""

    ids: dict[str, str]


@pytest.fixture
def site(client: TestClient, session: Session, world: World) -> Site:
    """A declaration in review with its PDF, a purchase, an import, a user and a token to spare."""
    assert world.buyer.id is not None
    declaration = create(session, world.acme, pcf_excluding_biogenic="4,300")  # PDF says 4.2
    purchase = client.post(
        "/api/v1/purchases",
        headers=bearer(session, world.buyer),
        json={
            "supplier": "ACME",
            "material": "al_primary_ingot",
            "quantity_t": "10",
            "date": "2026-03-01",
            "product_line": "alloy",
            "po_number": "PO-1",
            "exception_reason": "only offer",
        },
    )
    assert purchase.status_code == 201, purchase.text
    upload = imports.upload(
        session,
        actor=Actor(label="test"),
        user_id=world.buyer.id,
        filename="erp.csv",
        data=b"po_number,supplier,material,quantity_t,date,product_line,exception_reason\n"
        b"PO-2,ACME,al_primary_ingot,5,2026-03-02,alloy,only offer\n",
    )
    token, _plain = create_api_token(session, world.esg, "spare")
    session.commit()
    return Site(
        ids={
            "code": "en",
            "token": "no-such-invitation",
            "user_id": str(world.other_user.id),
            "supplier_id": str(world.acme.id),
            "token_id": str(token.id),
            "declaration_id": str(declaration.id),
            "kind": "declaration",
            "import_id": str(upload.id),
            "purchase_id": str(purchase.json()["id"]),
            "line": "alloy",
            "year": "2026",
            "fmt": "csv",
            "alert_id": "1",
            "client_id": "pact-no-such-client",
            "footprint_id": "00000000-0000-0000-0000-000000000000",
            "notification_id": "999999",
            "request_id": "999999",
            "shipment_id": "999999",
        }
    )


def _url(entry: RouteEntry, site: Site) -> str:
    path = (
        entry.path.replace("{code}", "ACME") if entry.route.name == "api_supplier" else entry.path
    )
    return re.sub(r"\{(\w+)\}", lambda name: site.ids[name.group(1)], path)


def test_the_table_names_every_route_exactly_once(client: TestClient) -> None:
    names = [entry.route.name for entry in client.app.state.route_table]  # type: ignore[attr-defined]
    assert sorted(names) == sorted(EXPECTED)
    assert all(len(entry.route.methods - {"HEAD"}) == 1 for entry in client.app.state.route_table)  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(
    client: TestClient, session: Session, world: World, site: Site, role: str
) -> None:
    users = {"supplier": world.acme_user, "buyer": world.buyer, "esg": world.esg}
    users["admin"] = world.admin
    api_headers: dict[str, str] = {}
    if role == "anonymous":
        client.cookies.clear()
        client.get("/login")  # a browser's pre-session, so forms carry a valid token
        token = csrf_token_for(client.cookies[PRESESSION_COOKIE], get_settings())
    else:
        token = browse_as(client, session, users[role])
        api_headers = bearer(session, users[role])
    page_headers = {CSRF_HEADER: token}
    entries = sorted(
        client.app.state.route_table,  # type: ignore[attr-defined]
        key=lambda entry: entry.route.name in LAST,
    )
    got: dict[str, str] = {}
    for entry in entries:
        [method] = entry.route.methods - {"HEAD"}
        url = _url(entry, site)
        api = url.startswith("/api/")
        response = client.request(
            method,
            url,
            headers=api_headers if api else page_headers,
            json={} if api and method in ("POST", "PUT") else None,
            follow_redirects=False,
        )
        got[entry.route.name] = str(response.status_code)
        assert "Traceback" not in response.text
    column = ROLES.index(role)
    expected = {name: statuses.split()[column] for name, statuses in EXPECTED.items()}
    assert got == expected

    # The table agrees with the roles each route declares: refused exactly where not named.
    if role != "anonymous":
        for entry in client.app.state.route_table:  # type: ignore[attr-defined]
            if entry.route.name in PUBLIC_ROUTE_NAMES:
                continue
            allowed = {str(r.value) for r in _allowed_roles(entry.route) or ()}
            assert (got[entry.route.name] == "403") == (role not in allowed), entry.route.name
