"""The pure core of declared packaging: reading a declaration, applying it to a delivery."""

from __future__ import annotations

import ast
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import portal.logistics.declared as declared_module
from portal.errors import InvalidInput
from portal.logistics.core import packaging_findings
from portal.logistics.declared import (
    DeclarationDraft,
    DeclaredItem,
    mass_kg,
    read_declaration,
    with_declared,
)
from portal.logistics.factors import Policy
from portal.logistics.inputs import PackagingPlan, PurchaseRef, ShipmentPlan

MATERIALS = ("al_recycled_ingot", "silicon_metal")
STRAPPING = DeclaredItem(
    "al_recycled_ingot", "steel_strapping", Decimal(12), False, None, True, "iso18604", Decimal(0)
)
PALLET = DeclaredItem(
    "al_recycled_ingot", "wooden_pallet", Decimal(20), False, None, False, "", Decimal(0)
)
POLICY = Policy(date(2025, 1, 1), Decimal(500), "rail_electric", "warn", "test")


def _plan(tonnes: str = "30", *items: PackagingPlan, direction: str = "inbound") -> ShipmentPlan:
    purchase = PurchaseRef(1, 7, "alloy", Decimal(tonnes), "al_recycled_ingot")
    return ShipmentPlan(
        direction, "DN-1", purchase, "", "alloy", date(2026, 3, 10), Decimal(tonnes), (), items
    )


def test_a_delivery_without_items_takes_the_declared_mass_per_tonne() -> None:
    planned = with_declared(_plan("30"), [STRAPPING, PALLET])
    # 30 t × 12 kg/t = 360 kg of strapping (recyclable); 30 t × 20 kg/t = 600 kg of pallets
    assert [(p.packaging, p.mass_kg, p.source, p.kg_per_t) for p in planned.packaging] == [
        ("steel_strapping", Decimal("360.000"), "declared", Decimal(12)),
        ("wooden_pallet", Decimal("600.000"), "declared", Decimal(20)),
    ]
    # The declared single-use pallets draw the same warning as a delivery's own.
    [finding] = packaging_findings([p.as_policy_item() for p in planned.packaging], POLICY)
    assert finding.code == "single_use_packaging" and "600.0 kg" in finding.message_en


def test_a_deliverys_own_items_win_and_outbound_has_no_declaration() -> None:
    rack = PackagingPlan("aluminium_rack", Decimal(80), True, 40, True, "supplier", Decimal(0))
    own = _plan("30", rack)
    assert with_declared(own, [STRAPPING, PALLET]) is own
    outbound = _plan("30", direction="outbound")
    assert with_declared(outbound, [STRAPPING]).packaging == ()


def test_the_mass_is_rounded_to_the_gram() -> None:
    # 12.345678 t × 0.8 kg/t = 9.8765424 kg → 9.877 kg
    assert mass_kg(Decimal("12.345678"), Decimal("0.8")) == Decimal("9.877")


def test_reading_names_the_field() -> None:
    good = DeclarationDraft("silicon_metal", "wooden_pallet", "10", "no", "yes", "supplier", "25")
    item = read_declaration(good, MATERIALS)
    assert (item.kg_per_t, item.recyclable, item.recycled_content) == (
        Decimal(10),
        True,
        Decimal("0.25"),
    )
    cases = {
        "material": DeclarationDraft("copper", "wooden_pallet", "10"),
        "packaging": DeclarationDraft("silicon_metal", "pallet", "10"),
        "kg_per_t": DeclarationDraft("silicon_metal", "wooden_pallet", "-1"),
        "recyclable_basis": DeclarationDraft("silicon_metal", "wooden_pallet", "1", "", "yes"),
        "recyclable": DeclarationDraft("silicon_metal", "wooden_pallet", "1", "", "maybe"),
    }
    for name, draft in cases.items():
        with pytest.raises(InvalidInput) as caught:
            read_declaration(draft, MATERIALS)
        assert caught.value.field == name


def test_declared_packaging_is_a_pure_core() -> None:
    tree = ast.parse(Path(declared_module.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    forbidden = ("fastapi", "sqlmodel", "sqlalchemy", "portal.db", "portal.catalog")
    assert not {name for name in imported if name.startswith(forbidden)}
