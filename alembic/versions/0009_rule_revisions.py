"""Rule-set revisions kept by content, and who or what decided a declaration.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from portal.db import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A file's bytes are kept once, under their sha256, however many revisions share them.
    op.create_table(
        "rule_file_content",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "rule_revision",
        sa.Column("revision", sa.String(64), nullable=False),
        sa.Column("first_used_at", UtcDateTime(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("revision"),
    )
    op.create_table(
        "rule_revision_file",
        sa.Column("revision", sa.String(64), nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["revision"], ["rule_revision.revision"]),
        sa.ForeignKeyConstraint(["sha256"], ["rule_file_content.sha256"]),
        sa.PrimaryKeyConstraint("revision", "path"),
    )
    # Set when the rules accepted a declaration without a person: the rule set's revision.
    op.add_column("declaration", sa.Column("decided_by_ruleset", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("declaration") as batch:
        batch.drop_column("decided_by_ruleset")
    op.drop_table("rule_revision_file")
    op.drop_table("rule_revision")
    op.drop_table("rule_file_content")
