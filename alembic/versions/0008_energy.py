"""Energy: meters, readings, roll-ups, green electricity, alerts, reviews.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.db import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "energy_review_note",
    "energy_alert",
    "energy_rollup",
    "energy_reading",
    "energy_certificate",
    "energy_production",
    "energy_meter",
    "energy_issue",
    "energy_green",
)


def upgrade() -> None:
    op.create_table(
        "energy_green",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("mwh", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("month_from", sa.String(7), nullable=False),
        sa.Column("month_to", sa.String(7), nullable=False),
        sa.Column("generation_type", sa.String(32), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "energy_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("meter_code", sa.String(64), nullable=False),
        sa.Column("at_s", sa.BigInteger(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("message", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_energy_issue_received_at"), "energy_issue", ["received_at"], unique=False
    )
    op.create_table(
        "energy_meter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("site", sa.String(100), nullable=False),
        sa.Column("workshop", sa.String(100), nullable=False),
        sa.Column("line", sa.String(100), nullable=False),
        sa.Column("equipment", sa.String(100), nullable=False),
        sa.Column("medium", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("multiplier", sa.Float(), nullable=False),
        sa.Column("rollover_at", sa.Float(), nullable=True),
        sa.Column("max_rate_per_h", sa.Float(), nullable=True),
        sa.Column("product_line", sa.String(16), nullable=True),
        sa.Column("split_key", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("in_service_from", sa.Date(), nullable=False),
        sa.Column("in_service_to", sa.Date(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "energy_production",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_line", sa.String(16), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("tonnes", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_line", "month", name="uq_energy_production"),
    )
    op.create_table(
        "energy_certificate",
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["energy_green.id"],
        ),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index(
        op.f("ix_energy_certificate_instrument_id"),
        "energy_certificate",
        ["instrument_id"],
        unique=False,
    )
    op.create_table(
        "energy_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("at_s", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("received_at_s", sa.BigInteger(), nullable=False),
        sa.Column("span_start_s", sa.BigInteger(), nullable=False),
        sa.Column("measured_start_s", sa.BigInteger(), nullable=False),
        sa.Column("energy", sa.Float(), nullable=False),
        sa.Column("estimated", sa.Float(), nullable=False),
        sa.Column("flags", sa.String(120), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["energy_meter.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meter_id", "at_s", name="uq_energy_reading"),
    )
    op.create_table(
        "energy_rollup",
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(1), nullable=False),
        sa.Column("period", sa.String(13), nullable=False),
        sa.Column("measured", sa.Float(), nullable=False),
        sa.Column("estimated", sa.Float(), nullable=False),
        sa.Column("entered", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["energy_meter.id"],
        ),
        sa.PrimaryKeyConstraint("meter_id", "grain", "period", name="pk_energy_rollup"),
    )
    op.create_index("ix_energy_rollup_period", "energy_rollup", ["grain", "period"], unique=False)
    op.create_table(
        "energy_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("period", sa.String(32), nullable=False),
        sa.Column("message", sa.String(400), nullable=False),
        sa.Column("raised_at", UtcDateTime(), nullable=False),
        sa.Column("acknowledged_at", UtcDateTime(), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.String(1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule_code", "subject", "period", name="uq_energy_alert"),
    )
    op.create_table(
        "energy_review_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(7), nullable=False),
        sa.Column("equipment", sa.String(300), nullable=False),
        sa.Column("note", sa.String(2000), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("quarter", "equipment", name="uq_energy_review_note"),
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
