"""A person when asked: the citizen (over chat, proven by their message's turn) opens a
conversation with the staff who serve them; staff answer and close it as any case's action."""

from datetime import datetime

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, Field

from backend.api.callers import TurnDep, own_phone
from backend.api.deps import NowDep, SessionDep, SettingsDep, WorkflowsDep
from backend.api.schemas import CitizenIn, Language
from backend.services import certificates, handoff
from common.limits import MAX_CHANNEL_NAME_CHARS, MAX_TEXT_CHARS

router = APIRouter(prefix="/api/v1/handoff", tags=["handoff"])


class HandoffIn(CitizenIn):
    language: Language
    channel: str = Field(max_length=MAX_CHANNEL_NAME_CHARS)
    during: str | None = Field(default=None, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")  # the service asked for
    said: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)  # how they asked: often the problem itself


class HandoffOut(BaseModel):
    reference: str
    state: str
    answer_by: datetime  # when a person is due to answer the citizen's next message


@router.post("", response_model=HandoffOut, status_code=status.HTTP_201_CREATED)
def open_conversation(
    body: HandoffIn,
    turn: TurnDep,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
) -> HandoffOut:
    """Opens the conversation (200 with the open one when there is one already)."""
    try:
        case, created = handoff.open_for(
            session,
            workflows=workflows,
            masterdata_dir=settings.masterdata_dir,
            phone=own_phone(turn, body.phone),
            language=body.language,
            channel=body.channel,
            # a service the citizen was asking for, named as the catalog or a workflow names it (not a status question)
            during=body.during if body.during in {*workflows, *certificates.definitions(settings, workflows)} else None,
            said=body.said,
            now=now,
            timezone=settings.timezone,
        )
    except handoff.NoConversation as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": exc.code}) from exc
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return HandoffOut(reference=case.reference, state=case.state, answer_by=handoff.answer_by(case, workflows, now))
