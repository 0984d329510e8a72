"""Reading a case and acting on it, whatever its service."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.models import Case, CaseHistory
from backend.references import SERVICE_PREFIXES, format_reference, normalise_reference
from backend.workflow import WorkflowDef, apply_action


class VersionConflict(Exception):
    """The caller acted on a version of the case that is no longer current."""


def find_case(session: Session, reference: str) -> Case | None:
    """By reference number; on a keypad the citizen types the digits alone (2026000045), which is
    enough when only one service has that year and number."""
    candidates = [normalise_reference(reference)]
    digits = (reference or "").strip().rstrip("#")
    if candidates[0] is None and digits.isdigit() and 5 <= len(digits) <= 10:
        candidates = [format_reference(prefix, int(digits[:4]), int(digits[4:])) for prefix in SERVICE_PREFIXES]
    found = session.scalars(
        select(Case).where(Case.reference.in_([c for c in candidates if c])).options(selectinload(Case.history))
    ).all()
    return found[0] if len(found) == 1 else None


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
