"""JSON shapes of the logistics API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from portal.logistics.core import Finding
from portal.logistics.inputs import LegDraft, PackagingDraft, ShipmentDraft
from portal.logistics.models import PackagingItem, Shipment, ShipmentLeg


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_text), Field(max_length=64)]
Number = Annotated[
    str,
    BeforeValidator(_text),
    Field(max_length=40, description='A number; as a string "1,200" is 1200, "1.2" is 1.2'),
]


class LegIn(BaseModel):
    """A leg: mode, distance (empty: the distance table's) and the carrier's own figure."""

    model_config = ConfigDict(extra="forbid")
    mode: Text = Field(description="rail_electric, rail_diesel, truck_diesel_heavy, …")
    distance_km: Number = ""
    carrier_co2e_t: Number = Field("", description="tCO2e the carrier reports; wins if given")


class PackagingIn(BaseModel):
    """A packaging item of the delivery."""

    model_config = ConfigDict(extra="forbid")
    packaging: Text = Field(description="steel_strapping, wooden_pallet, aluminium_rack, …")
    mass_kg: Number
    reusable: Text = "no"
    recyclable: Text = "no"
    recyclable_basis: Literal["", "iso18604", "supplier"] = ""
    recycled_content_pct: Number = ""
    trips: Number = ""


class ShipmentIn(BaseModel):
    """A delivery: inbound (a purchase's, by PO number) or outbound (to a customer)."""

    model_config = ConfigDict(extra="forbid")
    direction: Literal["inbound", "outbound"] = "inbound"
    reference: Text = Field(description="Delivery note or warehouse record number")
    po_number: Text = ""
    po_line: Number = "1"
    customer: Annotated[str, Field(max_length=200)] = ""
    shipped_on: Annotated[str, BeforeValidator(_text), Field(max_length=40)]
    tonnes: Number
    legs: Annotated[list[LegIn], Field(min_length=1, max_length=6)]
    packaging: Annotated[list[PackagingIn], Field(max_length=20)] = []

    def draft(self) -> ShipmentDraft:
        """The shipment as the services read it."""
        return ShipmentDraft(
            direction=self.direction,
            reference=self.reference,
            po_number=self.po_number,
            po_line=self.po_line,
            customer=self.customer,
            shipped_on=self.shipped_on,
            tonnes=self.tonnes,
            legs=[LegDraft(leg.mode, leg.distance_km, leg.carrier_co2e_t) for leg in self.legs],
            packaging=[
                PackagingDraft(
                    p.packaging,
                    p.mass_kg,
                    p.reusable,
                    p.recyclable,
                    p.recyclable_basis,
                    p.recycled_content_pct,
                    p.trips,
                )
                for p in self.packaging
            ],
        )


class LegOut(BaseModel):
    """A stored leg with its factor and source."""

    seq: int
    mode: str
    distance_km: Decimal
    distance_basis: str
    tonnes: Decimal
    tkm: Decimal
    intensity_kg_per_tkm: Decimal
    factor_source: str
    carrier_reported_t: Decimal | None
    emissions_t: Decimal
    basis: Literal["factor", "carrier"]

    @classmethod
    def of(cls, leg: ShipmentLeg) -> LegOut:
        """The API's view of LEG."""
        return cls.model_validate(leg, from_attributes=True)


class PackagingOut(BaseModel):
    """A packaging item of a delivery: its own, or the supplier's declaration applied to it."""

    packaging: str
    mass_kg: Decimal
    reusable: bool
    trips: int | None
    recyclable: bool
    recyclable_basis: str
    recycled_content: Decimal
    source: Literal["delivery", "declared"] = Field(
        description="delivery: named with the delivery; declared: the supplier's standing "
        "declaration for the material, tonnes × kg_per_t"
    )
    kg_per_t: Decimal | None

    @classmethod
    def of(cls, item: PackagingItem) -> PackagingOut:
        """The API's view of ITEM."""
        return cls.model_validate(item, from_attributes=True)


class FindingOut(BaseModel):
    """A finding of the transport and packaging policy."""

    code: str
    outcome: Literal["warn", "note"]
    message_zh: str
    message_en: str
    difference_t: Decimal | None = None


class ShipmentOut(BaseModel):
    """A recorded shipment."""

    id: int
    direction: str
    reference: str
    purchase_id: int | None
    customer: str
    shipped_on: date
    tonnes: Decimal
    emissions_t: Decimal
    ruleset_revision: str
    legs: list[LegOut]
    packaging: list[PackagingOut]
    findings: list[FindingOut]

    @classmethod
    def of(
        cls,
        shipment: Shipment,
        legs: list[ShipmentLeg],
        packaging: list[PackagingItem],
        findings: list[Finding],
    ) -> ShipmentOut:
        """The API's view of SHIPMENT."""
        assert shipment.id is not None
        return cls(
            id=shipment.id,
            direction=shipment.direction,
            reference=shipment.reference,
            purchase_id=shipment.purchase_id,
            customer=shipment.customer,
            shipped_on=shipment.shipped_on,
            tonnes=shipment.tonnes,
            emissions_t=shipment.emissions_t,
            ruleset_revision=shipment.ruleset_revision,
            legs=[LegOut.of(leg) for leg in legs],
            packaging=[PackagingOut.of(item) for item in packaging],
            findings=[
                FindingOut(
                    code=f.code,
                    outcome=f.outcome,
                    message_zh=f.message_zh,
                    message_en=f.message_en,
                    difference_t=f.difference_t,
                )
                for f in findings
            ],
        )


class TransportSupplierOut(BaseModel):
    """A supplier's inbound transport in the year."""

    supplier_id: int
    supplier_code: str
    tonnes: Decimal
    tkm: Decimal
    emissions_t: Decimal
    tco2e_per_t: Decimal | None
    rail_share_pct: Decimal | None


class LogisticsReport(BaseModel):
    """Transport (Scope 3 categories 4 and 9) and packaging in the year, reported beside the
    Scope 3.1 intensity (not inside it), each share against its target."""

    scope3_cat4_t: Decimal
    scope3_cat4_per_t_product: Decimal | None
    scope3_cat9_t: Decimal
    scope3_cat9_per_t_extrusion: Decimal | None
    inbound_tkm: Decimal
    outbound_tkm: Decimal
    rail_share_long_haul_pct: Decimal | None
    rail_share_target_pct: Decimal | None
    rail_share_met: bool | None
    electric_share_outbound_tkm_pct: Decimal | None
    electric_share_outbound_trips_pct: Decimal | None
    electric_share_target_pct: Decimal | None
    electric_share_met: bool | None
    packaging_kg: Decimal
    recyclable_or_reusable_packaging_pct: Decimal | None
    single_use_packaging_kg_per_t: Decimal | None
    suppliers: list[TransportSupplierOut]

    @classmethod
    def of(cls, f: Any, codes: dict[int, str]) -> LogisticsReport:
        """The API's view of a YearLogistics."""
        return cls(
            scope3_cat4_t=f.cat4_t,
            scope3_cat4_per_t_product=f.cat4_per_t,
            scope3_cat9_t=f.cat9_t,
            scope3_cat9_per_t_extrusion=f.cat9_per_t,
            inbound_tkm=f.inbound_tkm,
            outbound_tkm=f.outbound_tkm,
            rail_share_long_haul_pct=f.rail_share_pct,
            rail_share_target_pct=f.rail_target_pct,
            rail_share_met=f.rail_met,
            electric_share_outbound_tkm_pct=f.electric_tkm_share_pct,
            electric_share_outbound_trips_pct=f.electric_trip_share_pct,
            electric_share_target_pct=f.electric_target_pct,
            electric_share_met=f.electric_met,
            packaging_kg=f.packaging_total_kg,
            recyclable_or_reusable_packaging_pct=f.recyclable_share_pct,
            single_use_packaging_kg_per_t=f.single_use_kg_per_t,
            suppliers=[
                TransportSupplierOut(
                    supplier_id=s.supplier_id,
                    supplier_code=codes.get(s.supplier_id, ""),
                    tonnes=s.tonnes,
                    tkm=s.tkm,
                    emissions_t=s.emissions_t,
                    tco2e_per_t=s.per_tonne,
                    rail_share_pct=s.rail_share_pct,
                )
                for s in f.suppliers
            ],
        )
