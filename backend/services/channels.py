"""What the channels (in the Rasa process) need from the backend: each inbound webhook step handled
once (the unique (provider, external_id) row is the lock that Twilio's retries and a second Rasa
worker run into), opt-out with its confirmation, and the bot's replies queued in the outbox."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import InboundMessage, OutboxMessage
from backend.services import citizens, outbox
from backend.services.citizens import normalise_phone


@dataclass(frozen=True)
class Claim:
    first: bool
    opted_out: bool
    menu: dict[str, str] | None
    response: str | None  # for a repeated voice step: what the first one answered


def claim(session: Session, *, provider: str, external_id: str, channel: str, phone: str, now: datetime) -> Claim:
    phone = normalise_phone(phone)
    session.add(InboundMessage(provider=provider, external_id=external_id, channel=channel, phone=phone, received_at=now))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        earlier = session.scalar(
            select(InboundMessage).where(InboundMessage.provider == provider, InboundMessage.external_id == external_id)
        )
        citizen = citizens.citizen_or_none(session, phone)
        return Claim(False, bool(citizen and citizen.opted_out_at), citizen.menu if citizen else None, earlier.response if earlier else None)
    citizen = citizens.touch_inbound(session, phone=phone, channel=channel, now=now)
    session.commit()
    return Claim(True, bool(citizen.opted_out_at), citizen.menu, None)


def store_response(session: Session, *, provider: str, external_id: str, response: str) -> bool:
    row = session.scalar(
        select(InboundMessage).where(InboundMessage.provider == provider, InboundMessage.external_id == external_id)
    )
    if row is None:
        return False
    row.response = response
    session.commit()
    return True


def opt_out(session: Session, *, phone: str, channel: str, opted_out: bool, language: str, now: datetime) -> None:
    """STOP or START, committed together with its confirmation (the one message an opted-out
    number still gets)."""
    citizens.set_opted_out(session, phone=phone, opted_out=opted_out, now=now)
    session.add(outbox.rendered_message(
        channel=channel, recipient=phone, key="utter_opted_out" if opted_out else "utter_opted_in",
        language=language, kind="opt_out_confirmation", now=now,
    ))
    session.commit()


def queue_replies(
    session: Session, *, channel: str, phone: str, replies: list[dict], menu: dict[str, str] | None, kind: str, now: datetime
) -> list[OutboxMessage]:
    """The bot's replies to one message, in order, and the numbered options they showed (None
    leaves the last ones as they were)."""
    messages = [outbox.new_message(channel=channel, recipient=phone, kind=kind, now=now, **reply) for reply in replies]
    session.add_all(messages)
    if menu is not None:
        citizens.set_menu(session, phone=phone, menu=menu, now=now)
    session.commit()
    return messages
