"""Purchase summaries kept with each purchase, so the figures never add up the whole ledger.

`purchase_year_sum` holds, per year, product line, category, factor source and material, the
number of purchases and their tonnes, emissions and recycled tonnes; `purchase_supplier_sum`
the same per supplier, declaration (0: the material default) and rule-set revision, with the
first and last purchase date. Sums are integers of micro-tonnes (the ledger keeps six
decimals), so adding and subtracting purchases never drifts from the raw rows. Existing
purchases are summed here; `portal tracking verify` compares. Also: imports' purchases are
found by their import (an index on purchase.import_id), for the summaries of a confirmed file.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

YEAR_KEY = ["purchase_year", "product_line", "material_category", "factor_source", "material_code"]
SUPPLIER_KEY = [*YEAR_KEY, "supplier_id", "declaration_id", "ruleset_revision"]


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column("purchase_year", sa.Integer(), nullable=False),
        sa.Column("product_line", sa.String(16), nullable=False),
        sa.Column("material_category", sa.String(16), nullable=False),
        sa.Column("factor_source", sa.String(16), nullable=False),
        sa.Column("material_code", sa.String(64), nullable=False),
    ]


def _sum_columns() -> list[sa.Column]:
    return [
        sa.Column("purchases", sa.BigInteger(), nullable=False),
        sa.Column("quantity_ut", sa.BigInteger(), nullable=False),
        sa.Column("emissions_ut", sa.BigInteger(), nullable=False),
        sa.Column("recycled_ut", sa.BigInteger(), nullable=False),
    ]


def _micro(column: str) -> str:
    return f"SUM(CAST(ROUND({column} * 1000000) AS BIGINT))"


SUMS = f"COUNT(*), {_micro('quantity_t')}, {_micro('emissions_t')}, {_micro('recycled_t')}"


def upgrade() -> None:
    op.create_table(
        "purchase_year_sum",
        sa.Column("id", sa.Integer(), nullable=False),
        *_key_columns(),
        *_sum_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(*YEAR_KEY, name="uq_purchase_year_sum_key"),
    )
    op.create_table(
        "purchase_supplier_sum",
        sa.Column("id", sa.Integer(), nullable=False),
        *_key_columns(),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),  # 0: the material default
        sa.Column("ruleset_revision", sa.String(64), nullable=False),
        *_sum_columns(),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(*SUPPLIER_KEY, name="uq_purchase_supplier_sum_key"),
    )
    op.create_index(
        "ix_purchase_supplier_sum_declaration",
        "purchase_supplier_sum",
        ["purchase_year", "declaration_id"],
    )
    op.create_index(
        "ix_purchase_supplier_sum_supplier",
        "purchase_supplier_sum",
        ["supplier_id", "purchase_year"],
    )
    op.create_index("ix_purchase_import_id", "purchase", ["import_id"])
    year_key = ", ".join(YEAR_KEY)
    op.execute(
        f"INSERT INTO purchase_year_sum ({year_key}, purchases, quantity_ut, emissions_ut, "  # noqa: S608
        f"recycled_ut) SELECT {year_key}, {SUMS} FROM purchase GROUP BY {year_key}"
    )
    supplier_key = ", ".join(SUPPLIER_KEY)
    raw_key = supplier_key.replace("declaration_id", "COALESCE(declaration_id, 0)")
    op.execute(
        f"INSERT INTO purchase_supplier_sum ({supplier_key}, purchases, quantity_ut, "  # noqa: S608
        f"emissions_ut, recycled_ut, first_date, last_date) "
        f"SELECT {raw_key}, {SUMS}, MIN(purchase_date), MAX(purchase_date) FROM purchase "
        f"GROUP BY {raw_key}"
    )


def downgrade() -> None:
    op.drop_index("ix_purchase_import_id", "purchase")
    op.drop_index("ix_purchase_supplier_sum_supplier", "purchase_supplier_sum")
    op.drop_index("ix_purchase_supplier_sum_declaration", "purchase_supplier_sum")
    op.drop_table("purchase_supplier_sum")
    op.drop_table("purchase_year_sum")
