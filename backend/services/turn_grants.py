"""The grant a channel gets with each inbound message it takes: "act for this phone" (and, when the
phone is a field agent's, "as this agent") until it expires. The channel hands it to the dialogue
with the message; the action server sends it back with every call made for the citizen, so the
action server's own token acts for nobody, and a turn acts only for the phone that sent it.

Signed with settings.turn_secret (HMAC-SHA256); nothing is stored: the grant carries what it says.
The phone is in it whole, so a grant is never logged (it travels in a header and in the metadata
of the message, which the tracker store keeps as it keeps the sender's id)."""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from backend.models import Person
from backend.services import people
from backend.services.citizens import normalise_phone
from backend.settings import Settings

PREFIX = "T1"  # the grant format's version, so a change of format refuses old grants by name


class BadGrant(Exception):
    """Forged, altered, malformed (code bad_turn) or expired (code turn_expired)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class TurnGrant:
    phone: str  # normalised (backend.services.citizens.normalise_phone)
    agent_id: str | None  # the field agent this phone belongs to, who may file for other numbers
    expires_at: datetime

    def owns(self, phone: str | None) -> bool:
        return bool(phone and normalise_phone(phone) == self.phone)


def field_agent(session: Session, phone: str) -> Person | None:
    """The one place that says whether a phone is a field agent's: an active person with that
    role in the people table (seeded from backend/masterdata/field_agents.yml)."""
    return people.field_agent_by_phone(session, phone)


def issue(*, secret: str, phone: str, agent_id: str | None, now: datetime, minutes: float) -> str:
    claims = {"p": normalise_phone(phone), "a": agent_id, "e": int((now + timedelta(minutes=minutes)).timestamp())}
    body = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{PREFIX}.{body}.{_sign(secret, body)}"


def issue_for(session: Session, settings: Settings, phone: str, now: datetime) -> str:
    """A grant for the phone a channel just took a message from, with the settings' secret and lifetime."""
    agent = field_agent(session, phone)
    return issue(
        secret=settings.turn_secret,
        phone=phone,
        agent_id=agent.id if agent else None,
        now=now,
        minutes=settings.turn_grant_minutes,
    )


def verify(*, secret: str, grant: str, now: datetime) -> TurnGrant:
    parts = (grant or "").split(".")
    if len(parts) != 3 or parts[0] != PREFIX or not _same(_sign(secret, parts[1]), parts[2]):
        raise BadGrant("bad_turn")
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        phone, agent_id, expires = claims["p"], claims["a"], int(claims["e"])
    except (ValueError, KeyError, TypeError) as exc:  # signed by us, so only a format change gets here
        raise BadGrant("bad_turn") from exc
    if not isinstance(phone, str) or not phone or not (agent_id is None or isinstance(agent_id, str)):
        raise BadGrant("bad_turn")
    if now.timestamp() >= expires:
        raise BadGrant("turn_expired")
    return TurnGrant(phone=phone, agent_id=agent_id, expires_at=datetime.fromtimestamp(expires, now.tzinfo))


def _same(expected: str, given: str) -> bool:
    # As bytes: compare_digest refuses a str with non-ASCII characters, and anyone may send those.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


def _sign(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), f"{PREFIX}.{body}".encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
