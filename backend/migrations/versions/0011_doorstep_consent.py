"""a citizen's consent, by a code read out, to a field agent filing for them

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "doorstep_consents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agent_id", sa.String(40), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("citizen_phone", sa.String(32), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_doorstep_consents_agent_id", "doorstep_consents", ["agent_id"])
    op.create_index("ix_doorstep_consents_citizen_phone", "doorstep_consents", ["citizen_phone"])
    op.create_index("ix_doorstep_consents_created_at", "doorstep_consents", ["created_at"])


def downgrade() -> None:
    op.drop_table("doorstep_consents")
