"""people, their roles per area, sign-in codes, console sessions, the audit log; cases' area columns

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

AREA_COLUMNS = ("ulb", "ward_number", "department", "office")


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False, unique=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.String(length=40), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("ulb", sa.String(length=16), nullable=True),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("first_ward", sa.Integer(), nullable=True),
        sa.Column("last_ward", sa.Integer(), nullable=True),
        sa.Column("office", sa.String(length=48), nullable=True),
        sa.Column("gram_panchayat", sa.String(length=40), nullable=True),
    )
    op.create_table(
        "signin_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.String(length=40), sa.ForeignKey("people.id"), nullable=True, index=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=False, index=True),
        sa.Column("address", sa.String(length=64), nullable=False, index=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("person_id", sa.String(length=40), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False, index=True),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=True, index=True),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("ulb", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("ward_number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("department", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("office", sa.String(length=48), nullable=True))
    op.create_index("ix_cases_inbox", "cases", ["state", "sla_due_at"])
    op.create_index("ix_cases_area", "cases", ["ulb", "department", "ward_number"])
    op.create_index("ix_cases_office", "cases", ["office", "state"])
    _backfill_areas()


def _area_of(service: str, details: dict | None) -> dict:
    """models.area_of as it was at this revision (a migration never imports application code),
    plus the department desludging requests did not record before: sanitation's."""
    details = details or {}
    ward = str(details.get("ward") or "")
    ulb, _, number = ward.partition("-W")
    department = details.get("department") or ("SANITATION" if service == "desludging" else None)
    return {
        "ulb": (ulb if number.isdigit() else None) or details.get("ulb"),
        "ward_number": int(number) if number.isdigit() else None,
        "department": department,
        "office": details.get("office"),
    }


def _backfill_areas() -> None:
    connection = op.get_bind()
    cases = sa.table(
        "cases",
        sa.column("id", sa.Integer),
        sa.column("service", sa.String),
        sa.column("details", sa.JSON),
        *(sa.column(c) for c in AREA_COLUMNS),
    )
    for row in connection.execute(sa.select(cases.c.id, cases.c.service, cases.c.details)).all():
        area = _area_of(row.service, row.details)
        # Kept in details too: the application derives the columns from details on every write.
        details = {**(row.details or {}), **({"department": area["department"]} if area["department"] else {})}
        connection.execute(cases.update().where(cases.c.id == row.id).values(details=details, **area))


def downgrade() -> None:
    for index in ("ix_cases_office", "ix_cases_area", "ix_cases_inbox"):
        op.drop_index(index, table_name="cases")
    with op.batch_alter_table("cases") as batch:
        for column in reversed(AREA_COLUMNS):
            batch.drop_column(column)
    for table in ("audit_log", "console_sessions", "signin_codes", "role_grants", "people"):
        op.drop_table(table)
