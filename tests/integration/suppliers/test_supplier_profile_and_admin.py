"""The supplier profile page, and administrators editing, deactivating and inviting contacts."""

from __future__ import annotations

import re

import pdf_factory
from declarations_helpers import World, create, declared, signed_in
from fastapi.testclient import TestClient
from helpers import csrf_from, post_form
from sqlmodel import Session, select

from portal.accounts.models import Invitation, User, WebSession
from portal.audit import AuditEvent
from portal.security import create_api_token
from portal.suppliers.models import Supplier


def _profile(world: World) -> str:
    return f"/suppliers/{world.acme.id}"


def test_staff_see_a_suppliers_contacts_materials_versions_and_purchases(
    client: TestClient, world: World, session: Session
) -> None:
    old = create(
        session,
        world.acme,
        body=pdf_factory.english_declaration(declared(pcf="16.8")),
        pcf_excluding_biogenic="16,800",
    )
    assert old.status == "rejected"
    newer = create(session, world.acme, supersedes_id=old.id)
    _token, plain = create_api_token(session, world.buyer, "erp")
    session.commit()
    purchase = client.post(
        "/api/v1/purchases",
        headers={"Authorization": f"Bearer {plain}"},
        json={
            "supplier": "ACME",
            "material": "al_billet",  # no declaration for it: the check fails
            "quantity_t": "10",
            "date": "2026-03-01",
            "product_line": "alloy",
            "po_number": "PO-7",
            "exception_reason": "only offer in March",
        },
    )
    assert purchase.status_code == 201, purchase.text
    for role_user in (world.buyer, world.esg, world.admin):
        signed_in(client, role_user)
        page = client.get(_profile(world))
        assert page.status_code == 200, role_user.email
    page = page.text
    assert "sales@acme.example" in page and "ACME Ltd" in page
    assert 'id="material-al_primary_ingot"' in page
    assert (
        f'id="profile-declaration-{old.id}"' in page
        and f'id="profile-declaration-{newer.id}"' in page
    )
    chain = re.search(r'<table class="data chain">(.*?)</table>', page, re.S)
    assert chain and chain.group(1).index(f"/declarations/{old.id}") < chain.group(1).index(
        f"/declarations/{newer.id}"
    )
    assert 'id="no-pact-host"' in page
    assert 'id="material-al_billet"' in page  # bought, never declared
    assert "PO-7" in page and "only offer in March" in page
    assert "sales@other.example" not in page  # only this company's contacts

    signed_in(client, world.acme_user)
    assert client.get(_profile(world)).status_code == 403  # suppliers do not see profiles


def test_the_admin_edits_a_supplier_and_a_bad_country_is_named(
    client: TestClient, world: World, session: Session
) -> None:
    signed_in(client, world.admin)
    bad = post_form(
        client,
        _profile(world),
        f"/admin/suppliers/{world.acme.id}",
        {"name_zh": "艾克米", "name_en": "Acme Aluminium", "country": "China"},
    )
    assert bad.status_code == 422
    assert "The country must be a two-letter ISO code, e.g. CN." in bad.text
    ok = post_form(
        client,
        _profile(world),
        f"/admin/suppliers/{world.acme.id}",
        {"name_zh": "艾克米", "name_en": "Acme Aluminium", "country": "cn"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    session.expire_all()
    acme = session.get(Supplier, world.acme.id)
    assert acme is not None and (acme.name_zh, acme.name_en, acme.code) == (
        "艾克米",
        "Acme Aluminium",
        "ACME",
    )
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "supplier.updated")).one()
    assert event.before == {"name_zh": "ACME 公司", "name_en": "ACME Ltd"}
    assert event.after == {"name_zh": "艾克米", "name_en": "Acme Aluminium"}


