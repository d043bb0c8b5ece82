"""The status a declaration had when a newer version replaced it.

A purchase dated inside an older version's validity uses that version if it was accepted;
"superseded" alone does not say whether it ever was. Existing rows are filled from the audit
trail's `declaration.superseded` entries, which record the status before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("declaration", sa.Column("superseded_status", sa.String(16), nullable=True))
    bind = op.get_bind()
    events = sa.table(
        "audit_event",
        sa.column("id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("entity_type", sa.String),
        sa.column("entity_id", sa.String),
        sa.column("before", sa.JSON),
    )
    declaration = sa.table(
        "declaration",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("superseded_status", sa.String),
    )
    found: dict[int, str] = {}
    rows = bind.execute(
        sa.select(events.c.entity_id, events.c.before)
        .where(
            events.c.action == "declaration.superseded",
            events.c.entity_type == "declaration",
        )
        .order_by(events.c.id)
    )
    for entity_id, before in rows:
        if isinstance(before, str):
            before = json.loads(before)
        status = (before or {}).get("status")
        if isinstance(status, str) and status != "superseded" and str(entity_id).isdigit():
            found.setdefault(int(entity_id), status[:16])  # the first supersession counts
    for declaration_id, status in found.items():
        bind.execute(
            sa.update(declaration)
            .where(declaration.c.id == declaration_id, declaration.c.status == "superseded")
            .values(superseded_status=status)
        )


def downgrade() -> None:
    with op.batch_alter_table("declaration") as batch:
        batch.drop_column("superseded_status")
