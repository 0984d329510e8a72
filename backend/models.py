"""Tables. Every change of a case's state goes through backend.workflow.apply_action."""
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes on every database (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:  # noqa: ANN001
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class Case(Base):
    """One thing a citizen filed: a grievance, a desludging request, a certificate application."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    service: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(40), index=True)
    # Optimistic lock: an UPDATE that finds another version fails instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    citizen_phone: Mapped[str] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    channel: Mapped[str] = mapped_column(String(16), default="rest")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # The caller's key for "this submission", so a retried request never files twice.
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sla_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    history: Mapped[list["CaseHistory"]] = relationship(
        back_populates="case", order_by="CaseHistory.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class CaseHistory(Base):
    """Append-only: one row per transition, never updated or deleted."""

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40), nullable=True)
    to_state: Mapped[str] = mapped_column(String(40))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())

    case: Mapped[Case] = relationship(back_populates="history")


class ReferenceCounter(Base):
    """Last sequence number issued per service prefix and year (FSM-2026-000123)."""

    __tablename__ = "reference_counters"
    __table_args__ = (UniqueConstraint("prefix", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Citizen(Base):
    """What Sathi remembers about a phone number across sessions and channels."""

    __tablename__ = "citizens"

    phone: Mapped[str] = mapped_column(String(32), primary_key=True)  # normalised, see services/citizens.py
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)  # explicit choice only
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
