"""A shipment as typed (form, API or warehouse file) read into a plan with its legs'
figures, or InvalidInput naming the field (no database: the caller passes what it found)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from portal.errors import InvalidInput
from portal.i18n import _
from portal.logistics.core import (
    DELIVERY,
    INBOUND,
    OUTBOUND,
    PACKAGING_MATERIALS,
    Intensity,
    LegFigure,
    LegIn,
    PackagingIn,
    leg_figure,
)
from portal.logistics.factors import LogisticsRules, Place
from portal.procurement import inputs as values

MAX_LEGS = 6
MAX_ITEMS = 20
MAX_KM = Decimal(40000)
_PLAIN = re.compile(r"\d{1,12}(?:\.\d{1,6})?")  # most cells: read without the full reader
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_REFERENCE = re.compile(r"[^\x00-\x1f\x7f]{1,64}")
_TRUE = {"1", "true", "yes", "y", "是", "x", "✓", "on"}
T = TypeVar("T")
_FALSE = {"", "0", "false", "no", "n", "否"}


@dataclass
class LegDraft:
    """A leg as typed."""

    mode: str = ""
    distance_km: str = ""
    carrier_co2e_t: str = ""


@dataclass
class PackagingDraft:
    """A packaging item as typed."""

    packaging: str = ""
    mass_kg: str = ""
    reusable: str = ""
    recyclable: str = ""
    recyclable_basis: str = ""
    recycled_content_pct: str = ""
    trips: str = ""


@dataclass
class ShipmentDraft:
    """A shipment as typed."""

    direction: str = INBOUND
    reference: str = ""
    po_number: str = ""
    po_line: str = "1"
    customer: str = ""
    shipped_on: str = ""
    tonnes: str = ""
    legs: list[LegDraft] = field(default_factory=list)
    packaging: list[PackagingDraft] = field(default_factory=list)


@dataclass(frozen=True)
class PurchaseRef:
    """What a shipment needs of the purchase it delivers."""

    id: int
    supplier_id: int
    product_line: str
    quantity_t: Decimal
    material_code: str = ""


@dataclass(frozen=True)
class SiteRef:
    """A supplier's usual dispatch site, for a distance left blank."""

    place: Place | None
    distance_km: Decimal | None
    rail_available: bool


@dataclass(frozen=True)
class LegPlan:
    """A leg ready to store."""

    seq: int
    mode: str
    distance_km: Decimal
    distance_basis: str
    tonnes: Decimal
    intensity: Intensity
    carrier_reported_t: Decimal | None
    figure: LegFigure

    def as_policy_leg(self) -> LegIn:
        """The leg as the policy sees it."""
        return LegIn(self.mode, self.distance_km, self.tonnes, self.figure.emissions_t)


@dataclass(frozen=True)
class PackagingPlan:
    """A packaging item ready to store."""

    packaging: str
    mass_kg: Decimal
    reusable: bool
    trips: int | None
    recyclable: bool
    recyclable_basis: str
    recycled_content: Decimal
    source: str = DELIVERY  # or declared: the supplier's declaration, tonnes × kg/t
    kg_per_t: Decimal | None = None  # the declared kg per tonne

    def as_policy_item(self) -> PackagingIn:
        """The item as the policy sees it."""
        return PackagingIn(self.packaging, self.mass_kg, self.reusable, self.recyclable)


@dataclass(frozen=True)
class ShipmentPlan:
    """A shipment read and figured, ready to store."""

    direction: str
    reference: str
    purchase: PurchaseRef | None
    customer: str
    product_line: str
    shipped_on: date
    tonnes: Decimal
    legs: tuple[LegPlan, ...]
    packaging: tuple[PackagingPlan, ...]

    @property
    def emissions_t(self) -> Decimal:
        """The shipment's emissions: the sum of its legs."""
        return sum((leg.figure.emissions_t for leg in self.legs), Decimal(0))

    @property
    def supplier_id(self) -> int | None:
        """The supplier of an inbound shipment."""
        return self.purchase.supplier_id if self.purchase else None


def field_label(name: str) -> str:
    """A field's name for people."""
    base = re.sub(r"\[\d+\]", "", name)
    labels = {
        "direction": _("Direction"),
        "reference": _("Delivery note number"),
        "po_number": _("PO number"),
        "po_line": _("PO line"),
        "customer": _("Customer"),
        "shipped_on": _("Shipping date"),
        "tonnes": _("Tonnes carried"),
        "legs": _("Legs"),
        "legs.mode": _("Transport mode"),
        "legs.distance_km": _("Distance (km)"),
        "legs.carrier_co2e_t": _("Carrier-reported CO2e (t)"),
        "packaging.packaging": _("Packaging material"),
        "packaging.mass_kg": _("Packaging mass (kg)"),
        "packaging.recyclable_basis": _("Recyclability basis"),
        "packaging.recycled_content_pct": _("Recycled content (%)"),
        "packaging.trips": _("Trips"),
    }
    return labels.get(base, name)


def _bad(name: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field_label(name)}: {message}", field=name)


