# SPDX-FileCopyrightText: Contributors to the Fedora Project
#
# SPDX-License-Identifier: MIT

"""Initial empty migration

Revision ID: 7b47f8356d9f
Revises:
Create Date: 2022-11-21 16:17:08.086791
"""

import sqlalchemy as sa  # noqa
from alembic import op  # noqa

# revision identifiers, used by Alembic.
revision = "7b47f8356d9f"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
