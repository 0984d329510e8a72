"""Desludging routes: the fee, filing, the operator's steps and the citizen's rating."""

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response, status

from backend.api.auth import SignedInDep
from backend.api.callers import TurnDep, filer
from backend.api.deps import NowDep, SessionDep, SettingsDep, WorkflowsDep, committed
from backend.api.schemas import (
    DesludgingIn,
    DesludgingOut,
    OperatorStepIn,
    QuoteOut,
)
from backend.services import desludging
from backend.services.cases import find_case
from backend.workflow import WorkflowError

router = APIRouter(prefix="/api/v1/desludging", tags=["desludging"])


def _refused(exc: WorkflowError) -> HTTPException:
    codes = {"unknown_action": 404, "reason_required": 422}
    code = codes.get(exc.code, status.HTTP_409_CONFLICT)
    detail = {"code": exc.code}
    if isinstance(exc, desludging.InvalidRequest):
        code, detail = status.HTTP_422_UNPROCESSABLE_CONTENT, {"code": exc.code, "field": exc.field}
    return HTTPException(code, detail=detail)


@router.get("/quote", response_model=QuoteOut)
def quote(
    settings: SettingsDep,
    ulb: Annotated[str, Query(max_length=10)],
    property_type: Annotated[str, Query(max_length=20)],
    trips: Annotated[int, Query(ge=1, le=9)],
    slum: bool = False,
) -> QuoteOut:
    try:
        fee = desludging.fee_paise(settings, tariff_area=ulb, property_type=property_type, trips=trips, slum=slum)
    except desludging.InvalidRequest as exc:
        raise _refused(exc) from exc
    return QuoteOut(fee_rupees=fee / 100)


@router.post("", response_model=DesludgingOut, status_code=status.HTTP_201_CREATED)
def file_request(
    body: DesludgingIn,
    turn: TurnDep,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> DesludgingOut:
    actor = filer(turn, body.citizen_phone, session, now, "desludging")  # the citizen, or a field agent with their consent
    try:
        case, created, link = desludging.file_request(
            session,
            workflow=workflows["desludging"],
            settings=settings,
            request=desludging.Request(**{**body.model_dump(), "channel": actor.channel(body.channel)}),
            actor_role=actor.actor_role,
            actor_id=actor.actor_id,
            idempotency_key=idempotency_key,
            now=now,
        )
    except WorkflowError as exc:
        session.rollback()
        raise _refused(exc) from exc
    if created:
        actor.filed(session, case, now)
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return DesludgingOut(
        reference=case.reference,
        state=case.state,
        fee_rupees=case.details["fee_paise"] / 100,
        payment_url=link.url if link else None,
        upi_link=link.upi if link else None,
        operator_id=case.assignee_id,
        payment_expires_at=link.payment.expires_at if link else None,
    )


@router.post("/{reference}/operator", response_model=DesludgingOut)
def operator_step(
    reference: str,
    body: OperatorStepIn,
    actor: SignedInDep,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
) -> DesludgingOut:
    """The signed-in operator's step on a request assigned to them."""
    case = _case(session, reference)
    with committed(session, _refused):
        desludging.operator_step(
            session,
            case,
            workflow=workflows["desludging"],
            settings=settings,
            actor=actor,
            action=body.action,
            now=now,
            reason=body.reason,
            plant_code=body.plant,
            volume_litres=body.volume_litres,
        )
    return DesludgingOut(
        reference=case.reference, state=case.state, fee_rupees=case.details["fee_paise"] / 100, operator_id=case.assignee_id
    )


def _case(session, reference: str):  # noqa: ANN001, ANN202
    case = find_case(session, reference)
    if case is None or case.service != "desludging":
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_reference"})
    return case
