"""Desludging routes: the operator's steps (a request is filed, and its fee told, through the
catalog's routes: POST /api/v1/certificates, /api/v1/certificates/services/desludging/answers/{field})."""

from fastapi import APIRouter, HTTPException, status

from backend.api.auth import SignedInDep
from backend.api.deps import NowDep, SessionDep, SettingsDep, WorkflowsDep, committed
from backend.api.schemas import DesludgingOut, OperatorStepIn
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
