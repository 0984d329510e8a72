"""The citizen's verdict on a case (a resolved complaint, a visit done), and the officials' scores built from it."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from backend.api.auth import SignedInDep
from backend.api.callers import TurnDep, own_case, own_phone
from backend.api.deps import NowDep, SessionDep, SettingsDep, WorkflowsDep, committed
from backend.api.schemas import FeedbackIn, FeedbackOut, OfficialPerformanceOut, OpenVerdictIn, OpenVerdictOut
from backend.services import feedback as feedback_service
from backend.services.cases import find_case
from backend.services.hooks import Verdict, hooks_for

router = APIRouter(prefix="/api/v1", tags=["feedback"])

_STATUS = {
    "not_owner": status.HTTP_403_FORBIDDEN,
    "invalid_rating": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "one_to_five": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "required_below_3": status.HTTP_422_UNPROCESSABLE_CONTENT,
}


@router.post("/cases/verdict/open", response_model=OpenVerdictOut)
def open_verdict(
    body: OpenVerdictIn, turn: TurnDep, session: SessionDep, settings: SettingsDep, workflows: WorkflowsDep, now: NowDep
) -> OpenVerdictOut:
    """The verdict the turn's citizen was asked for and has not given yet (the phone in the body,
    never in a URL), to ask it again; 404 when none is open."""
    phone = own_phone(turn, body.phone)
    since = now - timedelta(hours=body.asked_within_hours) if body.asked_within_hours else None
    found = feedback_service.open_verdict(
        session,
        workflows=workflows,
        phone=phone,
        reference=body.reference,
        asked_since=since,
        about=(settings.masterdata_dir, body.about) if body.about else None,
    )
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "nothing_open"})
    return OpenVerdictOut(reference=found.reference, key=found.key, variables=found.variables, menu=found.menu, state=found.state)


@router.post("/cases/{reference}/feedback", response_model=FeedbackOut)
def give_case_feedback(
    reference: str,
    body: FeedbackIn,
    turn: TurnDep,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
) -> FeedbackOut:
    """The citizen's verdict on any service's case: the bot need not know which service it is."""
    case = find_case(session, reference)
    if case is None or not hooks_for(workflows[case.service]).takes_verdict:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_reference"})
    return _verdict(case, body, turn, session, settings, workflows, now)


def _verdict(case, body: FeedbackIn, turn, session, settings, workflows, now) -> FeedbackOut:  # noqa: ANN001
    """Only the citizen whose case it is, in their own turn, rates or reopens it."""
    phone = own_phone(turn, body.phone)
    own_case(turn, case)
    refused = lambda exc: HTTPException(_STATUS.get(exc.code, status.HTTP_409_CONFLICT), detail={"code": exc.code})  # noqa: E731
    with committed(session, refused):
        workflow = workflows[case.service]
        verdict = Verdict(settings, workflow, case, phone, body.solved, body.rating, body.comment, now)
        outcome = hooks_for(workflow).verdict(session, verdict)
    return FeedbackOut(reference=case.reference, outcome=outcome, state=case.state)


@router.get("/officials/performance", response_model=list[OfficialPerformanceOut])
def officials_performance(
    _: SignedInDep, session: SessionDep, department: Annotated[str | None, Query(max_length=32)] = None
) -> list[dict]:
    return feedback_service.performance(session, department=department)
