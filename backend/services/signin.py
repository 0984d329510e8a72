"""Signing in to the console with a one-time code sent to the person's registered mobile.

A code is 6 digits, valid settings.signin_code_minutes, used once, kept only as a hash, and good
for settings.signin_code_tries wrong guesses. Codes are limited per number and per requesting
address within settings.signin_window_minutes, and a request for a number nobody holds gets the
same answer as one for a registered number (the console never says who is registered). A session
is a random token in an httpOnly cookie, kept as a hash, with its own CSRF token."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from backend.db import rows_changed
from backend.models import ConsoleSession, Person, SignInCode
from backend.privacy import mask_phone
from backend.services import audit
from backend.services.access import Actor
from backend.services.citizens import normalise_phone
from backend.services.outbox import rendered_message
from backend.services.people import person_by_phone
from backend.settings import Settings

CODE_DIGITS = 6
CODE_KEY = "console_signin_code"
CALL_CODE_KEY = "console_call_code"  # for a staff member's call: "if you are not calling Sathi, someone is"
CALL = "call:"  # a call's codes are asked for by the call (address "call:<CallSid>") and good only for it


class SignInRefused(Exception):
    """code: rate_limited | wrong_code | expired | too_many_tries."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _address(address: str, for_call: bool) -> str:
    """Where a code is asked from: a call says so ("call:<CallSid>"); a console client's address can
    never pass for a call's, whatever a proxy's header says."""
    return address if for_call else ("?" + address if address.startswith(CALL) else address)


def _scope(address: str, own: bool = False) -> ColumnElement[bool]:
    """A call's codes are apart from the console's: counted apart (three dropped calls do not lock
    the console), and good only where they were asked for (own: this very call)."""
    if address.startswith(CALL):
        return SignInCode.address == address[:64] if own else SignInCode.address.startswith(CALL)
    return ~SignInCode.address.startswith(CALL)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _code_hash(row: SignInCode, code: str) -> str:
    return _digest(row.phone_hash, row.created_at.isoformat(), code)


def request_code(
    session: Session, *, settings: Settings, phone_text: str, address: str, now: datetime, for_call: bool = False
) -> None:
    """Queues a code to the registered number (WhatsApp or SMS, as the person gets alerts), in
    the caller's transaction; commits. A call's code (address "call:…") says it is for a call."""
    phone = normalise_phone(phone_text or "")
    address = _address(address, for_call)
    phone_hash = _digest("phone", phone)
    since = now - timedelta(minutes=settings.signin_window_minutes)
    recent = select(func.count()).select_from(SignInCode).where(SignInCode.created_at >= since, _scope(address))
    if (
        session.scalars(recent.where(SignInCode.phone_hash == phone_hash)).one() >= settings.signin_codes_per_number
        or session.scalars(recent.where(SignInCode.address == address[:64])).one() >= settings.signin_codes_per_address
    ):
        audit.record(
            session,
            actor=Actor("anonymous", mask_phone(phone)),
            action="signin.code",
            now=now,
            outcome="refused",
            detail={"code": "rate_limited"},
            address=address,
        )
        session.commit()
        raise SignInRefused("rate_limited")
    person = person_by_phone(session, phone)
    row = SignInCode(
        person_id=person.id if person else None,
        phone_hash=phone_hash,
        address=address[:64],
        created_at=now,
        expires_at=now + timedelta(minutes=settings.signin_code_minutes),
        tries=0,
    )
    if person is not None:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        row.code_hash = _code_hash(row, code)
        session.add(
            rendered_message(
                channel=person.channel,
                recipient=person.phone,
                key=CALL_CODE_KEY if address.startswith(CALL) else CODE_KEY,
                language=person.language,
                kind="signin_code",
                now=now,
                code=code,
                minutes=f"{settings.signin_code_minutes:g}",
            )
        )
    session.add(row)
    audit.record(
        session,
        actor=Actor("anonymous", mask_phone(phone)),
        action="signin.code",
        now=now,
        subject=person.id if person else None,
        detail={} if person else {"unknown_number": True},
        address=address,
    )
    session.commit()


