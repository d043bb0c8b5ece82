"""Buyer checks, purchase imports and the purchase ledger.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.db import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('buyer_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('via_api', sa.Boolean(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('material_code', sa.String(64), nullable=False),
    sa.Column('quantity_t', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('check_date', sa.Date(), nullable=False),
    sa.Column('product_line', sa.String(16), nullable=False),
    sa.Column('verdict', sa.String(8), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=True),
    sa.Column('factor_source', sa.String(16), nullable=False),
    sa.Column('pcf_t_per_t', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('recycled_fraction', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('emissions_t', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('recycled_t', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('low_carbon_label', sa.String(200), nullable=True),
    sa.Column('ruleset_revision', sa.String(64), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declaration.id'], ),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_buyer_check_at', 'buyer_check', ['at'], unique=False)
    op.create_index('ix_buyer_check_supplier_id', 'buyer_check', ['supplier_id'], unique=False)
    op.create_index('ix_buyer_check_user_id', 'buyer_check', ['user_id'], unique=False)

    op.create_table('purchase_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(255), nullable=False),
    sa.Column('sha256', sa.String(64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', UtcDateTime(), nullable=False),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('checked_count', sa.Integer(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.Column('confirmed_at', UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_purchase_import_sha256', 'purchase_import', ['sha256'], unique=False)

    op.create_table('purchase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('material_code', sa.String(64), nullable=False),
    sa.Column('material_category', sa.String(16), nullable=False),
    sa.Column('quantity_t', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=False),
    sa.Column('purchase_year', sa.Integer(), nullable=False),
    sa.Column('product_line', sa.String(16), nullable=False),
    sa.Column('po_number', sa.String(64), nullable=False),
    sa.Column('po_line', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=True),
    sa.Column('factor_source', sa.String(16), nullable=False),
    sa.Column('pcf_t_per_t', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('recycled_fraction', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('emissions_t', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('recycled_t', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('ruleset_revision', sa.String(64), nullable=False),
    sa.Column('exception_reason', sa.String(2000), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['buyer_check.id'], ),
    sa.ForeignKeyConstraint(['declaration_id'], ['declaration.id'], ),
    sa.ForeignKeyConstraint(['import_id'], ['purchase_import.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('po_number', 'po_line', name='uq_purchase_po_line')
    )
    op.create_index('ix_purchase_declaration_id', 'purchase', ['declaration_id'], unique=False)
    op.create_index('ix_purchase_material_code', 'purchase', ['material_code'], unique=False)
    op.create_index('ix_purchase_purchase_date', 'purchase', ['purchase_date'], unique=False)
    op.create_index('ix_purchase_supplier_id', 'purchase', ['supplier_id'], unique=False)
    op.create_index('ix_purchase_year_line', 'purchase', ['purchase_year', 'product_line'], unique=False)

def downgrade() -> None:
    op.drop_table("purchase")
    op.drop_table("purchase_import")
    op.drop_table("buyer_check")
