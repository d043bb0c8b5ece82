"""A supplier's standing packaging per material: read from what was typed, and applied to a
delivery recorded without packaging items of its own (pure: no database, no web)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from portal.errors import InvalidInput
from portal.i18n import _
from portal.logistics.core import DECLARED, INBOUND, PACKAGING_MATERIALS
from portal.logistics.inputs import PackagingPlan, ShipmentPlan, amount, packaging_traits

# More packaging than goods is a typing slip, not a declaration.
MAX_KG_PER_T = Decimal(1000)
PLACES = 6


@dataclass
class DeclarationDraft:
    """A declared packaging item as typed."""

    material: str = ""
    packaging: str = ""
    kg_per_t: str = ""
    reusable: str = ""
    recyclable: str = ""
    recyclable_basis: str = ""
    recycled_content_pct: str = ""
    trips: str = ""


@dataclass(frozen=True)
class DeclaredItem:
    """One item kind of a supplier's standing packaging of a material, per tonne delivered."""

    material_code: str
    packaging: str
    kg_per_t: Decimal
    reusable: bool
    trips: int | None
    recyclable: bool
    recyclable_basis: str
    recycled_content: Decimal


def field_label(name: str) -> str:
    """A field's name for people."""
    return {
        "material": _("Material delivered"),
        "packaging": _("Packaging material"),
        "kg_per_t": _("Packaging per tonne delivered (kg/t)"),
        "reusable": _("Reusable / returnable"),
        "recyclable": _("Recyclable"),
        "recyclable_basis": _("Recyclability basis"),
        "recycled_content_pct": _("Recycled content (%)"),
        "trips": _("Trips"),
    }.get(name, name)


def _bad(name: str, message: str) -> InvalidInput:
    return InvalidInput(
        _("%(field)s: %(problem)s") % {"field": field_label(name), "problem": message},
        field=name,
    )


def read_material(text: str, materials: Collection[str]) -> str:
    """A material of the catalog (raw materials: what packaging comes with)."""
    code = (text or "").strip()
    if not code:
        raise _bad("material", _("This field is required."))
    if code not in materials:
        raise _bad(
            "material",
            _("“%(value)s” is not a material of the catalog; use one of: %(materials)s.")
            % {"value": code[:64], "materials": ", ".join(materials)},
        )
    return code


def read_packaging(text: str) -> str:
    """A packaging item kind."""
    code = (text or "").strip()
    if not code:
        raise _bad("packaging", _("This field is required."))
    if code not in PACKAGING_MATERIALS:
        raise _bad(
            "packaging",
            _("“%(value)s” is not a packaging material; use one of: %(materials)s.")
            % {"value": code[:40], "materials": ", ".join(PACKAGING_MATERIALS)},
        )
    return code


def read_declaration(draft: DeclarationDraft, materials: Collection[str]) -> DeclaredItem:
    """DRAFT checked; InvalidInput names the field, in the user's language."""
    material = read_material(draft.material, materials)
    packaging = read_packaging(draft.packaging)
    try:
        kg_per_t = amount("kg_per_t", (draft.kg_per_t or "").strip(), limit=MAX_KG_PER_T)
        exponent = kg_per_t.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -PLACES:
            raise InvalidInput(_("At most 6 decimals."), field="kg_per_t")
        reusable, trips, recyclable, basis, content = packaging_traits(
            "",
            reusable=draft.reusable,
            recyclable=draft.recyclable,
            recyclable_basis=draft.recyclable_basis,
            recycled_content_pct=draft.recycled_content_pct,
            trips=draft.trips,
        )
    except InvalidInput as bad:
        # The shipment reader's message starts with its own label; say ours.
        message = bad.message.split(": ", 1)[-1]
        raise _bad(bad.field or "kg_per_t", message) from None
    return DeclaredItem(
        material,
        packaging,
        kg_per_t,
        reusable,
        trips if reusable else None,
        recyclable,
        basis if recyclable else "",
        content,
    )


def mass_kg(tonnes: Decimal, kg_per_t: Decimal) -> Decimal:
    """The packaging a delivery of TONNES came with, to the gram."""
    return (tonnes * kg_per_t).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def applied(tonnes: Decimal, items: Sequence[DeclaredItem]) -> tuple[PackagingPlan, ...]:
    """The declared ITEMS as a delivery of TONNES' packaging (tonnes × kg/t each)."""
    return tuple(
        PackagingPlan(
            item.packaging,
            mass_kg(tonnes, item.kg_per_t),
            item.reusable,
            item.trips,
            item.recyclable,
            item.recyclable_basis,
            item.recycled_content,
            DECLARED,
            item.kg_per_t,
        )
        for item in items
    )


def with_declared(plan: ShipmentPlan, items: Sequence[DeclaredItem]) -> ShipmentPlan:
    """PLAN with the supplier's declared packaging when it names none of its own (a
    delivery's own items always win; outbound deliveries have no supplier to declare)."""
    if plan.packaging or plan.direction != INBOUND or not items:
        return plan
    return replace(plan, packaging=applied(plan.tonnes, items))
