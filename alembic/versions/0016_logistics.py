"""Logistics: shipments with legs (Scope 3 categories 4 and 9), packaging items, suppliers'
dispatch sites, warehouse-record imports, once-only notes and the yearly sums.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from portal.db import UtcDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "logistics_year_sum",
    "logistics_note",
    "logistics_packaging",
    "logistics_leg",
    "logistics_shipment",
    "logistics_import",
    "logistics_dispatch_site",
)


def _num(scale: int = 6) -> sa.Numeric:
    return sa.Numeric(precision=18, scale=scale)


def upgrade() -> None:
    op.create_table(
        "logistics_dispatch_site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("usual_mode", sa.String(24), nullable=False),
        sa.Column("rail_available", sa.Boolean(), nullable=False),
        sa.Column("distance_km", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supplier_id", "place", name="uq_logistics_site"),
    )
    op.create_index(
        "ix_logistics_dispatch_site_supplier_id", "logistics_dispatch_site", ["supplier_id"]
    )
    op.create_table(
        "logistics_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=True),
        sa.Column("confirmed_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_logistics_import_sha256", "logistics_import", ["sha256"])
    op.create_table(
        "logistics_shipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("purchase_id", sa.Integer(), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("customer", sa.String(200), nullable=False),
        sa.Column("product_line", sa.String(16), nullable=False),
        sa.Column("shipped_on", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("tonnes", _num(), nullable=False),
        sa.Column("emissions_t", _num(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("ruleset_revision", sa.String(64), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["purchase_id"], ["purchase.id"]),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"]),
        sa.ForeignKeyConstraint(["import_id"], ["logistics_import.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("direction", "reference", name="uq_logistics_shipment_ref"),
    )
    op.create_index("ix_logistics_shipment_year", "logistics_shipment", ["direction", "year"])
    op.create_index("ix_logistics_shipment_purchase_id", "logistics_shipment", ["purchase_id"])
    op.create_index("ix_logistics_shipment_supplier_id", "logistics_shipment", ["supplier_id"])
    op.create_table(
        "logistics_leg",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(24), nullable=False),
        sa.Column("distance_km", _num(3), nullable=False),
        sa.Column("distance_basis", sa.String(16), nullable=False),
        sa.Column("tonnes", _num(), nullable=False),
        sa.Column("tkm", _num(3), nullable=False),
        sa.Column("intensity_kg_per_tkm", _num(), nullable=False),
        sa.Column("factor_source", sa.String(300), nullable=False),
        sa.Column("carrier_reported_t", _num(), nullable=True),
        sa.Column("emissions_t", _num(), nullable=False),
        sa.Column("basis", sa.String(8), nullable=False),
        sa.ForeignKeyConstraint(["shipment_id"], ["logistics_shipment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shipment_id", "seq", name="uq_logistics_leg_seq"),
    )
    op.create_table(
        "logistics_packaging",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("material_code", sa.String(64), nullable=False),
        sa.Column("packaging", sa.String(32), nullable=False),
        sa.Column("mass_kg", _num(3), nullable=False),
        sa.Column("reusable", sa.Boolean(), nullable=False),
        sa.Column("trips", sa.Integer(), nullable=True),
        sa.Column("recyclable", sa.Boolean(), nullable=False),
        sa.Column("recyclable_basis", sa.String(16), nullable=False),
        sa.Column("recycled_content", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.ForeignKeyConstraint(["shipment_id"], ["logistics_shipment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_logistics_packaging_shipment_id", "logistics_packaging", ["shipment_id"])
    op.create_index("ix_logistics_packaging_supplier_id", "logistics_packaging", ["supplier_id"])
    op.create_table(
        "logistics_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("noted_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supplier_id", "code", name="uq_logistics_note"),
    )
    op.create_table(
        "logistics_year_sum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(24), nullable=False),
        sa.Column("long_haul", sa.Boolean(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("trips", sa.BigInteger(), nullable=False),
        sa.Column("tonnes_ut", sa.BigInteger(), nullable=False),
        sa.Column("tkm_ut", sa.BigInteger(), nullable=False),
        sa.Column("emissions_ut", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "year", "direction", "supplier_id", "mode", "long_haul", name="uq_logistics_year_sum"
        ),
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
