"""JSON shapes of the logistics API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from portal.logistics.core import Finding
from portal.logistics.inputs import LegDraft, PackagingDraft, ShipmentDraft
from portal.logistics.models import Shipment, ShipmentLeg


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
    findings: list[FindingOut]

    @classmethod
    def of(
        cls, shipment: Shipment, legs: list[ShipmentLeg], findings: list[Finding]
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
