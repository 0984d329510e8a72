"""Filing at the doorstep: a field agent (a Panchayat Swayam Sewak) files for a citizen only with
the citizen's consent. The citizen's phone gets a one-time code by SMS naming the agent; the citizen
reads it out and the agent types it. A consent confirmed so is good for that agent and that
citizen for CONSENT_HOURS (the requests of one visit), and every filing for someone else is refused
without one (callers.filer, the API).

Codes are 6 digits, valid CODE_MINUTES, kept only as a hash, good for CODE_TRIES guesses; a
citizen's phone gets at most CODES_PER_CITIZEN in CODE_MINUTES, an agent sends at most
CODES_PER_AGENT_HOUR."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.db import rows_changed
from backend.models import Case, DoorstepConsent, Person
from backend.services import audit
from backend.services.access import Actor
from backend.services.citizens import normalise_phone
from backend.services.outbox import notify, rendered_message
from common.channels import SMS, Contact
from common.digits import native_digits_to_ascii

CODE_DIGITS = 6
CODE_MINUTES = 15
CODE_TRIES = 5
CODES_PER_CITIZEN = 3
CODES_PER_AGENT_HOUR = 20  # an agent cannot send codes (SMS in their name) to any number of phones
CONSENT_HOURS = 2
CODE_KEY = "utter_doorstep_consent_code"


class ConsentRefused(Exception):
    """code: rate_limited | own_number | wrong_code | expired | too_many_tries | no_consent."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _code_hash(row: DoorstepConsent, code: str) -> str:
    return hashlib.sha256(f"{row.agent_id}\x1f{row.citizen_phone}\x1f{row.created_at.isoformat()}\x1f{code}".encode()).hexdigest()


def ask(session: Session, *, agent: Person, citizen_phone: str, language: str, now: datetime) -> None:
    """Sends the citizen a code naming the agent, in the caller's transaction; commits."""
    phone = normalise_phone(citizen_phone)
    if phone == normalise_phone(agent.phone):
        raise ConsentRefused("own_number")  # the agent files for themselves as a citizen, not at a doorstep
    recent = session.scalar(
        select(func.count())
        .select_from(DoorstepConsent)
        .where(DoorstepConsent.citizen_phone == phone, DoorstepConsent.created_at >= now - timedelta(minutes=CODE_MINUTES))
    )
    sent_by_agent = session.scalar(
        select(func.count())
        .select_from(DoorstepConsent)
        .where(DoorstepConsent.agent_id == agent.id, DoorstepConsent.created_at >= now - timedelta(hours=1))
    )
    if (recent or 0) >= CODES_PER_CITIZEN or (sent_by_agent or 0) >= CODES_PER_AGENT_HOUR:
        raise ConsentRefused("rate_limited")
    row = DoorstepConsent(
        agent_id=agent.id,
        citizen_phone=phone,
        code_hash="",
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
        tries=0,
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row.code_hash = _code_hash(row, code)
    session.add(row)
    session.add(
        rendered_message(
            channel=SMS,  # the citizen may have no WhatsApp; every phone gets SMS
            recipient=phone,
            key=CODE_KEY,
            language=language,
            kind="doorstep_consent",
            now=now,
            agent=agent.name,
            code=code,
            minutes=CODE_MINUTES,
        )
    )
    audit.record(session, actor=Actor.field_agent(agent), action="doorstep.ask", now=now)
    session.commit()


def confirm(session: Session, *, agent: Person, citizen_phone: str, code: str, now: datetime) -> None:
    """The code the citizen read out; raises ConsentRefused when it is not theirs; commits."""
    phone = normalise_phone(citizen_phone)
    row = session.scalars(
        select(DoorstepConsent)
        .where(DoorstepConsent.agent_id == agent.id, DoorstepConsent.citizen_phone == phone)
        .order_by(DoorstepConsent.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise ConsentRefused("no_consent")
    if row.confirmed_at is None and now > row.expires_at:
        raise ConsentRefused("expired")
    spent = rows_changed(
        session,
        update(DoorstepConsent)
        .where(DoorstepConsent.id == row.id, DoorstepConsent.tries < CODE_TRIES)
        .values(tries=DoorstepConsent.tries + 1)
        .execution_options(synchronize_session=False),
    )
    session.commit()
    if not spent:
        raise ConsentRefused("too_many_tries")
    digits = native_digits_to_ascii("".join(ch for ch in code if ch.isdigit()))
    if not secrets.compare_digest(_code_hash(row, digits), row.code_hash):
        session.refresh(row)
        raise ConsentRefused("too_many_tries" if row.tries >= CODE_TRIES else "wrong_code")
    if row.confirmed_at is not None:
        return  # the same code again (a retried turn): it stands
    row.confirmed_at = now
    audit.record(session, actor=Actor.field_agent(agent), action="doorstep.consent", now=now)
    session.commit()


def tell_citizen(session: Session, *, case: Case, agent_id: str, now: datetime) -> None:
    """The citizen hears by SMS that the agent filed it for them, with its reference."""
    agent = session.get(Person, agent_id)
    notify(
        case,
        to=Contact(case.citizen_phone, SMS, case.language or "en"),
        key="utter_doorstep_filed",
        now=now,
        agent=agent.name if agent else agent_id,
    )


def require(session: Session, *, agent_id: str, citizen_phone: str, now: datetime) -> None:
    """Refused (no_consent) unless the citizen confirmed this agent's code in the last CONSENT_HOURS."""
    confirmed = session.scalar(
        select(DoorstepConsent.id)
        .where(
            DoorstepConsent.agent_id == agent_id,
            DoorstepConsent.citizen_phone == normalise_phone(citizen_phone),
            DoorstepConsent.confirmed_at >= now - timedelta(hours=CONSENT_HOURS),
        )
        .limit(1)
    )
    if confirmed is None:
        raise ConsentRefused("no_consent")
