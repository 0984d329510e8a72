"""Citizen routes, for the citizen whose turn it is (backend/api/callers.py). The phone number
travels in the body, never in the URL, so access logs do not carry it."""

from fastapi import APIRouter, status

from backend.api.callers import TurnDep, own_phone
from backend.api.deps import NowDep, SessionDep, WakeOutboxDep
from backend.api.schemas import CitizenIn, LanguageChoiceIn, LanguageOut, OptOutByWordsIn
from backend.services import channels
from backend.services import citizens as citizens_service

router = APIRouter(prefix="/api/v1/citizens", tags=["citizens"])


@router.post("/language/lookup", response_model=LanguageOut)
def lookup_language(body: CitizenIn, turn: TurnDep, session: SessionDep) -> LanguageOut:
    return LanguageOut(language=citizens_service.chosen_language(session, phone=own_phone(turn, body.phone)))


@router.put("/language", response_model=LanguageOut)
def choose_language(body: LanguageChoiceIn, turn: TurnDep, session: SessionDep, now: NowDep) -> LanguageOut:
    citizens_service.choose_language(session, phone=own_phone(turn, body.phone), language=body.language, now=now)
    return LanguageOut(language=body.language)


@router.post("/opt-out", status_code=status.HTTP_204_NO_CONTENT)
def opt_out(body: OptOutByWordsIn, turn: TurnDep, session: SessionDep, now: NowDep, wake_outbox: WakeOutboxDep) -> None:
    """ "Stop sending me messages" in words, confirmed in the dialogue: as the STOP keyword is."""
    channels.opt_out(
        session, phone=own_phone(turn, body.phone), channel=body.channel, opted_out=True, language=body.language, now=now
    )
    wake_outbox()
