"""durable inbound turns: the message is kept until its replies are queued

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("state", sa.String(length=16), nullable=False, server_default="done"))
        batch.add_column(sa.Column("claimant", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    # Only unfinished turns are ever searched, and there are few: a partial index stays small.
    op.create_index(
        "ix_inbound_messages_pending",
        "inbound_messages",
        ["provider", "channel", "lease_until"],
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_pending", table_name="inbound_messages")
    with op.batch_alter_table("inbound_messages") as batch:
        for column in ("attempts", "lease_until", "claimant", "state", "payload"):
            batch.drop_column(column)
