"""citizens who write Hindi or Odia in Latin letters: their SMS notices are in Latin letters too

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("citizens") as batch:
        batch.add_column(sa.Column("latin_script", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("citizens") as batch:
        batch.drop_column("latin_script")
