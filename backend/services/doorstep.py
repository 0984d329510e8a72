"""Filing at the doorstep: a field agent (a Panchayat Swayam Sewak) files for a citizen only with
the citizen's consent. The citizen's phone gets a one-time code by SMS naming the agent; the citizen
reads it out and the agent types it. The code's SMS names what is filed (a complaint, a septic tank
request, an application); a consent confirmed so is good for that agent, that citizen and that kind
of filing for CONSENT_HOURS (the requests of one visit), and every filing for someone else is
refused without one (callers.filer, the API). Refusals (a wrong code, too many codes) are audited.

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
# What a consent is for: the kind of filing an agent makes at a doorstep, by the service's workflow
# (an application to an office, a visit of the catalog such as a water tanker, a septic tank request, a complaint).
PURPOSES = ("grievance", "desludging", "certificate", "visit")


class ConsentRefused(Exception):
    """code: rate_limited | own_number | wrong_code | expired | too_many_tries | no_consent."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _code_hash(row: DoorstepConsent, code: str) -> str:
    return hashlib.sha256(f"{row.agent_id}\x1f{row.citizen_phone}\x1f{row.created_at.isoformat()}\x1f{code}".encode()).hexdigest()


def _refused(session: Session, agent: Person, action: str, code: str, now: datetime) -> ConsentRefused:
    """The refusal, written to the audit trail (committed) for the caller to raise."""
    audit.record(session, actor=Actor.field_agent(agent), action=action, now=now, outcome="refused", detail={"code": code})
    session.commit()
    return ConsentRefused(code)


def ask(session: Session, *, agent: Person, citizen_phone: str, purpose: str, language: str, now: datetime) -> None:
    """Sends the citizen a code naming the agent and what they file, in the caller's transaction; commits."""
    phone = normalise_phone(citizen_phone)
    if phone == normalise_phone(agent.phone):
        raise _refused(session, agent, "doorstep.ask", "own_number", now)  # for themselves they file as a citizen
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
        raise _refused(session, agent, "doorstep.ask", "rate_limited", now)
    row = DoorstepConsent(
        agent_id=agent.id,
        citizen_phone=phone,
        purpose=purpose,
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
            purpose_key=f"doorstep.purpose.{purpose}",
            code=code,
            minutes=CODE_MINUTES,
        )
    )
    audit.record(session, actor=Actor.field_agent(agent), action="doorstep.ask", now=now, detail={"purpose": purpose})
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
        raise _refused(session, agent, "doorstep.consent", "no_consent", now)
    if row.confirmed_at is None and now > row.expires_at:
        raise _refused(session, agent, "doorstep.consent", "expired", now)
    spent = rows_changed(
        session,
        update(DoorstepConsent)
        .where(DoorstepConsent.id == row.id, DoorstepConsent.tries < CODE_TRIES)
        .values(tries=DoorstepConsent.tries + 1)
        .execution_options(synchronize_session=False),
    )
    session.commit()
    if not spent:
        raise _refused(session, agent, "doorstep.consent", "too_many_tries", now)
    digits = native_digits_to_ascii("".join(ch for ch in code if ch.isdigit()))
    if not secrets.compare_digest(_code_hash(row, digits), row.code_hash):
        session.refresh(row)
        raise _refused(session, agent, "doorstep.consent", "too_many_tries" if row.tries >= CODE_TRIES else "wrong_code", now)
    if row.confirmed_at is not None:
        return  # the same code again (a retried turn): it stands
    row.confirmed_at = now
    audit.record(session, actor=Actor.field_agent(agent), action="doorstep.consent", now=now, detail={"purpose": row.purpose})
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


def require(session: Session, *, agent_id: str, citizen_phone: str, purpose: str, now: datetime) -> None:
    """Refused (no_consent) unless the citizen confirmed this agent's code for this kind of filing in
    the last CONSENT_HOURS."""
    confirmed = session.scalar(
        select(DoorstepConsent.id)
        .where(
            DoorstepConsent.agent_id == agent_id,
            DoorstepConsent.citizen_phone == normalise_phone(citizen_phone),
            DoorstepConsent.purpose == purpose,
            DoorstepConsent.confirmed_at >= now - timedelta(hours=CONSENT_HOURS),
        )
        .limit(1)
    )
    if confirmed is None:
        raise ConsentRefused("no_consent")
