"""add orders.status, backfilled from shipped_at

Adds a NOT NULL ``status`` column with the server default ``'pending'`` (so existing rows and old
application versions that do not write it keep working), then backfills ``'shipped'`` for every
order that already has a ``shipped_at`` timestamp. Reversible: ``shipped_at`` still holds the facts.

Revision ID: b2d4f6a80002
Revises: a1c3e5f70001
Create Date: 2026-11-09 09:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b2d4f6a80002"
down_revision: str | Sequence[str] | None = "a1c3e5f70001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain add_column (not batch_alter_table) so offline --sql output works on SQLite too.
    op.add_column("orders", sa.Column("status", sa.String(length=16), server_default="pending", nullable=False))
    op.execute("UPDATE orders SET status = 'shipped' WHERE shipped_at IS NOT NULL")


def downgrade() -> None:
    op.drop_column("orders", "status")
