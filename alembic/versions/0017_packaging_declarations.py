"""Suppliers' standing packaging declarations per material (kg per tonne delivered, per item
kind); a delivery's packaging items say whether they are its own or the declaration's.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from portal.db import UtcDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "logistics_packaging_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("material_code", sa.String(64), nullable=False),
        sa.Column("packaging", sa.String(32), nullable=False),
        sa.Column("kg_per_t", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("reusable", sa.Boolean(), nullable=False),
        sa.Column("trips", sa.Integer(), nullable=True),
        sa.Column("recyclable", sa.Boolean(), nullable=False),
        sa.Column("recyclable_basis", sa.String(16), nullable=False),
        sa.Column("recycled_content", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "supplier_id", "material_code", "packaging", name="uq_logistics_packaging_declaration"
        ),
    )
    op.create_index(
        "ix_logistics_packaging_declaration_supplier_id",
        "logistics_packaging_declaration",
        ["supplier_id"],
    )
    # Plain ADD COLUMN (no table copy); the items recorded so far are the deliveries' own.
    op.add_column(
        "logistics_packaging",
        sa.Column("source", sa.String(16), nullable=False, server_default="delivery"),
    )
    op.add_column(
        "logistics_packaging",
        sa.Column("kg_per_t", sa.Numeric(precision=18, scale=6), nullable=True),
    )


def downgrade() -> None:
    # No other table points at logistics_packaging, so SQLite's batch copy of it is safe.
    with op.batch_alter_table("logistics_packaging") as batch:
        batch.drop_column("kg_per_t")
        batch.drop_column("source")
    op.drop_index(
        "ix_logistics_packaging_declaration_supplier_id",
        table_name="logistics_packaging_declaration",
    )
    op.drop_table("logistics_packaging_declaration")
