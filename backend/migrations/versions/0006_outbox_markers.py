"""outbox: partial indexes over unfinished rows (claims cost the same at any backlog or history);
cases the SLA sweep cannot escalate are marked; the sandbox keeps its delivery reports until taken

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UNFINISHED = "status IN ('pending', 'sending', 'in_doubt')"
PENDING = "status = 'pending'"


def upgrade() -> None:
    op.create_index(
        "ix_outbox_unfinished_recipient",
        "outbox",
        ["recipient", "id"],
        sqlite_where=sa.text(UNFINISHED),
        postgresql_where=sa.text(UNFINISHED),
    )
    op.create_index("ix_outbox_pending_id", "outbox", ["id"], sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("escalation_blocked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("sandbox_messages") as batch:
        batch.add_column(sa.Column("status_callback", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sandbox_messages") as batch:
        batch.drop_column("reported_at")
        batch.drop_column("status_callback")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("escalation_blocked_at")
    op.drop_index("ix_outbox_pending_id", table_name="outbox")
    op.drop_index("ix_outbox_unfinished_recipient", table_name="outbox")
