"""What the channel code in the Rasa process asks of the backend: "is this webhook step new?",
"this number said STOP", "send these replies". Phones travel in bodies, never in URLs. Only the
channels' token is taken here (backend/api/callers.py); each turn a channel takes comes with its
grant to act for that message's phone (backend/services/turn_grants.py)."""

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, HTTPException, Path, Query, status

from backend.api.auth import AdministratorDep
from backend.api.callers import ChannelsCaller
from backend.api.deps import NowDep, SessionDep, SettingsDep, WakeOutboxDep, WorkflowsDep
from backend.api.schemas import (
    INT_COLUMN_MAX,
    InboundClaimIn,
    InboundResponseIn,
    InboundResponseOut,
    OptOutIn,
    OutboxOut,
    RepliesIn,
    RetryLaterIn,
    SpokenPhrase,
    StaffCallIn,
    StaffCallOut,
    TurnStartIn,
    TurnStartOut,
    UnfinishedIn,
    UnfinishedTurnOut,
)
from backend.console import call, chat
from backend.db import get_session_factory
from backend.privacy import mask_phone
from backend.services import channels, handoff, outbox, staff_menu, turn_grants
from backend.settings import Settings
from common.channels import VOICE, Claim

InboundId = Annotated[int, Path(ge=1, le=INT_COLUMN_MAX)]
router = APIRouter(prefix="/api/v1", tags=["channels"])


@router.post("/channels/inbound", dependencies=[ChannelsCaller], response_model=Claim)
def claim_inbound(body: InboundClaimIn, session: SessionDep, settings: SettingsDep, now: NowDep) -> Claim:
    claim = channels.claim(
        session,
        provider=body.provider,
        external_id=body.external_id,
        channel=body.channel,
        phone=body.phone,
        now=now,
        payload=body.payload.model_dump() if body.payload else None,
        claimant=body.claimant,
        lease_seconds=settings.inbound_lease_seconds,
    )
    turn = turn_grants.issue_for(session, settings, body.phone, now) if claim.first else None
    # A call of a person who works cases is theirs (backend/console/call.py), not the citizens' IVR.
    staff = claim.first and body.channel == VOICE and staff_menu.staff_by_phone(session, body.phone) is not None
    return replace(claim, turn=turn, staff=staff)  # the grant to act for this phone while the turn runs (turn_grants.py)


@router.post("/channels/inbound/unfinished", dependencies=[ChannelsCaller], response_model=list[UnfinishedTurnOut])
def take_unfinished(body: UnfinishedIn, session: SessionDep, settings: SettingsDep, now: NowDep) -> list[UnfinishedTurnOut]:
    """Turns a channel process took but never finished (it died, or a part it needed was down)."""
    turns = channels.take_unfinished(
        session,
        provider=body.provider,
        channel=body.channel,
        claimant=body.claimant,
        now=now,
        lease_seconds=settings.inbound_lease_seconds,
        limit=body.limit,
    )
    return [
        UnfinishedTurnOut(
            inbound_id=t.inbound_id,
            external_id=t.external_id,
            payload=t.payload,
            attempts=t.attempts,
            turn=turn_grants.issue_for(session, settings, t.phone, now),
        )
        for t in turns
    ]


@router.post("/channels/inbound/{inbound_id}/start", dependencies=[ChannelsCaller], response_model=TurnStartOut)
def start_turn(
    inbound_id: InboundId, body: TurnStartIn, session: SessionDep, settings: SettingsDep, workflows: WorkflowsDep, now: NowDep
) -> TurnStartOut:
    """The channel begins the turn (and calls again to keep it while it runs)."""
    started = channels.start_turn(
        session,
        inbound_id=inbound_id,
        claimant=body.claimant,
        now=now,
        lease_seconds=settings.inbound_lease_seconds,
        workflows=workflows,
    )
    if started is None:
        raise HTTPException(status.HTTP_409_CONFLICT, detail={"code": "not_yours_or_finished"})
    return TurnStartOut(
        opted_out=started.opted_out,
        menu=started.menu,
        lease_seconds=settings.inbound_lease_seconds,
        turn=turn_grants.issue_for(session, settings, started.phone, now),
        with_person=started.with_person,
        staff=started.staff,
    )


@router.post("/channels/inbound/{inbound_id}/to-person", dependencies=[ChannelsCaller])
def to_person(
    inbound_id: InboundId,
    body: TurnStartIn,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
    background: BackgroundTasks,
) -> dict[str, str]:
    """The message goes to the citizen's open conversation with a person. outcome: given (also when
    a retried call finds it given), no_conversation (closed meanwhile: the bot answers it), or
    not_yours (another process has the turn). Its photos are fetched after the answer."""
    outcome, written = channels.to_person(session, inbound_id=inbound_id, claimant=body.claimant, workflows=workflows, now=now)
    if written is not None and written.media:
        background.add_task(_attach_photos, settings, written.case_id, written.media)
    return {"outcome": outcome}


@router.post("/channels/inbound/{inbound_id}/staff", dependencies=[ChannelsCaller])
def staff_turn(
    inbound_id: InboundId, body: TurnStartIn, session: SessionDep, settings: SettingsDep, workflows: WorkflowsDep, now: NowDep
) -> dict[str, str]:
    """A message from a person who works cases, answered by the staff's chat (backend/console/chat.py).
    outcome: answered, not_staff (the bot answers it), or not_yours (another process has the turn)."""
    return {
        "outcome": chat.turn(
            session, inbound_id=inbound_id, claimant=body.claimant, settings=settings, workflows=workflows, now=now
        )
    }


