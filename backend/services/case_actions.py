"""Acting on a case whatever its service: its workflow's hooks (backend/services/hooks/) keep the
service's own rules (the certificate office's queue order, the operator's disposal), everything
else is the general workflow. The console and the API both come here, so no route can skip them."""

from datetime import datetime

from sqlalchemy.orm import Session

from backend.models import Case
from backend.services.access import Actor
from backend.services.hooks import Step, hooks_for
from backend.settings import Settings
from backend.workflow import WorkflowDef


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
    step = Step(reason, out_of_order_reason, assignee_id, plant_code, volume_litres, expected_version)
    hooks_for(workflow).act(
        session, settings=settings, workflow=workflow, case=case, actor=actor, action=action, now=now, step=step
    )
    session.flush()
