"""Initial revision

Revision ID: 5db25abc63be
Revises: None
Create Date: 2021-09-15 16:15:37.188484

"""

# revision identifiers, used by Alembic.
revision = "5db25abc63be"
down_revision = None


def upgrade():
    pass


def downgrade():
    pass
