"""Purchases recorded once: one purchase per check, idempotency keys, sign-in attempts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

Before the unique index on purchase.check_id can exist, purchases that share a check (stored
twice by parallel requests) are told apart: the oldest keeps the check, every later one gets
its own copy of that check (the same answer, the same figures) and is re-pointed to it. No
purchase is deleted or changed otherwise; the upgrade reports each one and records it in the
audit trail, so the plant can review them (they are real rows of its ledger).
"""

import logging
import sys
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from alembic import op
from portal.audit import GENESIS_HASH, entry_digest
from portal.db import UtcDateTime, utcnow

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

_CHECK_COLUMNS = (
    "at", "user_id", "via_api", "supplier_id", "material_code", "quantity_t", "check_date",
    "product_line", "verdict", "reasons", "declaration_id", "factor_source", "pcf_t_per_t",
    "recycled_fraction", "emissions_t", "recycled_t", "low_carbon_label", "ruleset_revision",
)  # fmt: skip


def _tables() -> tuple[sa.Table, sa.Table, sa.Table, sa.Table]:
    meta = sa.MetaData()
    checks = sa.Table(
        "buyer_check",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UtcDateTime()),
        sa.Column("user_id", sa.Integer),
        sa.Column("via_api", sa.Boolean),
        sa.Column("supplier_id", sa.Integer),
        sa.Column("material_code", sa.String(64)),
        sa.Column("quantity_t", sa.Numeric(18, 6)),
        sa.Column("check_date", sa.Date),
        sa.Column("product_line", sa.String(16)),
        sa.Column("verdict", sa.String(8)),
        sa.Column("reasons", sa.JSON),
        sa.Column("declaration_id", sa.Integer),
        sa.Column("factor_source", sa.String(16)),
        sa.Column("pcf_t_per_t", sa.Numeric(18, 6)),
        sa.Column("recycled_fraction", sa.Numeric(9, 6)),
        sa.Column("emissions_t", sa.Numeric(18, 6)),
        sa.Column("recycled_t", sa.Numeric(18, 6)),
        sa.Column("low_carbon_label", sa.String(200)),
        sa.Column("ruleset_revision", sa.String(64)),
    )
    purchases = sa.Table(
        "purchase",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("check_id", sa.Integer),
        sa.Column("po_number", sa.String(64)),
        sa.Column("po_line", sa.Integer),
        sa.Column("recorded_at", UtcDateTime()),
    )
    events = sa.Table(
        "audit_event",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UtcDateTime()),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor", sa.String(254)),
        sa.Column("action", sa.String(64)),
        sa.Column("entity_type", sa.String(64)),
        sa.Column("entity_id", sa.String(64)),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
        sa.Column("ip", sa.String(64)),
        sa.Column("prev_hash", sa.String(64)),
        sa.Column("entry_hash", sa.String(64)),
    )
    head = sa.Table(
        "audit_head",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_hash", sa.String(64)),
    )
    return checks, purchases, events, head


def _audit(bind: Any, events: sa.Table, head: sa.Table, **fields: Any) -> None:
    """Append one entry to the hash chain, as portal.audit.record does."""
    last = bind.execute(sa.select(head.c.last_hash).where(head.c.id == 1)).scalar()
    event = SimpleNamespace(at=utcnow(), actor_id=None, actor="migration 0005", ip=None, **fields)
    prev = last or GENESIS_HASH
    values = {**vars(event), "prev_hash": prev, "entry_hash": entry_digest(prev, event)}
    bind.execute(sa.insert(events).values(**values))
    if last is None:
        bind.execute(sa.insert(head).values(id=1, last_hash=values["entry_hash"]))
    else:
        bind.execute(sa.update(head).where(head.c.id == 1).values(last_hash=values["entry_hash"]))


def _separate_shared_checks(bind: Any) -> list[str]:
    """Give every purchase but the oldest of each shared check its own copy of the check."""
    checks, purchases, events, head = _tables()
    shared = (
        sa.select(purchases.c.check_id)
        .group_by(purchases.c.check_id)
        .having(sa.func.count() > 1)
        .order_by(purchases.c.check_id)
    )
    report: list[str] = []
    for check_id in bind.execute(shared).scalars().all():
        rows = bind.execute(
            sa.select(purchases.c.id, purchases.c.po_number, purchases.c.po_line)
            .where(purchases.c.check_id == check_id)
            .order_by(purchases.c.recorded_at, purchases.c.id)
        ).all()
        original = bind.execute(
            sa.select(*(checks.c[name] for name in _CHECK_COLUMNS)).where(checks.c.id == check_id)
        ).one()
        kept = rows[0]
        for later in rows[1:]:
            copy_id = bind.execute(
                sa.insert(checks).values(**original._asdict()).returning(checks.c.id)
            ).scalar_one()
            bind.execute(
                sa.update(purchases).where(purchases.c.id == later.id).values(check_id=copy_id)
            )
            _audit(
                bind,
                events,
                head,
                action="purchase.check_separated",
                entity_type="purchase",
                entity_id=str(later.id),
                before={"check_id": check_id},
                after={
                    "check_id": copy_id,
                    "copy_of_check_id": check_id,
                    "po_number": later.po_number,
                    "po_line": later.po_line,
                    "check_kept_by_purchase_id": kept.id,
                },
            )
            report.append(
                f"purchase {later.id} (PO {later.po_number}/{later.po_line}) shared check "
                f"{check_id} with purchase {kept.id} (PO {kept.po_number}/{kept.po_line}); "
                f"it now refers to check {copy_id}, a copy of check {check_id}"
            )
    return report


def upgrade() -> None:
    report = _separate_shared_checks(op.get_bind())
    if report:
        lines = [
            f"migration 0005: {len(report)} purchase(s) shared a check with an older purchase "
            "(recorded twice by parallel requests?); none was deleted, review them:",
            *(f"  - {line}" for line in report),
        ]
        for line in lines:
            log.warning(line)
        sys.stderr.write("\n".join(lines) + "\n")
    op.create_index("uq_purchase_check", "purchase", ["check_id"], unique=True)

    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope", "key", name="uq_idempotency_key_scope"),
    )
    op.create_index("ix_idempotency_key_expires_at", "idempotency_key", ["expires_at"])

    op.create_table(
        "sign_in_throttle",
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UtcDateTime(), nullable=True),
        sa.Column("blocked_until", UtcDateTime(), nullable=True),
        sa.Column("warned_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key_hash"),
    )
    op.create_index("ix_sign_in_throttle_last_failure_at", "sign_in_throttle", ["last_failure_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_throttle_last_failure_at", table_name="sign_in_throttle")
    op.drop_table("sign_in_throttle")
    op.drop_index("ix_idempotency_key_expires_at", table_name="idempotency_key")
    op.drop_table("idempotency_key")
    op.drop_index("uq_purchase_check", table_name="purchase")
    # The checks copied by the upgrade stay: purchases refer to them.
