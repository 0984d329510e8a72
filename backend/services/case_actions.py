"""Acting on a case whatever its service: the certificate office's steps keep the queue's order,
the desludging operator's steps record the disposal, everything else is the general workflow.
The console and the API both come here, so no route can skip a service's own rules."""

from datetime import datetime

from sqlalchemy.orm import Session

from backend.models import Case
from backend.services import certificates, desludging
from backend.services.access import Actor
from backend.services.cases import act_on_case
from backend.settings import Settings
from backend.workflow import WorkflowDef

OPERATOR_ACTIONS = ("ACCEPT", "DECLINE", "DISPOSE")


def perform(
    session: Session,
    *,
    settings: Settings,
    workflow: WorkflowDef,
    case: Case,
    actor: Actor,
    action: str,
    now: datetime,
    reason: str | None = None,
    out_of_order_reason: str | None = None,
    assignee_id: str | None = None,
    plant_code: str | None = None,
    volume_litres: int | None = None,
    expected_version: int | None = None,
) -> None:
    if case.service == "certificate":
        certificates.act(
            session,
            settings=settings,
            workflow=workflow,
            case=case,
            action=action,
            actor=actor,
            now=now,
            reason=reason,
            out_of_order_reason=out_of_order_reason,
        )
    elif case.service == "desludging" and action in OPERATOR_ACTIONS:
        desludging.operator_step(
            session,
            case,
            workflow=workflow,
            masterdata_dir=settings.masterdata_dir,
            actor=actor,
            action=action,
            now=now,
            reason=reason,
            plant_code=plant_code,
            volume_litres=volume_litres,
        )
    else:
        act_on_case(
            session,
            workflow=workflow,
            case=case,
            action=action,
            actor=actor,
            now=now,
            masterdata_dir=settings.masterdata_dir,
            reason=reason,
            expected_version=expected_version,
            assignee_id=assignee_id,
        )
    session.flush()
