"""The SLA sweep: a grievance whose state's SLA has passed goes to the department's supervisor,
once, through the workflow's ESCALATE action (history row, alerts to the supervisor and the citizen).

Several workers may sweep at the same moment: each case is escalated in its own transaction and the
case's version column makes a second worker's update fail (StaleDataError), which it skips. A case
escalated before is not picked again (escalations > 0)."""
import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from backend.models import Case
from backend.services import routing
from backend.workflow import WorkflowDef, WorkflowError, apply_action

logger = logging.getLogger(__name__)
ACTION = "ESCALATE"


def sweep(session: Session, *, workflow: WorkflowDef, masterdata_dir: Path, now: datetime, batch: int = 100) -> list[str]:
    """Escalates what is overdue; returns the references this call escalated."""
    escalate = workflow.action(ACTION)
    overdue = session.scalars(
        select(Case)
        .where(Case.service == workflow.service, Case.state.in_([s for s in escalate.from_states if s]),
               Case.sla_due_at <= now, Case.escalations == 0)
        .order_by(Case.sla_due_at)
        .limit(batch)
        .options(selectinload(Case.history))
    ).all()
    escalated = []
    for case in overdue:
        # A rollback below reloads the remaining cases: one another sweeper escalated meanwhile is skipped.
        if case.escalations or case.state not in escalate.from_states or case.sla_due_at is None or case.sla_due_at > now:
            continue
        supervisor = routing.supervisor_for(masterdata_dir, ward_code=case.details.get("ward", ""), department=case.details.get("department", ""))
        if supervisor is None:
            logger.warning("%s is overdue but its department has no supervisor on the roster", case.reference)
            continue
        try:
            case.assignee_id = supervisor.id
            case.escalations += 1
            apply_action(workflow=workflow, case=case, action=ACTION, actor_role="SYSTEM", actor_id="sla-sweep",
                         now=now, assignee=supervisor.contact)
            session.commit()
        except (StaleDataError, WorkflowError):  # another worker moved it first
            session.rollback()
            continue
        escalated.append(case.reference)
        logger.info("%s escalated to %s", case.reference, supervisor.id)
    return escalated
