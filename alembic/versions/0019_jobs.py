"""Background jobs: claimed with FOR UPDATE SKIP LOCKED, leased, with progress and a cancel flag.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from portal.db import UtcDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("leased_until", UtcDateTime(), nullable=True),
        sa.Column("leased_by", sa.String(80), nullable=True),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_subject", "job", ["subject"])
    op.create_index("ix_job_state_leased_until", "job", ["state", "leased_until"])


def downgrade() -> None:
    op.drop_index("ix_job_state_leased_until", table_name="job")
    op.drop_index("ix_job_subject", table_name="job")
    op.drop_table("job")