def verify_code(
    session: Session,
    *,
    settings: Settings,
    phone_text: str,
    code: str,
    address: str,
    now: datetime,
) -> tuple[ConsoleSession, str]:
    """-> (the new session, the token for its cookie). Every outcome is audited."""
    person = check_code(session, settings=settings, phone_text=phone_text, code=code, address=address, now=now)
    opened = open_session(session, settings=settings, person=person, now=now)
    audit.record(session, actor=Actor.of_person(person), action="signin.ok", now=now, subject=person.id, address=address)
    session.commit()
    return opened


def check_code(
    session: Session, *, settings: Settings, phone_text: str, code: str, address: str, now: datetime, for_call: bool = False
) -> Person:
    """The person whose code this is (used up now); SignInRefused otherwise, audited and committed.
    The console opens a session with it; a staff member's call goes on (backend/console/call.py)."""
    phone = normalise_phone(phone_text or "")
    address = _address(address, for_call)
    row = session.scalar(
        select(SignInCode)
        .where(SignInCode.phone_hash == _digest("phone", phone), _scope(address, own=True))
        .order_by(SignInCode.id.desc())
        .limit(1)
    )
    anonymous = Actor("anonymous", mask_phone(phone))

    def refuse(reason: str) -> SignInRefused:
        audit.record(
            session,
            actor=anonymous,
            action="signin.verify",
            now=now,
            outcome="refused",
            detail={"code": reason},
            address=address,
            subject=row.person_id if row else None,
        )
        session.commit()
        return SignInRefused(reason)

    if row is None or row.code_hash is None or row.used_at is not None:
        raise refuse("wrong_code")
    if now > row.expires_at:
        raise refuse("expired")
    # The try is counted in the database before the code is compared, so guesses sent in parallel
    # each spend one: no more than settings.signin_code_tries, however they arrive.
    counted = rows_changed(
        session,
        update(SignInCode)
        .where(SignInCode.id == row.id, SignInCode.tries < settings.signin_code_tries, SignInCode.used_at.is_(None))
        .values(tries=SignInCode.tries + 1),
    )
    if not counted:
        raise refuse("too_many_tries")
    session.refresh(row)
    given = "".join(ch for ch in (code or "") if ch.isdigit())
    if not hmac.compare_digest(row.code_hash, _code_hash(row, given)):
        raise refuse("too_many_tries" if row.tries >= settings.signin_code_tries else "wrong_code")
    person = person_by_phone(session, phone)
    if person is None or person.id != row.person_id:  # deactivated since the code was sent
        raise refuse("wrong_code")
    # Used once: of two right answers sent together, only the one that marks it signs in.
    if not rows_changed(
        session, update(SignInCode).where(SignInCode.id == row.id, SignInCode.used_at.is_(None)).values(used_at=now)
    ):
        raise refuse("wrong_code")
    return person


def open_session(session: Session, *, settings: Settings, person: Person, now: datetime) -> tuple[ConsoleSession, str]:
    """A new session for a person whose code was checked: (the row, the cookie's token)."""
    token = secrets.token_urlsafe(32)
    console_session = ConsoleSession(
        token_hash=_digest("session", token),
        person_id=person.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(hours=settings.console_session_hours),
        person=person,
    )
    session.add(console_session)
    session.flush()
    return console_session, token


def session_for_token(session: Session, token: str | None, now: datetime) -> ConsoleSession | None:
    """The live session this cookie belongs to (not ended, not expired, its person active)."""
    if not token:
        return None
    found = session.scalar(select(ConsoleSession).where(ConsoleSession.token_hash == _digest("session", token)))
    if found is None or found.ended_at is not None or now >= found.expires_at or not found.person.active:
        return None
    return found


def end_session(session: Session, console_session: ConsoleSession, now: datetime) -> None:
    console_session.ended_at = now
    audit.record(
        session, actor=Actor.of_person(console_session.person), action="signout", now=now, subject=console_session.person_id
    )
    session.commit()
