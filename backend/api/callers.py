"""Who calls the backend's API and what each caller may do: the one place the callers' tokens and
the turn grants are checked.

    caller                   credential                       may
    Rasa's input channels    Bearer SATHI_CHANNELS_TOKEN      the channel routes (backend/api/channels.py):
                                                              take a message and get its turn grant, keep
                                                              and finish the turn, STOP/START, queue replies
    the action server        Bearer SATHI_ACTIONS_TOKEN       helper routes that act for nobody
                             + X-Sathi-Turn: <grant>          citizen routes, for the grant's phone only (and,
                                                              for a field agent's phone, filing for others)
    officials                the console's session            (backend/api/auth.py; no token admits one)

A known token on the wrong caller's route is 403 wrong_caller; no token or an unknown one is 401."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, status
from sqlalchemy.orm import Session

from backend.api.deps import NowDep, SettingsDep
from backend.models import Case
from backend.services import doorstep, turn_grants
from backend.services.turn_grants import TurnGrant
from backend.settings import Settings
from common.channels import TWILIO_SMS
from common.signatures import same_secret

TURN_HEADER = "X-Sathi-Turn"
ACTIONS, CHANNELS = "actions", "channels"


def _token(settings: Settings, caller: str) -> str:
    return settings.actions_token if caller == ACTIONS else settings.channels_token


def _caller(settings: Settings, authorization: str | None) -> str | None:
    if not authorization:
        return None
    return next((c for c in (ACTIONS, CHANNELS) if same_secret(authorization, f"Bearer {_token(settings, c)}")), None)


def _only(caller: str):  # noqa: ANN202
    def check(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> None:
        found = _caller(settings, authorization)
        if found is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail={"code": "unauthorized"})
        if found != caller:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": "wrong_caller"})

    return check


require_channels = _only(CHANNELS)
require_actions = _only(ACTIONS)
ChannelsCaller = Depends(require_channels)
ActionsCaller = Depends(require_actions)


def citizen_turn(
    settings: SettingsDep,
    now: NowDep,
    _: Annotated[None, Depends(require_actions)],
    x_sathi_turn: Annotated[str | None, Header(max_length=2000)] = None,
) -> TurnGrant:
    """The action server acting for the citizen whose message the dialogue is answering."""
    if not x_sathi_turn:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail={"code": "turn_required"})
    try:
        return turn_grants.verify(secret=settings.turn_secret, grant=x_sathi_turn, now=now)
    except turn_grants.BadGrant as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": exc.code}) from exc


TurnDep = Annotated[TurnGrant, Depends(citizen_turn)]


def citizen_turn_if_any(
    settings: SettingsDep,
    now: NowDep,
    _: Annotated[None, Depends(require_actions)],
    x_sathi_turn: Annotated[str | None, Header(max_length=2000)] = None,
) -> TurnGrant | None:
    """The turn's grant where the answer depends on who asks but the route serves anyone (None
    when there is none or it does not hold)."""
    try:
        return turn_grants.verify(secret=settings.turn_secret, grant=x_sathi_turn, now=now) if x_sathi_turn else None
    except turn_grants.BadGrant:
        return None


MaybeTurnDep = Annotated[TurnGrant | None, Depends(citizen_turn_if_any)]


def own_phone(turn: TurnGrant, phone: str) -> str:
    """The phone a body names (as written, channel prefix and all), if it is the turn's; 403
    not_your_turn otherwise."""
    if not turn.owns(phone):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": "not_your_turn"})
    return phone


def own_case(turn: TurnGrant, case: Case) -> Case:
    if case.citizen_phone != turn.phone:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": "not_your_case"})
    return case


@dataclass(frozen=True)
class Filer:
    actor_role: str
    actor_id: str
    for_someone_else: bool

    def channel(self, channel: str) -> str:
        """Where the citizen hears of their case: a citizen filed for at the doorstep is not in the
        agent's chat, so by SMS."""
        return TWILIO_SMS if self.for_someone_else else channel

    def filed(self, session: Session, case: Case, now: datetime) -> None:
        """A new filing: a citizen filed for at the doorstep hears of it by SMS, naming the agent."""
        if self.for_someone_else:
            doorstep.tell_citizen(session, case=case, agent_id=self.actor_id, now=now)


def filer(turn: TurnGrant, citizen_phone: str, session: Session, now: datetime, purpose: str) -> Filer:
    """Who files a request for citizen_phone: the citizen, for their own number; a field agent, for
    anyone who gave their consent to this kind of filing (services/doorstep.py: 403 no_consent
    otherwise); nobody else."""
    if turn.owns(citizen_phone):
        return Filer("CITIZEN", turn.phone, False)
    if turn.agent_id:
        try:
            doorstep.require(session, agent_id=turn.agent_id, citizen_phone=citizen_phone, purpose=purpose, now=now)
        except doorstep.ConsentRefused as exc:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": exc.code}) from exc
        return Filer("FIELD_AGENT", turn.agent_id, True)
    raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": "not_your_turn"})