def _value_message(code: str) -> str:
    return {
        "missing": _("This field is required."),
        "not_a_number": _(
            "Enter a number such as 12.5 or 1,200 "
            "(a point for decimals; a comma only separates thousands)."
        ),
        "not_positive": _("Must be more than 0."),
        "too_large": _("The value is too large."),
        "too_precise": _("At most 6 decimals."),
        "not_a_date": _("Enter a date as YYYY-MM-DD."),
        "date_out_of_range": _("The date must lie between 2000-01-01 and 2099-12-31."),
    }.get(code, _("This value cannot be used."))


def _read(name: str, reader: Callable[[str], T], text: str) -> T:
    try:
        return reader(text)
    except values.BadValue as bad:
        raise _bad(name, _value_message(bad.code)) from None


def amount(name: str, text: str, *, limit: Decimal, allow_zero: bool = False) -> Decimal:
    """A non-negative number up to LIMIT (zero only if ALLOW_ZERO); InvalidInput naming NAME."""
    number = Decimal(text) if _PLAIN.fullmatch(text) else _read(name, values.number, text)
    if number < 0 or (number == 0 and not allow_zero):
        raise _bad(name, _value_message("not_positive"))
    if number > limit:
        raise _bad(name, _value_message("too_large"))
    return number


def flag(name: str, text: str) -> bool:
    """A yes/no answer (是/否 too); InvalidInput naming NAME."""
    word = (text or "").strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise _bad(name, _("Enter yes or no (是/否)."))


_MODE_NAMES: dict[int, tuple[object, dict[str, str]]] = {}


def mode_code(text: str, rules: LogisticsRules) -> str | None:
    """The mode a code or a name (Chinese or English) means."""
    found = _MODE_NAMES.get(id(rules.modes))
    if found is None or found[0] is not rules.modes:
        names: dict[str, str] = {}
        for mode in rules.modes.values():
            names.update({mode.code: mode.code, mode.name_en.lower(): mode.code})
            names[mode.name_zh] = mode.code
        found = _MODE_NAMES[id(rules.modes)] = (rules.modes, names)
    word = (text or "").strip()
    return found[1].get(word) or found[1].get(word.lower())


def _day(text: str) -> date:
    if _ISO_DAY.fullmatch(text or ""):
        try:
            found = date.fromisoformat(text)
        except ValueError:
            raise values.BadValue("not_a_date") from None
        if values.EARLIEST_DATE <= found <= values.LATEST_DATE:
            return found
    return values.day(text)


def _tonnes(text: str) -> Decimal:
    if _PLAIN.fullmatch(text or ""):
        found = Decimal(text)
        if 0 < found <= values.MAX_QUANTITY_T:
            return found
    return values.quantity(text)


def read_reference(text: str) -> str:
    """A delivery note number: 1–64 printable characters."""
    reference = (text or "").strip()
    if not reference:
        raise _bad("reference", _value_message("missing"))
    if not _REFERENCE.fullmatch(reference):
        raise _bad("reference", _("At most 64 characters, no control characters."))
    return reference


def plan_shipment(
    draft: ShipmentDraft,
    rules: LogisticsRules,
    *,
    purchase: PurchaseRef | None,
    site: SiteRef | None,
    intensity_of: Callable[[str, int], Intensity],
) -> ShipmentPlan:
    """DRAFT checked and figured; PURCHASE is the one its PO number found (None: none)."""
    direction = (draft.direction or INBOUND).strip()
    if direction not in (INBOUND, OUTBOUND):
        raise _bad("direction", _("Choose inbound or outbound."))
    reference = read_reference(draft.reference)
    customer = (draft.customer or "").strip()[:200]
    if direction == INBOUND:
        if not (draft.po_number or "").strip():
            raise _bad("po_number", _value_message("missing"))
        if purchase is None:
            raise _bad(
                "po_number",
                _("No recorded purchase has PO %(po)s line %(line)s.")
                % {"po": draft.po_number.strip(), "line": (draft.po_line or "1").strip()},
            )
    elif not customer:
        raise _bad("customer", _value_message("missing"))
    shipped_on = _read("shipped_on", _day, draft.shipped_on)
    tonnes = _read("tonnes", _tonnes, draft.tonnes)
    if not draft.legs:
        raise _bad("legs", _("Give at least one leg (mode and distance)."))
    if len(draft.legs) > MAX_LEGS:
        raise _bad("legs", _("At most %(n)s legs.") % {"n": MAX_LEGS})
    legs = tuple(
        _plan_leg(index, leg, rules, tonnes, shipped_on.year, site, len(draft.legs), intensity_of)
        for index, leg in enumerate(draft.legs)
    )
    if len(draft.packaging) > MAX_ITEMS:
        raise _bad("packaging", _("At most %(n)s packaging items.") % {"n": MAX_ITEMS})
    items = tuple(_plan_item(index, item) for index, item in enumerate(draft.packaging))
    return ShipmentPlan(
        direction,
        reference,
        purchase if direction == INBOUND else None,
        customer if direction == OUTBOUND else "",
        purchase.product_line if purchase else "extrusion",
        shipped_on,
        tonnes,
        legs,
        items,
    )


