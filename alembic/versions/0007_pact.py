"""PACT exchange: clients, published footprints, events outbox, supplier hosts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.db import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pact_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("callback_base_url", sa.String(500), nullable=True),
        sa.Column("callback_client_id", sa.String(200), nullable=True),
        sa.Column("callback_secret_encrypted", sa.String(1000), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("last_token_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    op.create_table(
        "pact_footprint",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("product_line", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ruleset_revision", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("deprecated_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["published_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_pact_footprint_line_year", "pact_footprint", ["product_line", "year"], unique=False
    )
    op.create_index(
        "uq_pact_footprint_active",
        "pact_footprint",
        ["product_line", "year"],
        unique=True,
        sqlite_where=sa.text("status = 'Active'"),
        postgresql_where=sa.text("status = 'Active'"),
    )
    op.create_table(
        "pact_served",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("footprint_id", sa.String(36), nullable=False),
        sa.Column("client_pk", sa.Integer(), nullable=False),
        sa.Column("first_at", UtcDateTime(), nullable=False),
        sa.Column("last_at", UtcDateTime(), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["footprint_id"], ["pact_footprint.id"]),
        sa.ForeignKeyConstraint(["client_pk"], ["pact_client.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("footprint_id", "client_pk", name="uq_pact_served"),
    )
    op.create_index("ix_pact_served_footprint_id", "pact_served", ["footprint_id"], unique=False)
    op.create_table(
        "pact_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("api_version", sa.Integer(), nullable=False),
        sa.Column("request_event", sa.JSON(), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_until", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(2000), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["client_pk"], ["pact_client.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pact_outbox_client_pk", "pact_outbox", ["client_pk"], unique=False)
    op.create_index(
        "ix_pact_outbox_due", "pact_outbox", ["status", "next_attempt_at"], unique=False
    )
    op.create_table(
        "pact_supplier_host",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("base_url", sa.String(500), nullable=False),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("secret_encrypted", sa.String(1000), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("last_pull_at", UtcDateTime(), nullable=True),
        sa.Column("last_pull_result", sa.String(2000), nullable=True),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supplier_id"),
    )
    op.create_table(
        "pact_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("footprint_id", sa.String(36), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"]),
        sa.ForeignKeyConstraint(["declaration_id"], ["declaration.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supplier_id", "footprint_id", name="uq_pact_import"),
    )
    op.create_index("ix_pact_import_supplier_id", "pact_import", ["supplier_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_pact_import_supplier_id", table_name="pact_import")
    op.drop_table("pact_import")
    op.drop_table("pact_supplier_host")
    op.drop_index("ix_pact_outbox_due", table_name="pact_outbox")
    op.drop_index("ix_pact_outbox_client_pk", table_name="pact_outbox")
    op.drop_table("pact_outbox")
    op.drop_index("ix_pact_served_footprint_id", table_name="pact_served")
    op.drop_table("pact_served")
    op.drop_index("uq_pact_footprint_active", table_name="pact_footprint")
    op.drop_index("ix_pact_footprint_line_year", table_name="pact_footprint")
    op.drop_table("pact_footprint")
    op.drop_table("pact_client")
