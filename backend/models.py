"""Tables. Every change of a case's state goes through backend.workflow.apply_action."""

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from common.places import parse_ward_code


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes on every database (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:  # noqa: ANN001
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# A phone number as kept (normalised, backend/services/citizens.py), and as the API accepts one:
# normalising only shortens, so what the API takes always fits the column.
PHONE_CHARS = 32


class Base(DeclarativeBase):
    pass


# The outbox's unfinished rows, the only ones a claim looks at. Written as constants (partial
# indexes are used only when a query repeats their condition literally; see db.literal_in).
OUTBOX_UNFINISHED = ("pending", "sending", "in_doubt")
OUTBOX_UNFINISHED_SQL = f"status IN ({', '.join(repr(status) for status in OUTBOX_UNFINISHED)})"


class Case(Base):
    """One thing a citizen filed: a grievance, a desludging request, a certificate application."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    service: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(40), index=True)
    # Optimistic lock: an UPDATE that finds another version fails instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    citizen_phone: Mapped[str] = mapped_column(String(PHONE_CHARS), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    channel: Mapped[str] = mapped_column(String(16), default="rest")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # The caller's key for "this submission", so a retried request never files twice.
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sla_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Who holds the case now (an id from masterdata/officials.yml), and how often it was escalated.
    assignee_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    # When the SLA sweep found no one to escalate an overdue case to (and alerted the town's nodal
    # officer instead): the sweep does not pick it again, so such cases never crowd out the rest.
    escalation_blocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # When its holder was reminded of the current step's deadline (once a step; a new step clears it).
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Where the case belongs, kept from details on every write (area_of below), so the console's
    # inbox and the access rules filter on indexed columns: the town, the ward's number, the
    # department that serves it, the office whose queue holds it (certificates).
    ulb: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ward_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    department: Mapped[str | None] = mapped_column(String(32), nullable=True)
    office: Mapped[str | None] = mapped_column(String(48), nullable=True)

    history: Mapped[list["CaseHistory"]] = relationship(
        back_populates="case", order_by="CaseHistory.id", cascade="all, delete-orphan"
    )
    # Notifications the case's transitions queued; saved with the case, in the same transaction.
    outbox_messages: Mapped[list["OutboxMessage"]] = relationship(cascade="save-update", lazy="noload")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_cases_inbox", "state", "sla_due_at"),
        Index("ix_cases_area", "ulb", "department", "ward_number"),
        Index("ix_cases_office", "office", "state"),
    )


def area_of(details: dict | None) -> dict[str, object]:
    """The area columns a case's details imply: "BMC-W12" -> ulb BMC, ward 12."""
    details = details or {}
    ward = str(details.get("ward") or "")
    place = parse_ward_code(ward)
    return {
        "ulb": (place[0] if place else None) or details.get("ulb"),
        "ward_number": place[1] if place else None,
        "department": details.get("department"),
        "office": details.get("office"),
    }


@event.listens_for(Case, "before_insert")
@event.listens_for(Case, "before_update")
def _keep_area(_mapper, _connection, case: Case) -> None:  # noqa: ANN001
    for column, value in area_of(case.details).items():
        if getattr(case, column) != value:
            setattr(case, column, value)


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

    phone: Mapped[str] = mapped_column(String(PHONE_CHARS), primary_key=True)  # normalised, see services/citizens.py
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)  # explicit choice only
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # STOP (in any language) or Twilio error 21610 until START: nothing is sent to this number.
    opted_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # WhatsApp allows free-form messages only within 24 h of the citizen's last message.
    whatsapp_last_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # The numbered options last shown on a text channel: {"1": payload, ...}, so "2" means the second.
    menu: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # Writes Hindi or Odia in Latin letters (their last message that told): SMS notices follow suit.
    latin_script: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class InboundMessage(Base):
    """One inbound webhook step (a MessageSid, or a CallSid plus its step), handled once even when
    Twilio retries or two Rasa workers receive it: the unique key is the lock.

    A text message is also the durable record of its turn: it is stored (payload) before the
    provider is answered and stays `pending` until the turn's replies are queued in the same
    transaction that marks it `done`, so a turn cut short by any crash is found and finished."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("provider", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(24))
    external_id: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(PHONE_CHARS), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Voice answers synchronously: a retried step gets the TwiML the first one produced.
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What the turn needs to run again: the sender as the provider wrote it, text and metadata.
    payload: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # pending (the turn has not queued its replies yet) -> done. Voice steps are done at once.
    state: Mapped[str] = mapped_column(String(16), default="done")
    # The channel process working on the turn, and until when; after that another may take it.
    claimant: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class OutboxMessage(Base):
    """A message to a phone, written in the same transaction as what caused it and sent by
    backend.outbox_worker. Messages to one recipient go out in id order."""

    __tablename__ = "outbox"
    __table_args__ = (
        # Partial indexes over unfinished rows only, so a claim costs the same whatever the history
        # (an official with 100k sent alerts) or the backlog: "is anything older unfinished for
        # this recipient" is one seek, and the due rows are walked in id order.
        Index(
            "ix_outbox_unfinished_recipient",
            "recipient",
            "id",
            sqlite_where=text(OUTBOX_UNFINISHED_SQL),
            postgresql_where=text(OUTBOX_UNFINISHED_SQL),
        ),
        Index("ix_outbox_pending_id", "id", sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # whatsapp | sms
    recipient: Mapped[str] = mapped_column(String(PHONE_CHARS), index=True)  # normalised phone
    kind: Mapped[str] = mapped_column(String(24))  # reply | summary | notification | opt_out_confirmation
    body: Mapped[str] = mapped_column(Text)
    media_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What the body was rendered from, so a WhatsApp message outside the 24-hour window can be
    # sent as the approved template for the same key.
    locale_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    variables: Mapped[dict] = mapped_column(JSON, default=dict)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    # Numbered options this message offers ({"1": payload}); they become the recipient's menu once sent.
    menu: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # pending -> sending -> sent -> delivered | read; failed, suppressed (opted out), in_doubt (the
    # provider may have it: the worker died or timed out during the call; settled before any resend)
    status: Mapped[str] = mapped_column(String(16), index=True, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    provider: Mapped[str | None] = mapped_column(String(24), nullable=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DeliveryStatus(Base):
    """Every status callback the provider sent, as received (append-only)."""

    __tablename__ = "delivery_statuses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True, index=True)
    provider_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class SandboxMessage(Base):
    """What the built-in Twilio sandbox (backend/api/twilio_sandbox.py) accepted: the phone
    simulator shows these as the replies a real phone would receive."""

    __tablename__ = "sandbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    sender: Mapped[str] = mapped_column(String(48))
    recipient: Mapped[str] = mapped_column(String(48), index=True)
    body: Mapped[str] = mapped_column(Text)
    content_sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    content_variables: Mapped[str | None] = mapped_column(Text, nullable=True)
    media_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Where its delivery is reported, and when the backend took the last report: as with Twilio, a
    # report the backend missed (it was down) is made again, so a sender that died is settled.
    status_callback: Mapped[str | None] = mapped_column(Text, nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Feedback(Base):
    """The citizen's verdict on a resolved case, counted for the official who resolved it."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    official_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    department: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Payment(Base):
    """One payment link for a case. Paid once: the provider's payment id is unique, so a repeated
    webhook changes nothing, and a second payment for a case already paid is kept for a refund."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    amount_paise: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # created | paid | duplicate
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    provider: Mapped[str] = mapped_column(String(24))
    provider_payment_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


# Who may do what, and where. Roles of people (the workflow's roles, plus ADMIN); a person has one
# grant per role and area. backend/services/access.py is the one place these are read.
STAFF_ROLES = ("OFFICIAL", "SUPERVISOR", "NODAL_OFFICER", "VERIFIER", "APPROVER", "OPERATOR", "FIELD_AGENT", "ADMIN")


class Person(Base):
    """An official, supervisor, nodal officer, office staff member, operator, field agent or
    administrator. Never deleted: deactivation keeps what they did attributable."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # BMC-SAN-N, OP-BMC-01, PSS-...
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(PHONE_CHARS), unique=True)  # normalised; sign-in codes go here
    language: Mapped[str] = mapped_column(String(8), default="en")
    channel: Mapped[str] = mapped_column(String(16), default="whatsapp")  # how codes and alerts reach them
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="person", order_by="RoleGrant.id", cascade="all, delete-orphan", lazy="selectin"
    )


