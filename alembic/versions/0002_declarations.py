"""Declarations and their evidence files.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.db import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pact_id', sa.String(36), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('material_code', sa.String(64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('product_name', sa.String(200), nullable=False),
    sa.Column('site_name', sa.String(200), nullable=False),
    sa.Column('geography_country', sa.String(2), nullable=False),
    sa.Column('declared_unit_of_measurement', sa.String(16), nullable=False),
    sa.Column('declared_unit_amount', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('pcf_excluding_biogenic', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('pcf_t_per_t', sa.Numeric(precision=18, scale=6), nullable=False),
    sa.Column('boundary', sa.String(32), nullable=False),
    sa.Column('standards', sa.JSON(), nullable=False),
    sa.Column('reference_period_start', sa.Date(), nullable=False),
    sa.Column('reference_period_end', sa.Date(), nullable=False),
    sa.Column('validity_period_end', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('primary_data_share_pct', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('recycled_pre_consumer_pct', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('recycled_post_consumer_pct', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('recycled_method', sa.String(16), nullable=True),
    sa.Column('recycled_fraction', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('electricity_source', sa.String(32), nullable=True),
    sa.Column('low_carbon_electricity_claimed', sa.Boolean(), nullable=False),
    sa.Column('electricity_instrument', sa.String(200), nullable=True),
    sa.Column('verifier_name', sa.String(200), nullable=True),
    sa.Column('verification_statement_number', sa.String(100), nullable=True),
    sa.Column('verification_date', sa.Date(), nullable=True),
    sa.Column('comment', sa.String(2000), nullable=False),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('verdict', sa.String(8), nullable=False),
    sa.Column('verdict_detail', sa.JSON(), nullable=False),
    sa.Column('ruleset_revision', sa.String(64), nullable=False),
    sa.Column('pdf_mismatches', sa.JSON(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('submitted_at', UtcDateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', UtcDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_comment', sa.String(2000), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['supersedes_id'], ['declaration.id'], ),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pact_id'),
    sa.UniqueConstraint('supersedes_id', name='uq_declaration_supersedes')
    )
    op.create_index('ix_declaration_lookup', 'declaration', ['supplier_id', 'material_code', 'status', 'valid_until'], unique=False)
    op.create_index('ix_declaration_material_code', 'declaration', ['material_code'], unique=False)
    op.create_index('ix_declaration_status', 'declaration', ['status'], unique=False)
    op.create_index('ix_declaration_supplier_id', 'declaration', ['supplier_id'], unique=False)
    op.create_index('ix_declaration_valid_until', 'declaration', ['valid_until'], unique=False)

    op.create_table('evidence_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(32), nullable=False),
    sa.Column('original_name', sa.String(255), nullable=False),
    sa.Column('sha256', sa.String(64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('has_text_layer', sa.Boolean(), nullable=False),
    sa.Column('reading', sa.JSON(), nullable=False),
    sa.Column('uploaded_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declaration.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('declaration_id', 'kind', name='uq_evidence_kind')
    )
    op.create_index('ix_evidence_file_declaration_id', 'evidence_file', ['declaration_id'], unique=False)
    op.create_index('ix_evidence_file_sha256', 'evidence_file', ['sha256'], unique=False)

def downgrade() -> None:
    op.drop_table("evidence_file")
    op.drop_table("declaration")
