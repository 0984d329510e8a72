"""Citizen routes. The phone number travels in the body, never in the URL, so access logs do not
carry it."""
from fastapi import APIRouter

from backend.api.deps import Authorised, NowDep, SessionDep
from backend.api.schemas import CitizenIn, LanguageChoiceIn, LanguageOut
from backend.services import citizens as citizens_service

router = APIRouter(prefix="/api/v1/citizens", tags=["citizens"], dependencies=[Authorised])


@router.post("/language/lookup", response_model=LanguageOut)
def lookup_language(body: CitizenIn, session: SessionDep) -> LanguageOut:
    return LanguageOut(language=citizens_service.chosen_language(session, phone=body.phone))


@router.put("/language", response_model=LanguageOut)
def choose_language(body: LanguageChoiceIn, session: SessionDep, now: NowDep) -> LanguageOut:
    citizens_service.choose_language(session, phone=body.phone, language=body.language, now=now)
    return LanguageOut(language=body.language)
