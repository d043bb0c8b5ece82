"""Markup and htmx attributes typed into text fields are stored as typed and shown as text."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from declarations_helpers import World, form, pdf
from fastapi.testclient import TestClient
from hardening_helpers import bearer, browse_as
from helpers import csrf_from
from sqlmodel import Session, select

from portal.accounts.models import User
from portal.declarations.models import Declaration, EvidenceFile
from portal.procurement.models import Purchase, PurchaseImport
from portal.suppliers.models import Supplier

# Each fits the shortest field it goes into (PO numbers: 64 characters).
SCRIPT = "\"'><script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"
HTMX = '<b hx-get="/admin/users" hx-trigger="load">'
SHORT = "<script>alert(3)</script><i hx-post=/logout hx-trigger=load>"
PAYLOADS = (SCRIPT, IMAGE, HTMX, SHORT)


def marked(name: str, payload: str) -> str:
    """PAYLOAD labelled with the field it was typed into."""
    return f"{name}:{payload}"


@dataclass
class Page(HTMLParser):
    """What a browser would build from a page: its elements and its text."""

    text: str = ""
    live: list[str] = field(default_factory=list)  # elements or attributes that would act

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and not (
            (found.get("src") or "").startswith("/static/")
            or found.get("type") == "application/json"
        ):
            self.live.append(f"<script {found}>")
        if tag == "img" and found.get("src") == "x":
            self.live.append("<img src=x>")
        for name, value in attrs:
            if name.startswith("on"):
                self.live.append(f"<{tag} {name}>")
            if name == "hx-trigger" and "load" in (value or ""):
                self.live.append(f"<{tag} hx-trigger={value}>")
            if name.startswith("hx-") and value in ("/admin/users", "/logout"):
                self.live.append(f"<{tag} {name}={value}>")

    def handle_data(self, data: str) -> None:
        self.text += data


def read(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@dataclass
class Typed:
    """Text typed into the portal, by where it should show up."""

    declaration: int = 0
    purchase: int = 0
    imports: list[int] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)


def type_everything(client: TestClient, session: Session, world: World) -> Typed:
    """Type markup into every text field through the real forms and APIs, as each role."""
    typed = Typed()

    browse_as(client, session, world.admin)
    names = {"name_zh": marked("zh", SCRIPT), "name_en": marked("en", HTMX)}
    token = csrf_from(client.get("/admin/suppliers").text)
    created = client.post(
        "/admin/suppliers",
        data={"code": "MARKUP", "country": "CN", **names, "csrf_token": token},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    typed.texts.update(names)
    full_name = marked("full_name", IMAGE)
    token = csrf_from(client.get("/admin/users").text)
    invited = client.post(
        "/admin/users/invite",
        data={"email": "x@markup.example", "full_name": full_name, "role": "buyer"},
        headers={"X-CSRF-Token": token},
    )
    assert invited.status_code == 200, invited.text
    typed.texts["full_name"] = full_name

    browse_as(client, session, world.acme_user)
    fields = {
        "product_name": marked("product", SCRIPT),
        "site_name": marked("site", IMAGE),
        "verifier_name": marked("verifier", HTMX),
        "verification_statement_number": marked("number", SHORT),
        "electricity_instrument": marked("instrument", HTMX),
        "comment": marked("comment", SCRIPT + IMAGE + HTMX),
    }
    filename = marked("file", IMAGE) + ".pdf"
    token = csrf_from(client.get("/declarations/new").text)
    submitted = client.post(
        "/declarations",
        data={
            **form(**fields),
            "low_carbon_electricity_claimed": "true",
            "pcf_excluding_biogenic": "4,300",  # the PDF says 4.2: a person must look
            "csrf_token": token,
        },
        files={"declaration_pdf": (filename, pdf()[1], "application/pdf")},
        follow_redirects=False,
    )
    assert submitted.status_code == 303, submitted.text
    typed.declaration = int(submitted.headers["location"].rsplit("/", 1)[1])
    typed.texts.update(fields)
    typed.texts["filename"] = filename
    # File names lose everything up to a slash, and clients send a quote in them as %22.
    refused_name = marked("refused", IMAGE + "<svg onload=alert(4)>") + ".pdf"
    refused = client.post(
        "/declarations",
        data={**form(), "csrf_token": token},
        files={"declaration_pdf": (refused_name, b"not a pdf", "application/pdf")},
    )
    assert refused.status_code == 422
    assert read(refused.text).live == [] and refused_name in read(refused.text).text

    browse_as(client, session, world.esg)
    comment = marked("decision", SCRIPT + HTMX)
    token = csrf_from(client.get(f"/review/{typed.declaration}").text)
    decided = client.post(
        f"/review/{typed.declaration}/decision",
        data={"decision": "reject", "comment": comment, "csrf_token": token},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    typed.texts["decision_comment"] = comment

    headers = bearer(session, world.buyer)
    reason = marked("reason", SCRIPT + IMAGE + HTMX)
    recorded = client.post(
        "/api/v1/purchases",
        headers=headers,
        json={
            "supplier": "MARKUP",
            "material": "al_primary_ingot",
            "quantity_t": "10",
            "date": "2026-03-01",
            "product_line": "alloy",
            "po_number": SHORT,
            "exception_reason": reason,
        },
    )
    assert recorded.status_code == 201, recorded.text
    typed.purchase = recorded.json()["id"]
    typed.texts.update(po_number=SHORT, exception_reason=reason)

    browse_as(client, session, world.buyer)
    for supplier, po_number in (("MARKUP", "PO-" + IMAGE), (marked("supplier", IMAGE), "PO-2")):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["po_number", "supplier", "material", "quantity_t", "date", "product_line",
                         "exception_reason"])  # fmt: skip
        writer.writerow([po_number, supplier, "al_primary_ingot", "1", "2026-03-02", "alloy",
                         marked("import_reason", HTMX)])  # fmt: skip
        token = csrf_from(client.get("/purchases/import").text)
        uploaded = client.post(
            "/purchases/import",
            data={"csrf_token": token},
            files={"file": (marked("csv", IMAGE) + ".csv", buffer.getvalue().encode(), "text/csv")},
            follow_redirects=False,
        )
        assert uploaded.status_code == 303, uploaded.text
        typed.imports.append(int(uploaded.headers["location"].rsplit("/", 1)[1]))
    typed.texts.update(
        import_po="PO-" + IMAGE,
        import_reason=marked("import_reason", HTMX),
        import_supplier=marked("supplier", IMAGE),
        import_file=marked("csv", IMAGE) + ".csv",
    )
    return typed


def test_markup_is_stored_as_typed_and_every_page_shows_it_as_text(
    client: TestClient, world: World, session: Session
) -> None:
    typed = type_everything(client, session, world)
    texts = typed.texts

    # Stored exactly as typed, nothing stripped or escaped in the database.
    declaration = session.get(Declaration, typed.declaration)
    assert declaration is not None
    for name in ("product_name", "site_name", "verifier_name", "comment", "decision_comment"):
        assert getattr(declaration, name) == texts[name]
    evidence = session.exec(select(EvidenceFile)).one()
    assert evidence.original_name == texts["filename"]
    supplier = session.exec(select(Supplier).where(Supplier.code == "MARKUP")).one()
    assert (supplier.name_zh, supplier.name_en) == (texts["name_zh"], texts["name_en"])
    assert (
        session.exec(select(User).where(User.email == "x@markup.example")).one().full_name
        == (texts["full_name"])
    )
    purchase = session.get(Purchase, typed.purchase)
    assert purchase is not None
    assert (purchase.po_number, purchase.exception_reason) == (SHORT, texts["exception_reason"])
    assert session.get(PurchaseImport, typed.imports[1]).filename == texts["import_file"]  # type: ignore[union-attr]

    pages: dict[tuple[str, str], tuple[str, ...]] = {
        ("supplier", "/declarations"): ("product_name",),
        ("supplier", f"/declarations/{typed.declaration}"): (
            "product_name", "site_name", "verifier_name", "verification_statement_number",
            "electricity_instrument", "comment", "filename", "decision_comment",
        ),
        ("esg", "/declarations"): ("product_name", "name_en"),
        ("esg", f"/review/{typed.declaration}"): ("product_name", "comment", "filename"),
        ("esg", f"/tracking/purchases/{typed.purchase}"): (
            "po_number", "exception_reason", "name_en",
        ),
        ("esg", "/tracking/purchases?year=2026"): ("po_number",),
        ("buyer", "/purchases"): ("po_number", "exception_reason"),
        ("buyer", "/purchases/import"): ("import_file",),
        ("buyer", f"/purchases/import/{typed.imports[0]}"): ("import_po", "import_reason"),
        ("buyer", f"/purchases/import/{typed.imports[1]}"): ("import_supplier",),
        ("buyer", "/checks/suppliers?q=MARKUP"): ("name_en",),
        ("admin", "/admin/users"): ("full_name",),
        ("admin", "/admin/suppliers"): ("name_zh", "name_en"),
    }  # fmt: skip
    users = {"supplier": world.acme_user, "esg": world.esg, "buyer": world.buyer}
    users["admin"] = world.admin
    for (role, url), shown in pages.items():
        browse_as(client, session, users[role])
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        page = read(response.text)
        assert page.live == [], (url, page.live)
        for name in shown:
            assert texts[name] in page.text, (url, name)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_review_queue_and_the_json_api_keep_markup_as_data(
    client: TestClient, world: World, session: Session, payload: str
) -> None:
    headers = bearer(session, world.acme_user)
    name = marked("queued", payload)[:200]
    created = client.post(
        "/api/v1/declarations",
        headers=headers,
        data={
            "declaration": json.dumps(
                {
                    **{k: v for k, v in form(product_name=name).items() if v != ""},
                    "pcf_excluding_biogenic": "4,300",
                }
            )
        },
        files={"declaration_pdf": pdf()},
    )
    assert created.status_code == 201, created.text
    assert created.json()["product_name"] == name
    assert created.json()["status"] == "in_review"
    browse_as(client, session, world.buyer)
    queue = client.get("/review")
    page = read(queue.text)
    assert page.live == [] and name in page.text


def test_the_reading_sees_markup_that_would_act() -> None:
    page = read(f"<p>{SCRIPT}{IMAGE}{HTMX}{SHORT}</p>")
    assert page.live == [
        "<script {}>",
        "<img src=x>",
        "<img onerror>",
        "<b hx-get=/admin/users>",
        "<b hx-trigger=load>",
        "<script {}>",
        "<i hx-post=/logout>",
        "<i hx-trigger=load>",
    ]
