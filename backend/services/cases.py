"""Reading a case and acting on it, whatever its service."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.models import Case, CaseHistory
from backend.references import normalise_reference
from backend.workflow import WorkflowDef, apply_action


class VersionConflict(Exception):
    """The caller acted on a version of the case that is no longer current."""


def find_case(session: Session, reference: str) -> Case | None:
    normalised = normalise_reference(reference)
    if normalised is None:
        return None
    return session.scalar(
        select(Case).where(Case.reference == normalised).options(selectinload(Case.history))
    )


def act_on_case(
    session: Session,
    *,
    workflow: WorkflowDef,
    case: Case,
    action: str,
    actor_role: str,
    actor_id: str,
    now: datetime,
    reason: str | None = None,
    expected_version: int | None = None,
) -> CaseHistory:
    if expected_version is not None and expected_version != case.version:
        raise VersionConflict(f"{case.reference} is at version {case.version}, not {expected_version}")
    entry = apply_action(
        workflow=workflow, case=case, action=action, actor_role=actor_role, actor_id=actor_id, now=now, reason=reason
    )
    session.flush()  # raises StaleDataError if another worker changed the case meanwhile
    return entry