def _plan_leg(
    index: int,
    leg: LegDraft,
    rules: LogisticsRules,
    tonnes: Decimal,
    year: int,
    site: SiteRef | None,
    leg_count: int,
    intensity_of: Callable[[str, int], Intensity],
) -> LegPlan:
    here = f"legs[{index}]"
    mode = mode_code(leg.mode, rules)
    if mode is None:
        raise _bad(
            f"{here}.mode",
            _("“%(value)s” is not a transport mode; use one of: %(modes)s.")
            % {"value": leg.mode, "modes": ", ".join(rules.modes)},
        )
    basis = "typed"
    if (leg.distance_km or "").strip():
        km = amount(f"{here}.distance_km", leg.distance_km, limit=MAX_KM)
    else:
        found = _site_distance(site, rules.modes[mode].is_rail) if leg_count == 1 else None
        if found is None:
            raise _bad(
                f"{here}.distance_km",
                _(
                    "Enter the distance: the supplier states no dispatch site with a distance "
                    "(a shipment of several legs needs each leg's distance)."
                ),
            )
        km, basis = found
    carrier: Decimal | None = None
    if (leg.carrier_co2e_t or "").strip():
        carrier = amount(
            f"{here}.carrier_co2e_t", leg.carrier_co2e_t, limit=Decimal(100000), allow_zero=True
        )
    factor = intensity_of(mode, year)
    return LegPlan(
        index + 1,
        mode,
        km,
        basis,
        tonnes,
        factor,
        carrier,
        leg_figure(tonnes, km, factor.kg_per_tkm, carrier),
    )


def _site_distance(site: SiteRef | None, rail: bool) -> tuple[Decimal, str] | None:
    if site is None:
        return None
    if site.distance_km is not None:
        return site.distance_km, "site"
    if site.place is not None:
        return (site.place.rail_km if rail else site.place.road_km), "table"
    return None


def packaging_traits(
    prefix: str,
    *,
    reusable: str,
    recyclable: str,
    recyclable_basis: str,
    recycled_content_pct: str,
    trips: str,
) -> tuple[bool, int | None, bool, str, Decimal]:
    """A packaging item's reusable, trips, recyclable, basis and recycled content (a fraction)
    as typed; InvalidInput names the field PREFIX + its name."""
    is_recyclable = flag(f"{prefix}recyclable", recyclable)
    basis = (recyclable_basis or "").strip()
    if basis not in ("", "iso18604", "supplier"):
        raise _bad(f"{prefix}recyclable_basis", _("Choose iso18604 or supplier."))
    if is_recyclable and not basis:
        raise _bad(
            f"{prefix}recyclable_basis",
            _("Say what the recyclability rests on: ISO 18604 or the supplier's statement."),
        )
    content = Decimal(0)
    if (recycled_content_pct or "").strip():
        content = amount(
            f"{prefix}recycled_content_pct",
            recycled_content_pct.strip(),
            limit=Decimal(100),
            allow_zero=True,
        ) / Decimal(100)
    count: int | None = None
    if (trips or "").strip():
        count = int(amount(f"{prefix}trips", trips.strip(), limit=Decimal(100000)))
    return flag(f"{prefix}reusable", reusable), count, is_recyclable, basis, content


def _plan_item(index: int, item: PackagingDraft) -> PackagingPlan:
    here = f"packaging[{index}]"
    material = (item.packaging or "").strip()
    if material not in PACKAGING_MATERIALS:
        raise _bad(
            f"{here}.packaging",
            _("“%(value)s” is not a packaging material; use one of: %(materials)s.")
            % {"value": material, "materials": ", ".join(PACKAGING_MATERIALS)},
        )
    mass = amount(f"{here}.mass_kg", item.mass_kg, limit=Decimal(1000000))
    reusable, trips, recyclable, basis, content = packaging_traits(
        f"{here}.",
        reusable=item.reusable,
        recyclable=item.recyclable,
        recyclable_basis=item.recyclable_basis,
        recycled_content_pct=item.recycled_content_pct,
        trips=item.trips,
    )
    return PackagingPlan(material, mass, reusable, trips, recyclable, basis, content)


def legs_from_columns(modes: str, distances: str, carrier: str) -> list[LegDraft]:
    """Legs of a file's line: modes, distances and carrier figures separated by '+'."""
    mode_parts = [part.strip() for part in (modes or "").split("+")]
    distance_parts = [part.strip() for part in (distances or "").split("+")]
    carrier_parts = [part.strip() for part in (carrier or "").split("+")]
    count = max(len(mode_parts), 1)

    def nth(parts: Sequence[str], index: int) -> str:
        return parts[index] if index < len(parts) else ""

    return [
        LegDraft(nth(mode_parts, i), nth(distance_parts, i), nth(carrier_parts, i))
        for i in range(count)
        if nth(mode_parts, i) or i == 0
    ]
