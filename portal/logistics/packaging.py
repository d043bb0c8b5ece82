"""Suppliers' standing packaging declarations per material: saved, removed (both audited) and
looked up for deliveries recorded without packaging items (services: flush, never commit)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.checking.ruleset import Category
from portal.db import utcnow
from portal.errors import NotFound
from portal.logistics.declared import (
    DeclarationDraft,
    DeclaredItem,
    read_declaration,
    read_material,
    read_packaging,
)
from portal.logistics.models import PackagingDeclaration

CHUNK = 500
Key = tuple[int, str]  # supplier id, material code


def declarable_materials() -> list[str]:
    """The catalog's raw materials, the goods packaging comes with."""
    return [
        code
        for code, material in get_ruleset().materials.items()
        if material.category == Category.RAW_MATERIAL
    ]


def _item(row: PackagingDeclaration) -> DeclaredItem:
    return DeclaredItem(
        row.material_code,
        row.packaging,
        row.kg_per_t,
        row.reusable,
        row.trips,
        row.recyclable,
        row.recyclable_basis,
        row.recycled_content,
    )


def declarations_of(db: Session, supplier_id: int) -> Sequence[PackagingDeclaration]:
    """A supplier's declared packaging, by material and item."""
    return db.exec(
        select(PackagingDeclaration)
        .where(PackagingDeclaration.supplier_id == supplier_id)
        .order_by(col(PackagingDeclaration.material_code), col(PackagingDeclaration.packaging))
    ).all()


def declared_items(db: Session, supplier_id: int, material_code: str) -> list[DeclaredItem]:
    """What the supplier declares comes with each tonne of the material."""
    return [
        _item(row) for row in declarations_of(db, supplier_id) if row.material_code == material_code
    ]


def declared_for(db: Session, keys: Iterable[Key]) -> dict[Key, list[DeclaredItem]]:
    """The declared items of each (supplier, material) in KEYS (for a file's many lines)."""
    wanted = set(keys)
    suppliers = sorted({supplier for supplier, _material in wanted})
    found: dict[Key, list[DeclaredItem]] = {}
    for start in range(0, len(suppliers), CHUNK):
        for row in db.exec(
            select(PackagingDeclaration)
            .where(col(PackagingDeclaration.supplier_id).in_(suppliers[start : start + CHUNK]))
            .order_by(col(PackagingDeclaration.packaging))
        ):
            key = (row.supplier_id, row.material_code)
            if key in wanted:
                found.setdefault(key, []).append(_item(row))
    return found


def save_declaration(
    db: Session, *, actor: Actor, user_id: int | None, supplier_id: int, draft: DeclarationDraft
) -> PackagingDeclaration:
    """Declare (or change) the packaging item that comes with each tonne of a material;
    InvalidInput names the field. Deliveries recorded from now on without packaging items
    count it; those recorded before keep what they were recorded with."""
    item = read_declaration(draft, declarable_materials())
    row = db.exec(
        select(PackagingDeclaration).where(
            PackagingDeclaration.supplier_id == supplier_id,
            PackagingDeclaration.material_code == item.material_code,
            PackagingDeclaration.packaging == item.packaging,
        )
    ).first()
    before = row.model_dump(mode="json") if row else None
    if row is None:
        row = PackagingDeclaration(
            supplier_id=supplier_id,
            material_code=item.material_code,
            packaging=item.packaging,
            kg_per_t=item.kg_per_t,
        )
    row.kg_per_t, row.reusable, row.trips = item.kg_per_t, item.reusable, item.trips
    row.recyclable, row.recyclable_basis = item.recyclable, item.recyclable_basis
    row.recycled_content = item.recycled_content
    row.updated_at, row.updated_by_id = utcnow(), user_id
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="packaging_declaration.saved",
        entity_type="packaging_declaration",
        entity_id=row.id,
        before=before,
        after=row.model_dump(mode="json"),
    )
    return row


def remove_declaration(
    db: Session, *, actor: Actor, supplier_id: int, material: str, packaging: str
) -> None:
    """Withdraw a declared item (deliveries recorded with it keep it); audited."""
    material_code = read_material(material, declarable_materials())
    kind = read_packaging(packaging)
    row = db.exec(
        select(PackagingDeclaration).where(
            PackagingDeclaration.supplier_id == supplier_id,
            PackagingDeclaration.material_code == material_code,
            PackagingDeclaration.packaging == kind,
        )
    ).first()
    if row is None:
        raise NotFound()
    before = row.model_dump(mode="json")
    db.delete(row)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="packaging_declaration.removed",
        entity_type="packaging_declaration",
        entity_id=before["id"],
        before=before,
    )