class RoleGrant(Base):
    """One role of a person over one area. Unused parts of the area are null: an OFFICIAL has
    ulb + department + wards; a SUPERVISOR ulb + department; a NODAL_OFFICER a ulb; office staff
    an office (BLOCK-..., DISTRICT-..., ULB-...); an OPERATOR a ulb (and acts on what is assigned
    to them); a FIELD_AGENT a gram panchayat; an ADMIN nothing (all areas) or a ulb."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    ulb: Mapped[str | None] = mapped_column(String(16), nullable=True)
    department: Mapped[str | None] = mapped_column(String(32), nullable=True)
    first_ward: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_ward: Mapped[int | None] = mapped_column(Integer, nullable=True)
    office: Mapped[str | None] = mapped_column(String(48), nullable=True)
    gram_panchayat: Mapped[str | None] = mapped_column(String(40), nullable=True)

    person: Mapped[Person] = relationship(back_populates="grants")


class DoorstepConsent(Base):
    """A citizen's consent to a field agent filing for them: a one-time code sent to the citizen's
    phone, read out to the agent, who types it. Only its hash is kept."""

    __tablename__ = "doorstep_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    citizen_phone: Mapped[str] = mapped_column(String(PHONE_CHARS), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    tries: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(16), nullable=True)  # what the citizen agreed to (doorstep.PURPOSES)


class SignInCode(Base):
    """A one-time code sent to a person's registered mobile. Only its hash is kept."""

    __tablename__ = "signin_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"), nullable=True, index=True)
    # The number asked for, hashed (a request for an unknown number is counted, never answered).
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)  # the requesting client's address
    code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    tries: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ConsoleSession(Base):
    """A signed-in browser. The cookie holds a random token; only its hash is kept."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    person: Mapped[Person] = relationship(lazy="joined")


class AuditEntry(Base):
    """Append-only: every action on a case, every view of a case's personal data, every sign-in
    and every change to people, with who did it. Administrators read it in the console."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))  # person | citizen | system | anonymous
    actor_id: Mapped[str] = mapped_column(String(64), index=True)  # person id; a citizen's masked phone
    action: Mapped[str] = mapped_column(String(48))  # case.view, case.act, signin.code, person.update...
    outcome: Mapped[str] = mapped_column(String(16), default="ok")  # ok | refused
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True)  # a reference, a person id
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)
