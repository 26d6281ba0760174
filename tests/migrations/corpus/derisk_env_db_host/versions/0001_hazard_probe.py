"""Our own revision (not the project's): creates one table, so a run shows which database it reached.

Revision ID: 0001_hazard_probe
Revises:
Create Date: 2024-05-11 22:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0001_hazard_probe"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("hazard_probe", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("hazard_probe")
