"""Tables of transport and packaging: shipments with legs, packaging items, suppliers'
dispatch sites and standing packaging declarations, warehouse-record imports, once-only
notes and the yearly sums."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow

__all__ = [
    "DispatchSite",
    "LogisticsImport",
    "LogisticsNote",
    "LogisticsYearSum",
    "PackagingDeclaration",
    "PackagingItem",
    "Shipment",
    "ShipmentLeg",
]


def _num(scale: int = 6) -> Any:
    return Column(Numeric(18, scale), nullable=False)


def _micro() -> Any:
    return Column(BigInteger, nullable=False, default=0)


class DispatchSite(SQLModel, table=True):
    """A site a supplier usually ships from, with its usual mode and whether rail is possible."""

    __tablename__ = "logistics_dispatch_site"
    __table_args__ = (UniqueConstraint("supplier_id", "place", name="uq_logistics_site"),)

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    place: str = Field(max_length=64)  # a place of rules/logistics/distances.toml
    name: str = Field(default="", max_length=200)
    usual_mode: str = Field(max_length=24)
    rail_available: bool = Field(default=True)
    distance_km: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(12, 3), nullable=True)
    )  # stated by the supplier; else the distance table's
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class LogisticsImport(SQLModel, table=True):
    """An uploaded warehouse in/out file; its lines become shipments only when confirmed."""

    __tablename__ = "logistics_import"

    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=8)  # inbound / outbound
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    uploaded_by_id: int = Field(foreign_key="user_account.id")
    uploaded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    status: str = Field(max_length=16)  # previewed / refused / confirmed
    line_count: int = 0
    # The lines as checked (shipments to store, or the refusals with their line numbers).
    lines: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    problems: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    confirmed_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )


class Shipment(SQLModel, table=True):
    """A delivery: inbound (a purchase's, Scope 3 category 4) or outbound (category 9)."""

    __tablename__ = "logistics_shipment"
    __table_args__ = (
        UniqueConstraint("direction", "reference", name="uq_logistics_shipment_ref"),
        Index("ix_logistics_shipment_year", "direction", "year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=8)  # inbound / outbound
    reference: str = Field(max_length=64)  # delivery note / warehouse record number
    purchase_id: int | None = Field(default=None, foreign_key="purchase.id", index=True)
    supplier_id: int | None = Field(default=None, foreign_key="supplier.id", index=True)
    customer: str = Field(default="", max_length=200)  # outbound
    product_line: str = Field(default="", max_length=16)
    shipped_on: date
    year: int
    tonnes: Decimal = Field(sa_column=_num())
    emissions_t: Decimal = Field(sa_column=_num())  # sum of the legs, tCO2e
    source: str = Field(max_length=8)  # form / api / import / demo
    import_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("logistics_import.id", ondelete="SET NULL"), nullable=True
        ),
    )
    ruleset_revision: str = Field(max_length=64)
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    recorded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )


class ShipmentLeg(SQLModel, table=True):
    """One leg of a shipment, with the factor and its source as used at the time."""

    __tablename__ = "logistics_leg"
    __table_args__ = (UniqueConstraint("shipment_id", "seq", name="uq_logistics_leg_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("logistics_shipment.id", ondelete="CASCADE"), nullable=False
        )
    )
    seq: int
    mode: str = Field(max_length=24)
    distance_km: Decimal = Field(sa_column=_num(3))
    distance_basis: str = Field(max_length=16)  # typed / table / site
    tonnes: Decimal = Field(sa_column=_num())
    tkm: Decimal = Field(sa_column=_num(3))
    intensity_kg_per_tkm: Decimal = Field(sa_column=_num())
    factor_source: str = Field(max_length=300)
    carrier_reported_t: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(18, 6), nullable=True)
    )
    emissions_t: Decimal = Field(sa_column=_num())
    basis: str = Field(max_length=8)  # factor / carrier


class PackagingItem(SQLModel, table=True):
    """A packaging item of a delivery: its own, or the supplier's declaration applied to it."""

    __tablename__ = "logistics_packaging"

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("logistics_shipment.id", ondelete="CASCADE"),
            nullable=True,
            index=True,
        ),
    )
    supplier_id: int | None = Field(default=None, foreign_key="supplier.id", index=True)
    material_code: str = Field(default="", max_length=64)  # the material it came with
    packaging: str = Field(max_length=32)  # steel_strapping, wooden_pallet, aluminium_rack, ...
    mass_kg: Decimal = Field(sa_column=_num(3))
    reusable: bool = Field(default=False)
    trips: int | None = None
    recyclable: bool = Field(default=False)
    recyclable_basis: str = Field(default="", max_length=16)  # iso18604 / supplier / ""
    recycled_content: Decimal = Field(
        default=Decimal(0), sa_column=Column(Numeric(9, 6), nullable=False)
    )
    # delivery: the delivery's own item; declared: the supplier's declaration, tonnes × kg/t
    source: str = Field(
        default="delivery",
        sa_column=Column(String(16), nullable=False, server_default="delivery"),
    )
    kg_per_t: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(18, 6), nullable=True)
    )  # the declared mass per tonne, as it stood when the delivery was recorded


class PackagingDeclaration(SQLModel, table=True):
    """A supplier's standing packaging of a material: one item kind, its mass per tonne."""

    __tablename__ = "logistics_packaging_declaration"
    __table_args__ = (
        UniqueConstraint(
            "supplier_id", "material_code", "packaging", name="uq_logistics_packaging_declaration"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    material_code: str = Field(max_length=64)  # a material of rules/materials.toml
    packaging: str = Field(max_length=32)
    kg_per_t: Decimal = Field(sa_column=_num(6))  # kg of this item per tonne delivered
    reusable: bool = Field(default=False)
    trips: int | None = None
    recyclable: bool = Field(default=False)
    recyclable_basis: str = Field(default="", max_length=16)
    recycled_content: Decimal = Field(
        default=Decimal(0), sa_column=Column(Numeric(9, 6), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class LogisticsNote(SQLModel, table=True):
    """A finding said once per supplier (e.g. no rail option), not warned about forever."""

    __tablename__ = "logistics_note"
    __table_args__ = (UniqueConstraint("supplier_id", "code", name="uq_logistics_note"),)

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id")
    code: str = Field(max_length=64)
    noted_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )


class LogisticsYearSum(SQLModel, table=True):
    """Legs (or packaging) of one year, direction, supplier and mode: counts and sums in
    micro-units (1 t = 1,000,000), kept in the transaction that records them, so the tracking
    page never adds up a million legs."""

    __tablename__ = "logistics_year_sum"
    __table_args__ = (
        UniqueConstraint(
            "year", "direction", "supplier_id", "mode", "long_haul", name="uq_logistics_year_sum"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int
    direction: str = Field(max_length=10)  # inbound / outbound / packaging
    supplier_id: int  # 0 for outbound
    mode: str = Field(max_length=24)  # for packaging: recyclable / reusable / single_use
    long_haul: bool
    count: int = Field(sa_column=_micro())  # legs (shipments' first legs count trips)
    trips: int = Field(sa_column=_micro())
    tonnes_ut: int = Field(sa_column=_micro())  # shipment tonnes (first leg); packaging: kg×1e6
    tkm_ut: int = Field(sa_column=_micro())
    emissions_ut: int = Field(sa_column=_micro())
