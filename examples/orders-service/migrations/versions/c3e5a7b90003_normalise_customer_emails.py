"""normalise customer emails and merge duplicate customers (IRREVERSIBLE)

IRREVERSIBLE DATA MIGRATION: downgrade() raises. Emails are lower-cased and trimmed; customers
whose emails then collide are merged into the one with the lowest id (their orders are moved to
it and the duplicates deleted); finally emails become unique. The original spelling of each email
and which customer rows were merged are not kept, so there is nothing to restore. To roll back past
this revision, restore the database from the backup taken before the upgrade.

Revision ID: c3e5a7b90003
Revises: b2d4f6a80002
Create Date: 2026-11-16 09:00:00

"""
from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c3e5a7b90003"
down_revision: str | Sequence[str] | None = "b2d4f6a80002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Read by release tooling: this revision cannot be downgraded.
irreversible = True


def upgrade() -> None:
    op.execute("UPDATE customers SET email = lower(trim(email))")
    # Keep a name if only a duplicate had one.
    op.execute(
        "UPDATE customers SET name = (SELECT max(d.name) FROM customers d WHERE d.email = customers.email) "
        "WHERE name = ''"
    )
    op.execute(
        "UPDATE orders SET customer_id = ("
        " SELECT min(keep.id) FROM customers keep JOIN customers dup ON keep.email = dup.email"
        " WHERE dup.id = orders.customer_id)"
        " WHERE customer_id NOT IN (SELECT min(id) FROM customers GROUP BY email)"
    )
    # The customer row kept for each email is the one with the lowest id.
    op.execute("DELETE FROM customers WHERE id NOT IN (SELECT min(id) FROM customers GROUP BY email)")
    op.drop_index("ix_customers_email", table_name="customers")
    op.create_index("uq_customers_email", "customers", ["email"], unique=True)


def downgrade() -> None:
    raise NotImplementedError(
        "c3e5a7b90003 is irreversible: original email spellings and merged customers are gone; "
        "restore the pre-upgrade database backup instead"
    )
