"""Inbound webhook steps, each handled once: the unique (provider, external_id) row is the lock
that Twilio's retries and a second Rasa worker run into."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import InboundMessage
from backend.services import citizens
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
