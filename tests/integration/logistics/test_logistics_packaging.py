"""Packaging declared once per supplier and material: counted for a delivery without items of
its own, never for one with them, entered by the supplier (or the ESG team) and audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from helpers import make_supplier, make_user, post_form, sign_in
from logistics_helpers import buy
from sqlmodel import Session, col, select

from portal.accounts.models import User
from portal.audit import Actor, AuditEvent
from portal.errors import InvalidInput
from portal.logistics import imports, packaging, service, tracking
from portal.logistics.declared import DeclarationDraft
from portal.logistics.inputs import LegDraft, PackagingDraft, ShipmentDraft
from portal.logistics.models import PackagingDeclaration, PackagingItem
from portal.suppliers.models import Supplier

pytestmark = pytest.mark.usefixtures("backend")
PAGE = "/logistics/packaging"
STRAPPING = DeclarationDraft(
    "al_recycled_ingot", "steel_strapping", "12", "no", "yes", "iso18604", "30"
)
PALLET = DeclarationDraft("al_recycled_ingot", "wooden_pallet", "20", "no", "no")


def _declare(session: Session, supplier: Supplier, *drafts: DeclarationDraft) -> None:
    for draft in drafts:
        packaging.save_declaration(
            session,
            actor=Actor(label="test"),
            user_id=None,
            supplier_id=supplier.id or 0,
            draft=draft,
        )
    session.commit()


def _deliver(session: Session, buyer: User, reference: str, po: str, **fields: object) -> int:
    recorded = service.record_shipment(
        session,
        actor=Actor(label=buyer.email, user_id=buyer.id),
        user_id=buyer.id,
        draft=ShipmentDraft(
            reference=reference,
            po_number=po,
            shipped_on="2026-03-10",
            tonnes="30",
            legs=[LegDraft("rail_electric", "1950")],
            **fields,  # type: ignore[arg-type]
        ),
        source="form",
    )
    session.commit()
    assert recorded.shipment.id is not None
    return recorded.shipment.id


def _items(session: Session, shipment_id: int) -> list[PackagingItem]:
    return list(
        session.exec(
            select(PackagingItem)
            .where(PackagingItem.shipment_id == shipment_id)
            .order_by(col(PackagingItem.packaging))
        ).all()
    )


def test_a_delivery_without_items_counts_the_declaration(
    session: Session,
    buyer: User,
    far: Supplier,
    buyer_client: TestClient,
    client: TestClient,
    erp: dict[str, str],
) -> None:
    _declare(session, far, STRAPPING, PALLET)
    buy(session, buyer, far, "PO-DECL-1", tonnes="30")
    shipment_id = _deliver(session, buyer, "DN-DECL-1", "PO-DECL-1")
    # 30 t × 12 kg/t = 360 kg steel strapping (recyclable); 30 t × 20 kg/t = 600 kg pallets
    strapping, pallet = _items(session, shipment_id)
    assert (strapping.packaging, strapping.mass_kg) == ("steel_strapping", Decimal("360.000"))
    assert (pallet.packaging, pallet.mass_kg) == ("wooden_pallet", Decimal("600.000"))
    assert {strapping.source, pallet.source} == {"declared"}
    assert strapping.kg_per_t == Decimal(12) and strapping.material_code == "al_recycled_ingot"
    f = tracking.year(session, 2026)
    assert f.packaging_kg == {"recyclable": Decimal(360), "single_use": Decimal(600)}
    # 360 of 960 kg recyclable: 37.5 %; 600 kg single-use over the 30 t it came with: 20 kg/t
    assert f.recyclable_share_pct == Decimal("37.5")
    assert f.single_use_kg_per_t == Decimal("20.000")
    page = buyer_client.get(f"/shipments/{shipment_id}").text
    assert page.count("declared by supplier") == 2
    assert "12.000 kg/t × 30.000 t" in page
    # The declared pallets are single-use: the policy warns as for a delivery's own.
    assert "finding-single_use_packaging" in page and "600.0 kg" in page
    chinese = buyer_client.get(f"/shipments/{shipment_id}", headers={"Accept-Language": "zh"})
    assert "供应商申报" in chinese.text
    # The ERP reads the same items, each with where it came from.
    answer = client.get(f"/api/v1/shipments/{shipment_id}", headers=erp).json()
    assert sorted(
        (i["packaging"], i["mass_kg"], i["source"], i["kg_per_t"]) for i in answer["packaging"]
    ) == [
        ("steel_strapping", "360.000", "declared", "12.000000"),
        ("wooden_pallet", "600.000", "declared", "20.000000"),
    ]


def test_a_delivery_with_its_own_items_ignores_the_declaration(
    session: Session, buyer: User, far: Supplier, buyer_client: TestClient
) -> None:
    _declare(session, far, STRAPPING, PALLET)
    buy(session, buyer, far, "PO-DECL-2", tonnes="30")
    rack = PackagingDraft("aluminium_rack", "80", "yes", "yes", "supplier")
    shipment_id = _deliver(session, buyer, "DN-DECL-2", "PO-DECL-2", packaging=[rack])
    [item] = _items(session, shipment_id)
    assert (item.packaging, item.mass_kg, item.source) == (
        "aluminium_rack",
        Decimal("80.000"),
        "delivery",
    )
    f = tracking.year(session, 2026)
    # Only the delivery's 80 kg rack: 100 % reusable, no single-use packaging.
    assert f.packaging_kg == {"reusable": Decimal(80)}
    assert f.recyclable_share_pct == Decimal("100.0")
    assert f.single_use_kg_per_t == Decimal("0.000")
    page = buyer_client.get(f"/shipments/{shipment_id}").text
    assert "this delivery" in page and "declared by supplier" not in page


def test_a_warehouse_file_line_without_packaging_counts_the_declaration(
    session: Session, buyer: User, far: Supplier
) -> None:
    _declare(session, far, STRAPPING)
    buy(session, buyer, far, "PO-DECL-3", tonnes="30")
    buy(session, buyer, far, "PO-DECL-4", tonnes="30")
    csv = (
        "Record number,PO number,Date,Tonnes,Mode,Distance (km),Packaging,Packaging (kg)\n"
        "WH-D1,PO-DECL-3,2026-03-10,30,rail_electric,1950,,\n"
        "WH-D2,PO-DECL-4,2026-03-11,30,rail_electric,1950,cardboard,5\n"
    )
    actor = Actor(label=buyer.email, user_id=buyer.id)
    found = imports.upload(
        session, actor=actor, user_id=buyer.id, filename="in.csv", data=csv.encode(),
        direction="inbound",
    )  # fmt: skip
    assert imports.confirm(session, actor=actor, user_id=buyer.id, import_id=found.id or 0) == 2
    session.commit()
    rows = session.exec(select(PackagingItem).order_by(col(PackagingItem.id))).all()
    # WH-D1: 30 t × 12 kg/t = 360 kg declared strapping; WH-D2 its own 5 kg cardboard
    assert [(r.packaging, r.mass_kg, r.source) for r in rows] == [
        ("steel_strapping", Decimal("360.000"), "declared"),
        ("cardboard", Decimal("5.000"), "delivery"),
    ]


def test_bad_declarations_are_refused_naming_the_field(session: Session, far: Supplier) -> None:
    def refused(**fields: str) -> InvalidInput:
        draft = DeclarationDraft(**{**STRAPPING.__dict__, **fields})
        with pytest.raises(InvalidInput) as caught:
            packaging.save_declaration(
                session, actor=Actor(label="test"), user_id=None, supplier_id=far.id or 0,
                draft=draft,
            )  # fmt: skip
        return caught.value

    negative = refused(kg_per_t="-12")
    assert negative.field == "kg_per_t"
    assert negative.message == "Packaging per tonne delivered (kg/t): Must be more than 0."
    assert refused(kg_per_t="").message.endswith("This field is required.")
    assert refused(kg_per_t="0.0000001").message.endswith("At most 6 decimals.")
    unknown = refused(material="unobtainium")
    assert unknown.field == "material" and "unobtainium" in unknown.message
    assert refused(material="").field == "material"
    assert refused(packaging="bubble_wrap").field == "packaging"
    assert refused(recyclable_basis="").field == "recyclable_basis"
    assert refused(recycled_content_pct="120").field == "recycled_content_pct"
    assert session.exec(select(PackagingDeclaration)).all() == []


def test_the_supplier_declares_on_their_profile_audited(
    session: Session, far: Supplier, client: TestClient
) -> None:
    other = make_supplier(session, "OTHR")
    user = make_user(session, "supplier", "ingot@example.com", supplier=far)
    sign_in(client, user.email)
    assert client.get(PAGE).status_code == 200
    good = {
        "supplier": "OTHR",  # a supplier's user always declares for their own company
        "material": "al_recycled_ingot",
        "packaging": "wooden_pallet",
        "kg_per_t": "20",
    }
    bad = post_form(client, PAGE, PAGE, {**good, "kg_per_t": "-3"})
    assert bad.status_code == 422
    assert 'id="error-kg_per_t"' in bad.text and "Must be more than 0." in bad.text
    assert 'value="-3"' in bad.text  # what was typed stays in the form
    client.cookies.set("portal_lang", "zh")
    chinese = post_form(client, PAGE, PAGE, {**good, "material": "unobtainium"})
    assert chinese.status_code == 422 and 'id="error-material"' in chinese.text
    assert "所交物料" in chinese.text and "不是目录中的物料" in chinese.text
    missing = post_form(client, PAGE, PAGE, {**good, "kg_per_t": ""})
    assert "每吨交货包装（千克/吨）：此项为必填。" in missing.text
    client.cookies.set("portal_lang", "en")
    saved = post_form(client, PAGE, PAGE, good, follow_redirects=True)
    assert saved.status_code == 200 and 'id="packaging-saved"' in saved.text
    assert 'id="declared-al_recycled_ingot-wooden_pallet"' in saved.text
    [row] = session.exec(select(PackagingDeclaration)).all()
    assert row.supplier_id == far.id != other.id and row.kg_per_t == Decimal(20)
    assert row.updated_by_id == user.id
    removed = post_form(
        client,
        PAGE,
        f"{PAGE}/remove",
        {"material": "al_recycled_ingot", "packaging": "wooden_pallet"},
        follow_redirects=True,
    )
    assert 'id="packaging-removed"' in removed.text and 'id="packaging-none"' in removed.text
    actions = session.exec(
        select(AuditEvent.action, AuditEvent.actor).where(
            col(AuditEvent.action).startswith("packaging_declaration.")
        )
    ).all()
    assert sorted(actions) == [
        ("packaging_declaration.removed", user.email),
        ("packaging_declaration.saved", user.email),
    ]


def test_the_esg_team_declares_on_a_suppliers_behalf(
    session: Session, far: Supplier, client: TestClient
) -> None:
    esg = make_user(session, "esg")
    sign_in(client, esg.email)
    profile = client.get(f"/suppliers/{far.id}").text
    assert 'href="/logistics/packaging?supplier=FSZS" id="profile-packaging-link"' in profile
    chooser = client.get(PAGE)
    assert 'id="packaging-supplier-form"' in chooser.text and "FSZS" in chooser.text
    page = f"{PAGE}?supplier=FSZS"
    answer = post_form(
        client,
        page,
        PAGE,
        {**STRAPPING.__dict__, "supplier": "FSZS", "recyclable": "1", "reusable": ""},
        follow_redirects=True,
    )
    assert answer.status_code == 200 and str(answer.url).endswith("supplier=FSZS")
    assert "Steel strapping" in answer.text and "ISO 18604" in answer.text
    [row] = packaging.declarations_of(session, far.id or 0)
    assert row.recyclable and row.recycled_content == Decimal("0.3")
    assert client.get(f"{PAGE}?supplier=NOPE").status_code == 404


def test_the_check_card_warns_of_declared_single_use_packaging_before_buying(
    session: Session, buyer: User, far: Supplier, buyer_client: TestClient
) -> None:
    def check() -> str:
        response = post_form(
            buyer_client,
            "/checks",
            "/checks",
            {"supplier": "FSZS", "material": "al_recycled_ingot", "quantity_t": "25",
             "date": "2026-03-02", "product_line": "alloy"},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        return response.text

    assert 'id="check-packaging"' not in check()  # nothing declared: nothing said
    _declare(session, far, STRAPPING, PALLET)
    card = check()
    # 25 t × 12 kg/t = 300 kg of recyclable strapping; 25 t × 20 kg/t = 500 kg of pallets,
    # neither reusable nor recyclable: the single-use warning names the 500 kg.
    assert 'id="check-packaging-declared"' in card
    assert "300.0 kg" in card and "500.0 kg" in card
    assert 'id="check-packaging-findings"' in card
    assert "finding-single_use_packaging" in card
    assert "Single-use, non-recyclable packaging 500.0 kg (wooden_pallet)" in card
