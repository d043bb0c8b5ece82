"""Evidence files' bytes in the database, named by their SHA-256, so that every server of one
PostgreSQL reads them (SQLite keeps them on disk: the table is made there too, and stays empty).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from portal.db import UtcDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_blob",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Out of line and uncompressed (PDFs are compressed already): substr() of a download's
        # chunk then reads only that chunk's TOAST pages, not the whole file decompressed.
        op.execute("ALTER TABLE evidence_blob ALTER COLUMN content SET STORAGE EXTERNAL")


def downgrade() -> None:
    # Files still in the table would be lost with it.
    held = op.get_bind().execute(sa.text("SELECT count(*) FROM evidence_blob")).scalar_one()
    if held:
        raise RuntimeError(
            f"evidence_blob holds {held} files: run `portal files migrate --to disk` "
            "(with PORTAL_FILE_STORE=disk) before downgrading"
        )
    op.drop_table("evidence_blob")
