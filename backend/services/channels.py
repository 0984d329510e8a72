"""What the channels (in the Rasa process) need from the backend: each inbound webhook step handled
once (the unique (provider, external_id) row is the lock that Twilio's retries and a second Rasa
worker run into), opt-out with its confirmation, and the bot's replies queued in the outbox."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backend.db import literal_in, rows_changed
from backend.models import InboundMessage, OutboxMessage
from backend.services import citizens, handoff, outbox, staff_menu
from backend.services.citizens import normalise_phone
from backend.workflow import WorkflowDef
from common.channels import Claim

PENDING = ("pending",)  # the state the partial index over unfinished turns covers


def claim(
    session: Session,
    *,
    provider: str,
    external_id: str,
    channel: str,
    phone: str,
    now: datetime,
    lease_seconds: float,
    payload: dict | None = None,
    claimant: str | None = None,
) -> Claim:
    """With a payload (a text message), the turn is kept `pending` under the claimant's lease until
    finish(); the same claimant asking again (its first answer was lost on the way) is told it is
    still first, anyone else that it is a repeat."""
    phone = normalise_phone(phone)
    durable = payload is not None
    row = InboundMessage(
        provider=provider,
        external_id=external_id,
        channel=channel,
        phone=phone,
        received_at=now,
        payload=payload,
        state="pending" if durable else "done",
        claimant=claimant,
        lease_until=now + timedelta(seconds=lease_seconds) if durable else None,
        attempts=1 if durable else 0,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        earlier = session.scalar(
            select(InboundMessage).where(InboundMessage.provider == provider, InboundMessage.external_id == external_id)
        )
        citizen = citizens.citizen_or_none(session, phone)
        ours = bool(earlier and claimant and earlier.claimant == claimant and earlier.state == "pending")
        return Claim(
            ours,
            bool(citizen and citizen.opted_out_at),
            citizen.menu if citizen else None,
            earlier.response if earlier else None,
            earlier.id if earlier else None,
        )
    citizen = citizens.touch_inbound(session, phone=phone, channel=channel, now=now, text=str((payload or {}).get("text") or ""))
    session.commit()
    return Claim(True, bool(citizen.opted_out_at), citizen.menu, None, row.id)


@dataclass(frozen=True)
class UnfinishedTurn:
    inbound_id: int
    external_id: str
    payload: dict
    attempts: int
    phone: str


def take_unfinished(
    session: Session, *, provider: str, channel: str, claimant: str, now: datetime, lease_seconds: float, limit: int = 20
) -> list[UnfinishedTurn]:
    """Turns whose process died (or gave up) before queuing their replies, oldest first, now leased
    to `claimant`. Each is taken by a conditional UPDATE, so two channel processes never both get one."""
    candidates = session.scalars(
        select(InboundMessage)
        .where(
            literal_in(InboundMessage.state, PENDING),
            InboundMessage.provider == provider,
            InboundMessage.channel == channel,
            InboundMessage.lease_until < now,
        )
        .order_by(InboundMessage.id)
        .limit(limit)
    ).all()
    taken = []
    for row in candidates:
        won = rows_changed(
            session,
            update(InboundMessage)
            .where(InboundMessage.id == row.id, InboundMessage.state == "pending", InboundMessage.lease_until < now)
            .values(claimant=claimant, lease_until=now + timedelta(seconds=lease_seconds), attempts=InboundMessage.attempts + 1)
            .execution_options(synchronize_session=False),
        )
        session.commit()
        if won:
            taken.append(UnfinishedTurn(row.id, row.external_id, row.payload or {}, row.attempts + 1, row.phone))
    return taken


@dataclass(frozen=True)
class TurnStart:
    opted_out: bool
    menu: dict[str, str] | None
    phone: str
    with_person: bool = False  # a conversation with a person is open: the message goes to it
    staff: bool = False  # the number is a person's who works cases: the staff's chat answers (console/chat.py)


def start_turn(
    session: Session,
    *,
    inbound_id: int,
    claimant: str,
    now: datetime,
    lease_seconds: float,
    workflows: dict[str, WorkflowDef] | None = None,
) -> TurnStart | None:
    """The claimant begins (or, called again, keeps) the turn: its lease runs from now. What the
    turn depends on is read now, not at the claim: a STOP or a menu from the turns before it.
    None when the turn is done or another process holds it."""
    held = rows_changed(
        session,
        update(InboundMessage)
        .where(
            InboundMessage.id == inbound_id,
            InboundMessage.state == "pending",
            or_(InboundMessage.claimant == claimant, InboundMessage.lease_until < now),
        )
        .values(claimant=claimant, lease_until=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False),
    )
    session.commit()
    if not held:
        return None
    phone = session.scalars(select(InboundMessage.phone).where(InboundMessage.id == inbound_id)).one()
    citizen = citizens.citizen_or_none(session, phone)
    inbound = session.get(InboundMessage, inbound_id)
    with_person = workflows is not None and inbound is not None and handoff.takes(session, workflows, inbound)
    staff = staff_menu.staff_by_phone(session, phone) is not None
    return TurnStart(bool(citizen and citizen.opted_out_at), citizen.menu if citizen else None, phone, with_person, staff)


def leave_person(session: Session, *, inbound_id: int, claimant: str, workflows: dict[str, WorkflowDef], now: datetime) -> None:
    """The citizen asked to go back to the assistant: their open conversation with a person ends."""
    inbound = session.get(InboundMessage, inbound_id)
    if inbound is None or inbound.claimant != claimant or inbound.state != "pending":
        return
    try:
        handoff.leave(session, workflows=workflows, phone=inbound.phone, now=now)
        session.commit()
    except (handoff.NoConversation, StaleDataError):
        session.rollback()


def to_person(
    session: Session, *, inbound_id: int, claimant: str, workflows: dict[str, WorkflowDef], now: datetime
) -> tuple[str, handoff.Written | None]:
    """The message goes to the citizen's open conversation with a person, and its turn is done, in
    one transaction: "given" (also when this claimant gave it already: a retried call), "no_conversation"
    when it was closed meanwhile (the bot takes the message), "not_yours" when another process has the
    turn; with what was written, when it was written now."""
    inbound = session.get(InboundMessage, inbound_id)
    if inbound is None or inbound.claimant != claimant:
        return "not_yours", None
    if inbound.state != "pending":
        return "given", None  # finished by this claimant: its first call went through
    try:
        written = handoff.write(session, workflows=workflows, inbound=inbound, now=now)
    except handoff.NoConversation:
        session.rollback()
        return "no_conversation", None
    if not _finish(session, inbound_id, claimant):
        return "not_yours", None
    session.commit()
    return "given", written


def retry_later(session: Session, *, inbound_id: int, claimant: str, now: datetime, delay_seconds: float) -> bool:
    """The turn could not run now (a part of Sathi is down): any channel process may try it after the delay."""
    changed = rows_changed(
        session,
        update(InboundMessage)
        .where(InboundMessage.id == inbound_id, InboundMessage.state == "pending", InboundMessage.claimant == claimant)
        .values(lease_until=now + timedelta(seconds=delay_seconds))
        .execution_options(synchronize_session=False),
    )
    session.commit()
    return bool(changed)


def stored_response(session: Session, *, provider: str, external_id: str) -> str | None:
    """What a step answered (a voice call asks its last question again from it)."""
    return session.scalar(
        select(InboundMessage.response).where(InboundMessage.provider == provider, InboundMessage.external_id == external_id)
    )


def store_response(session: Session, *, provider: str, external_id: str, response: str) -> bool:
    row = session.scalar(
        select(InboundMessage).where(InboundMessage.provider == provider, InboundMessage.external_id == external_id)
    )
    if row is None:
        return False
    row.response = response
    session.commit()
    return True


def finish_turn(session: Session, inbound_id: int, claimant: str) -> bool:
    """The turn marked done in the caller's transaction, before what it does (the staff's chat acts
    only on a message it holds); False (rolled back) when it is not the caller's any more."""
    return _finish(session, inbound_id, claimant)


