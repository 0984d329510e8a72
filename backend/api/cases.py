"""Case routes common to every service: public status, history and workflow actions."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy.orm.exc import StaleDataError

from backend.api.auth import SignedInDep, refused
from backend.api.callers import TurnDep, own_phone
from backend.api.deps import NowDep, SessionDep, SettingsDep, WorkflowsDep
from backend.api.schemas import CaseActionIn, CaseLookupIn, CaseOut, CaseStatusOut, HistoryOut, MyCasesIn
from backend.models import Case
from backend.services import audit
from backend.services.access import Refused, may_view, sees_personal_data
from backend.services.cases import VersionConflict, cases_of, find_case, holder_of, settled_at
from backend.services.hooks import Act, hooks_for, perform
from backend.workflow import WorkflowError
from common.languages import LANGUAGE_PATTERN

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


def _case_or_404(session, reference: str) -> Case:
    case = find_case(session, reference)
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_reference"})
    return case


@router.post("/mine", response_model=list[CaseStatusOut])
def my_cases(
    body: MyCasesIn, turn: TurnDep, session: SessionDep, settings: SettingsDep, workflows: WorkflowsDep
) -> list[CaseStatusOut]:
    """ "My requests": the turn's phone's cases, newest first (the phone in the body, never in a URL),
    each told as its status is."""
    return [_status(session, c, settings, workflows, body.language) for c in cases_of(session, phone=own_phone(turn, body.phone))]


@router.post("/lookup", response_model=CaseStatusOut)
def lookup(
    body: CaseLookupIn, turn: TurnDep, session: SessionDep, settings: SettingsDep, workflows: WorkflowsDep
) -> CaseStatusOut:
    """The status the bot tells: as the public one, but digits typed on a keypad that fit several
    services' numbers are read as the caller's own case (the phone in the body, never in a URL)."""
    case = find_case(session, body.reference, phone=own_phone(turn, body.phone))
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_reference"})
    return _status(session, case, settings, workflows, body.language)


@router.get("/{reference}", response_model=CaseStatusOut)
def case_status(
    reference: str,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    language: Annotated[str, Query(pattern=LANGUAGE_PATTERN)] = "en",
) -> CaseStatusOut:
    """Public: no personal data. `language` names places (a treatment plant) in the reader's language."""
    return _status(session, _case_or_404(session, reference), settings, workflows, language)


def _status(session, case: Case, settings, workflows, language: str) -> CaseStatusOut:  # noqa: ANN001
    workflow = workflows[case.service]
    hooks = hooks_for(workflow)
    holder = holder_of(session, case, workflow=workflow)
    update: dict[str, object] = {"holder": holder, "settled_at": settled_at(case) if holder == "done" else None}
    update |= hooks.progress(case, settings=settings, language=language)
    promised = hooks.promised_by(case)
    if promised:
        update["sla_due_at"] = promised  # the service's promise, not one step's
    return CaseStatusOut.model_validate({**CaseStatusOut.model_validate(case, from_attributes=True).model_dump(), **update})


@router.get("/{reference}/history", response_model=list[HistoryOut])
def case_history(reference: str, actor: SignedInDep, session: SessionDep, workflows: WorkflowsDep, now: NowDep):
    """The case's timeline, for those who may see the case (access.may_view); the citizen's own
    words only to those who serve it (access.sees_personal_data), as on the console's page."""
    case = _case_or_404(session, reference)
    workflow = workflows[case.service]
    if not may_view(actor, case, workflow):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": "not_your_area"})
    personal = sees_personal_data(actor, case, workflow)
    audit.record(session, actor=actor, action="case.view", now=now, case=case, detail={"what": "history"})
    session.commit()
    return [
        HistoryOut(action=h.action, from_state=h.from_state, to_state=h.to_state, actor_role=h.actor_role, at=h.at,
                   reason=h.reason if personal or h.actor_role != "CITIZEN" else None)
        for h in case.history
    ]  # fmt: skip


@router.post("/{reference}/actions", response_model=CaseOut)
def act(
    reference: str,
    body: CaseActionIn,
    actor: SignedInDep,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
) -> Case:
    """The signed-in person's action; their roles and area decide (403 naming why not)."""
    case = _case_or_404(session, reference)
    try:
        act = Act(
            settings, workflows[case.service], case, actor, body.action, now, reason=body.reason,
            out_of_order_reason=body.out_of_order_reason, assignee_id=body.assignee_id, plant_code=body.plant,
            volume_litres=body.volume_litres, expected_version=body.expected_version,
        )  # fmt: skip
        perform(session, act)
        session.commit()
    except Refused as exc:
        session.rollback()
        raise refused(exc) from exc
    except WorkflowError as exc:
        session.rollback()
        code = status.HTTP_404_NOT_FOUND if exc.code in ("unknown_action", "unknown_official") else status.HTTP_409_CONFLICT
        field = getattr(exc, "field", None)  # what the step was given that it cannot take (a plant not of the town)
        if exc.code == "reason_required" or isinstance(field, str):
            code = status.HTTP_422_UNPROCESSABLE_CONTENT
        raise HTTPException(code, detail={"code": exc.code, **({"field": field} if isinstance(field, str) else {})}) from exc
    except (VersionConflict, StaleDataError) as exc:
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, detail={"code": "version_conflict"}) from exc
    return case
