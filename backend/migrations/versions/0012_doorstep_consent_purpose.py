"""a citizen's consent names what it is for: a complaint, a septic tank request, an application

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Consents given before (none: valid for 2 hours) name nothing and so cover no filing.
    op.add_column("doorstep_consents", sa.Column("purpose", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("doorstep_consents", "purpose")
