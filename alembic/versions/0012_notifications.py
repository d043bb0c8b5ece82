"""Notifications (in-app list and email outbox), data requests, each user's notification language.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from portal.db import UtcDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("user_account", sa.Column("notification_language", sa.String(8), nullable=True))
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("read_at", UtcDateTime(), nullable=True),
        sa.Column("email_state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=True),
        sa.Column("claimed_until", UtcDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(2000), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_key", "user_id", name="uq_notification_event_user"),
    )
    op.create_index("ix_notification_due", "notification", ["email_state", "next_attempt_at"])
    op.create_index("ix_notification_inbox", "notification", ["user_id", "read_at"])
    op.create_table(
        "data_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("message", sa.String(2000), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("material_codes", sa.JSON(), nullable=False),
        sa.Column("bought_in_year", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "data_request_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("material_code", sa.String(64), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("last_reminded_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["data_request.id"]),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"]),
        sa.ForeignKeyConstraint(["declaration_id"], ["declaration.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "request_id", "supplier_id", "material_code", name="uq_data_request_item"
        ),
    )
    op.create_index("ix_data_request_item_request_id", "data_request_item", ["request_id"])
    op.create_index("ix_data_request_item_supplier_id", "data_request_item", ["supplier_id"])


def downgrade() -> None:
    op.drop_index("ix_data_request_item_supplier_id", "data_request_item")
    op.drop_index("ix_data_request_item_request_id", "data_request_item")
    op.drop_table("data_request_item")
    op.drop_table("data_request")
    op.drop_index("ix_notification_inbox", "notification")
    op.drop_index("ix_notification_due", "notification")
    op.drop_table("notification")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("notification_language")
