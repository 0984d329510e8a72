"""A field agent asks a citizen's consent to file for them (a code to the citizen's phone) and gives
the code the citizen read out (backend/services/doorstep.py). Only in the turn of a message from
the agent's own registered number."""

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, HTTPException, status

from backend.api.callers import TurnDep, own_phone
from backend.api.deps import NowDep, SessionDep
from backend.api.schemas import DoorstepCodeIn, DoorstepConsentIn
from backend.models import Person
from backend.services import doorstep, turn_grants
from backend.services.turn_grants import TurnGrant
from common.phones import indian_mobile

router = APIRouter(prefix="/api/v1/doorstep", tags=["doorstep"])
_STATUS = {"rate_limited": 429, "no_consent": 404}


def _agent(turn: TurnGrant, session: SessionDep, phone: str) -> Person:
    own_phone(turn, phone)
    agent = turn_grants.field_agent(session, phone) if turn.agent_id else None
    if agent is None or agent.id != turn.agent_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": "not_a_field_agent"})
    return agent


def _citizen(text: str) -> str:
    mobile = indian_mobile(text)
    if mobile is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"code": "no_match", "field": "citizen_phone"})
    return mobile


@contextmanager
def _refusals() -> Iterator[None]:
    """A refused consent as the API says it: 429 rate_limited, 404 no_consent, else 422 with the code."""
    try:
        yield
    except doorstep.ConsentRefused as exc:
        raise HTTPException(_STATUS.get(exc.code, 422), detail={"code": exc.code}) from exc


@router.post("/consent", status_code=status.HTTP_202_ACCEPTED)
def ask_consent(body: DoorstepConsentIn, turn: TurnDep, session: SessionDep, now: NowDep) -> dict[str, str]:
    """The code goes to the citizen's mobile by SMS, naming the agent; answers with the mobile as read."""
    agent, citizen = _agent(turn, session, body.phone), _citizen(body.citizen_phone)
    with _refusals():
        doorstep.ask(session, agent=agent, citizen_phone=citizen, purpose=body.purpose, language=body.language, now=now)
    return {"citizen_phone": citizen}


@router.post("/consent/confirm")
def confirm_consent(body: DoorstepCodeIn, turn: TurnDep, session: SessionDep, now: NowDep) -> dict[str, bool]:
    agent, citizen = _agent(turn, session, body.phone), _citizen(body.citizen_phone)
    with _refusals():
        doorstep.confirm(session, agent=agent, citizen_phone=citizen, code=body.code, now=now)
    return {"confirmed": True}