@router.post("/channels/inbound/{inbound_id}/staff-call", dependencies=[ChannelsCaller], response_model=StaffCallOut)
def staff_call(
    inbound_id: InboundId, body: StaffCallIn, session: SessionDep, settings: SettingsDep, workflows: WorkflowsDep, now: NowDep
) -> StaffCallOut:
    """A step of a call from a person who works cases, answered by backend/console/call.py; the
    phone is the claimed step's (the channel checked Twilio's signature), never the body's."""
    try:
        answered = call.answer(session, inbound_id=inbound_id, text=body.text, settings=settings, workflows=workflows, now=now)
    except call.NotACallStep:
        raise HTTPException(status.HTTP_409_CONFLICT, detail={"code": "not_a_call_step"}) from None
    if answered is None:
        return StaffCallOut(outcome="not_staff")
    return StaffCallOut(
        outcome="answered",
        language=answered.language,
        said=[SpokenPhrase(key=p.key, variables=p.variables, text=p.text) for p in answered.said],
        menu=answered.menu,
        words=answered.words,
        question=answered.question,
        one_key=answered.one_key,
        ends=answered.ends,
    )


@router.post("/channels/inbound/{inbound_id}/leave-person", dependencies=[ChannelsCaller], status_code=status.HTTP_204_NO_CONTENT)
def leave_person(inbound_id: InboundId, body: TurnStartIn, session: SessionDep, workflows: WorkflowsDep, now: NowDep) -> None:
    """MENU in a conversation with a person: it is closed by the citizen (nothing to close is no error)."""
    channels.leave_person(session, inbound_id=inbound_id, claimant=body.claimant, workflows=workflows, now=now)


def _attach_photos(settings: Settings, case_id: int, urls: list[str]) -> None:
    with get_session_factory(settings.database_url)() as session:
        handoff.attach_photos(session, settings=settings, case_id=case_id, urls=urls)


@router.post("/channels/inbound/{inbound_id}/retry-later", dependencies=[ChannelsCaller], status_code=status.HTTP_204_NO_CONTENT)
def retry_later(inbound_id: InboundId, body: RetryLaterIn, session: SessionDep, now: NowDep) -> None:
    if not channels.retry_later(
        session, inbound_id=inbound_id, claimant=body.claimant, now=now, delay_seconds=body.delay_seconds
    ):
        raise HTTPException(status.HTTP_409_CONFLICT, detail={"code": "not_yours_or_finished"})


@router.get("/channels/inbound/response", dependencies=[ChannelsCaller], response_model=InboundResponseOut)
def read_inbound_response(
    session: SessionDep,
    provider: Annotated[str, Query(max_length=24)],
    external_id: Annotated[str, Query(min_length=1, max_length=80)],
) -> InboundResponseOut:
    response = channels.stored_response(session, provider=provider, external_id=external_id)
    if response is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_inbound"})
    return InboundResponseOut(response=response)


@router.put("/channels/inbound/response", dependencies=[ChannelsCaller], status_code=status.HTTP_204_NO_CONTENT)
def store_inbound_response(body: InboundResponseIn, session: SessionDep) -> None:
    if not channels.store_response(session, provider=body.provider, external_id=body.external_id, response=body.response):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_inbound"})


@router.post("/channels/opt-out", dependencies=[ChannelsCaller], status_code=status.HTTP_204_NO_CONTENT)
def opt_out(body: OptOutIn, session: SessionDep, now: NowDep, wake_outbox: WakeOutboxDep) -> None:
    channels.opt_out(
        session,
        phone=body.phone,
        channel=body.channel,
        opted_out=body.opted_out,
        language=body.language,
        now=now,
        inbound_id=body.inbound_id,
        claimant=body.claimant,
    )
    wake_outbox()


@router.post("/outbox/replies", dependencies=[ChannelsCaller], status_code=status.HTTP_202_ACCEPTED)
def queue_replies(body: RepliesIn, session: SessionDep, now: NowDep, wake_outbox: WakeOutboxDep) -> dict[str, list[int]]:
    messages = channels.queue_replies(
        session,
        channel=body.channel,
        phone=body.phone,
        replies=[reply.model_dump() for reply in body.replies],
        menu=body.menu,
        kind=body.kind,
        now=now,
        inbound_id=body.inbound_id,
        claimant=body.claimant,
    )
    wake_outbox()
    return {"ids": [m.id for m in messages]}


@router.get("/outbox", response_model=list[OutboxOut])
def list_outbox(
    _: AdministratorDep,
    session: SessionDep,
    status_: Annotated[str, Query(alias="status", pattern=r"^[a-z_]+$")] = "failed",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OutboxOut]:
    """Failures stay visible: an official or an operator sees what did not reach whom, and why."""
    return [
        OutboxOut(
            id=m.id,
            channel=m.channel,
            recipient=mask_phone(m.recipient),
            kind=m.kind,
            locale_key=m.locale_key,
            status=m.status,
            attempts=m.attempts,
            error_code=m.error_code,
            error_detail=m.error_detail,
            created_at=m.created_at,
            updated_at=m.updated_at,
        )
        for m in outbox.by_status(session, status=status_, limit=limit)
    ]