def _finish(session: Session, inbound_id: int, claimant: str | None) -> bool:
    """Marks the turn done in the caller's transaction, if the caller still holds it; False (rolled
    back) if it was done already or another process took it over. The message's words are not
    kept once the turn is done."""
    holder = [InboundMessage.claimant == claimant] if claimant else []
    finished = rows_changed(
        session,
        update(InboundMessage)
        .where(InboundMessage.id == inbound_id, InboundMessage.state == "pending", *holder)
        .values(state="done", lease_until=None, payload=None)
        .execution_options(synchronize_session=False),
    )
    if not finished:
        session.rollback()
    return bool(finished)


def opt_out(
    session: Session,
    *,
    phone: str,
    channel: str,
    opted_out: bool,
    language: str,
    now: datetime,
    inbound_id: int | None = None,
    claimant: str | None = None,
) -> None:
    """STOP or START, committed together with its confirmation (the one message an opted-out
    number still gets) and, when it came as a message, with the end of that turn."""
    if inbound_id is not None and not _finish(session, inbound_id, claimant):
        return
    citizens.set_opted_out(session, phone=phone, opted_out=opted_out, now=now)
    session.add(
        outbox.rendered_message(
            channel=channel,
            recipient=phone,
            key="utter_opted_out" if opted_out else "utter_opted_in",
            language=language,
            kind="opt_out_confirmation",
            now=now,
        )
    )
    session.commit()


def queue_replies(
    session: Session,
    *,
    channel: str,
    phone: str,
    replies: list[dict],
    menu: dict[str, str] | None,
    kind: str,
    now: datetime,
    inbound_id: int | None = None,
    claimant: str | None = None,
) -> list[OutboxMessage]:
    """The bot's replies to one message, in order, and the numbered options they showed (None
    leaves the last ones as they were). With inbound_id they finish that turn in the same
    transaction, once: a turn already finished (a retry, or a second process) queues nothing."""
    if inbound_id is not None and not _finish(session, inbound_id, claimant):
        return []
    messages = [outbox.new_message(channel=channel, recipient=phone, kind=kind, now=now, **reply) for reply in replies]
    session.add_all(messages)
    if menu is not None:
        citizens.set_menu(session, phone=phone, menu=menu, now=now)
    session.commit()
    return messages
