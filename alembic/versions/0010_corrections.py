"""Reviewers' corrections of declared values, and overrides of plausibility findings.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from portal.db import UtcDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A reviewer's correction of the declared footprint: the supplier's figures stay on record.
    op.create_table(
        "declaration_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("original_pcf", sa.Numeric(18, 6), nullable=False),
        sa.Column("original_amount", sa.Numeric(18, 6), nullable=False),
        sa.Column("original_unit", sa.String(16), nullable=False),
        sa.Column("original_t_per_t", sa.Numeric(18, 6), nullable=False),
        sa.Column("corrected_pcf", sa.Numeric(18, 6), nullable=False),
        sa.Column("corrected_amount", sa.Numeric(18, 6), nullable=False),
        sa.Column("corrected_unit", sa.String(16), nullable=False),
        sa.Column("corrected_t_per_t", sa.Numeric(18, 6), nullable=False),
        sa.Column("verdict_before", sa.String(8), nullable=False),
        sa.Column("verdict_after", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("corrected_by_id", sa.Integer(), nullable=True),
        sa.Column("corrected_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["declaration_id"], ["declaration.id"]),
        sa.ForeignKeyConstraint(["corrected_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_declaration_correction_declaration_id", "declaration_correction", ["declaration_id"]
    )
    # Set when a reviewer accepted a declaration against a plausibility finding: why.
    op.add_column("declaration", sa.Column("plausibility_override", sa.String(2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("declaration") as batch:
        batch.drop_column("plausibility_override")
    op.drop_index("ix_declaration_correction_declaration_id", "declaration_correction")
    op.drop_table("declaration_correction")
