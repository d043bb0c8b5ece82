"""Production and Scope 1+2 per product line and year.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.db import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('line_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_line', sa.String(16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('production_t', sa.Numeric(precision=18, scale=3), nullable=True),
    sa.Column('scope12_t', sa.Numeric(precision=18, scale=3), nullable=True),
    sa.Column('source', sa.String(200), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('product_line', 'year', name='uq_line_year')
    )
    # Covering index for the tracking aggregate (see portal/tracking/models.py).
    op.create_index('ix_purchase_tracking_sums', 'purchase', ['purchase_year', 'product_line', 'material_category', 'factor_source', 'material_code', 'quantity_t', 'emissions_t', 'recycled_t'], unique=False)

def downgrade() -> None:
    op.drop_index("ix_purchase_tracking_sums", table_name="purchase")
    op.drop_table("line_year")