def test_deactivating_a_supplier_signs_out_its_users(
    client: TestClient, world: World, session: Session
) -> None:
    supplier_browser = TestClient(client.app, base_url="http://127.0.0.1:8000")
    signed_in(supplier_browser, world.acme_user)
    signed_in(client, world.admin)
    response = post_form(
        client,
        _profile(world),
        f"/admin/suppliers/{world.acme.id}/active",
        {"active": "false"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert supplier_browser.get("/declarations", follow_redirects=False).status_code == 303
    session.expire_all()
    acme, user = session.get(Supplier, world.acme.id), session.get(User, world.acme_user.id)
    assert acme is not None and not acme.is_active and acme.deactivated_at is not None
    assert user is not None and not user.is_active
    live = session.exec(
        select(WebSession).where(
            WebSession.user_id == world.acme_user.id, WebSession.ended_at.is_(None)
        )
    ).all()  # type: ignore[union-attr]
    assert live == []
    page = client.get(_profile(world)).text
    assert 'id="supplier-inactive"' in page and 'id="reactivate-supplier"' in page
    assert "deactivated" in client.get("/admin/suppliers").text
    actions = session.exec(select(AuditEvent.action)).all()
    assert "supplier.deactivated" in actions and "user.deactivated" in actions


def _invite(client: TestClient, world: World, text: str = "", file: bytes | None = None):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(_profile(world)).text)
    return client.post(
        f"/admin/suppliers/{world.acme.id}/contacts",
        data={"contacts_text": text, "csrf_token": token},
        files={"contacts_file": ("contacts.csv", file, "text/csv")} if file is not None else None,
    )


def test_the_admin_invites_several_contacts_at_once_from_a_pasted_list(
    client: TestClient, world: World, session: Session
) -> None:
    signed_in(client, world.admin)
    response = _invite(
        client,
        world,
        "email,name\nli.wei@acme.example, 李伟\n"
        "zhang@acme.example\tZhang San\n\nwang@acme.example\n",
    )
    assert response.status_code == 200, response.text
    assert "3 people invited." in response.text
    links = re.findall(r'<code class="invited-link">([^<]+)</code>', response.text)
    assert len(links) == 3 and all("/invite/" in link for link in links)
    users = session.exec(
        select(User).where(User.supplier_id == world.acme.id).order_by(User.email)
    ).all()
    assert [(u.email, u.full_name, u.role) for u in users if u.password_hash is None] == [
        ("li.wei@acme.example", "李伟", "supplier"),
        ("wang@acme.example", "", "supplier"),
        ("zhang@acme.example", "Zhang San", "supplier"),
    ]
    assert len(session.exec(select(Invitation)).all()) == 3
    page = client.get(_profile(world)).text
    assert page.count("invited, not signed up yet") == 3


def test_a_list_with_bad_lines_invites_nobody_and_names_each_line_and_field(
    client: TestClient, world: World, session: Session
) -> None:
    signed_in(client, world.admin)
    text = (
        "good@acme.example, Good\n"  # line 1: fine
        "not-an-email, Bad\n"  # line 2: the email
        "good@acme.example\n"  # line 3: repeats line 1
        "sales@acme.example\n"  # line 4: already a user
        "x@acme.example, a, b\n"  # line 5: too many columns
    )
    response = _invite(client, world, text)
    assert response.status_code == 422
    problems = re.findall(
        r'<li class="contact-problem" data-line="(\d+)">([^<]*)</li>', response.text
    )
    assert [line for line, _text in problems] == ["2", "3", "4", "5"]
    assert problems[0][1].startswith("Line 2, Email: Enter a valid email address. (not-an-email)")
    assert "Line 3, Email: good@acme.example is already on line 1." in problems[1][1]
    assert "Line 4, Email: A user with this email already exists." in problems[2][1]
    assert "Line 5, Name: Two columns at most" in problems[3][1]
    assert "Nobody was invited" in response.text
    assert session.exec(select(User).where(User.email == "good@acme.example")).first() is None

    client.headers["Accept-Language"] = "zh-CN"
    chinese = _invite(client, world, "not-an-email\n")
    assert re.search(r'data-line="1">第 1 行，邮箱：', chinese.text), chinese.text


def test_a_csv_file_in_gb18030_is_read(client: TestClient, world: World, session: Session) -> None:
    signed_in(client, world.admin)
    data = "邮箱,姓名\r\nchen@acme.example,陈静\r\n".encode("gb18030")
    response = _invite(client, world, file=data)
    assert response.status_code == 200, response.text
    user = session.exec(select(User).where(User.email == "chen@acme.example")).one()
    assert user.full_name == "陈静"
