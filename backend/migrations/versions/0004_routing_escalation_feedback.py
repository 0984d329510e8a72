"""grievances: assignee and escalation count per case, feedback per case, menus offered by notifications

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("assignee_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("escalations", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_cases_assignee_id", ["assignee_id"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("menu", sa.JSON(), nullable=True))
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("official_id", sa.String(length=40), nullable=True),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
    )
    op.create_index("ix_feedback_official_id", "feedback", ["official_id"])
    op.create_index("ix_feedback_department", "feedback", ["department"])


def downgrade() -> None:
    op.drop_table("feedback")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("menu")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_assignee_id")
        batch.drop_column("escalations")
        batch.drop_column("assignee_id")
