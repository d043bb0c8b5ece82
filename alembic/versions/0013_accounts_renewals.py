"""Suppliers can be deactivated; password-reset links.

A deactivated supplier keeps its declarations and purchases (they are history) but its users
cannot sign in. A password reset is a single-use link whose token is stored only as a hash.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from portal.db import UtcDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy: on SQLite the copy drops the table that users,
    # declarations and purchases point at, which their foreign keys refuse.
    op.add_column(
        "supplier", sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column("supplier", sa.Column("deactivated_at", UtcDateTime(), nullable=True))
    op.create_table(
        "password_reset",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.Column("requested_ip", sa.String(64), nullable=True),
    )
    op.create_index("ix_password_reset_token_hash", "password_reset", ["token_hash"], unique=True)
    op.create_index("ix_password_reset_user_id", "password_reset", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_password_reset_user_id", table_name="password_reset")
    op.drop_index("ix_password_reset_token_hash", table_name="password_reset")
    op.drop_table("password_reset")
    with op.batch_alter_table("supplier") as batch:
        batch.drop_column("deactivated_at")
        batch.drop_column("is_active")
