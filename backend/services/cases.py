"""Reading a case and acting on it, whatever its service."""

from datetime import datetime
from pathlib import Path

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session, selectinload

from backend.models import Case, CaseHistory, Person, ReferenceCounter
from backend.services import audit, routing
from backend.services.access import Actor, Refused, may_hold, role_for
from backend.services.citizens import normalise_phone
from backend.workflow import WorkflowDef, WorkflowError, apply_action
from common.references import format_reference, normalise_reference


class VersionConflict(Exception):
    """The caller acted on a version of the case that is no longer current."""


class UnknownOfficial(WorkflowError):
    code = "unknown_official"


def earlier_filing(session: Session, idempotency_key: str | None) -> Case | None:
    """The case a retried filing already made (same Idempotency-Key), if any."""
    if not idempotency_key:
        return None
    return session.scalar(select(Case).where(Case.idempotency_key == idempotency_key))


def find_case(session: Session, reference: str, phone: str | None = None) -> Case | None:
    """By reference number; on a keypad the citizen types the digits alone (2026000045), which is
    enough when only one service has that year and number, or only one of them is the caller's."""
    candidates = [normalise_reference(reference)]
    digits = (reference or "").strip().rstrip("#")
    if candidates[0] is None and digits.isdigit() and 5 <= len(digits) <= 10:
        # Every prefix that ever numbered a case that year (the catalog's services and the workflows').
        year = int(digits[:4])
        prefixes = session.scalars(select(ReferenceCounter.prefix).where(ReferenceCounter.year == year)).all()
        candidates = [format_reference(prefix, year, int(digits[4:])) for prefix in prefixes]
    found = session.scalars(
        select(Case).where(Case.reference.in_([c for c in candidates if c])).options(selectinload(Case.history))
    ).all()
    if len(found) > 1 and phone:
        found = [c for c in found if c.citizen_phone == normalise_phone(phone)]
    return found[0] if len(found) == 1 else None


def act_on_case(
    session: Session,
    *,
    workflow: WorkflowDef,
    case: Case,
    action: str,
    actor: Actor,
    now: datetime,
    masterdata_dir: Path,
    reason: str | None = None,
    expected_version: int | None = None,
    assignee_id: str | None = None,
    proof_photo: str | None = None,
    proof_url: str | None = None,
) -> CaseHistory:
    """The actor's role and area decide (access.role_for: Refused otherwise); the action is
    audited with the case. assignee_id: hand the case to this official (ASSIGN, REASSIGN);
    otherwise it stays with whoever holds it, who is told if the action says so. proof_photo: a
    photo of the work (an action with `proof`), kept with the case; its link goes with the notices."""
    definition = workflow.action(action)
    role = role_for(actor, case, definition)
    # A reply stands whatever the citizen wrote meanwhile (each message is a new version of the case).
    if expected_version is not None and expected_version != case.version and not definition.message:
        raise VersionConflict(f"{case.reference} is at version {case.version}, not {expected_version}")
    if assignee_id is not None:
        person = session.get(Person, assignee_id)
        if person is None:
            raise UnknownOfficial(f"no official {assignee_id}", official=assignee_id)
        if not may_hold(person, case):
            raise Refused("assignee_not_in_area")
        case.assignee_id = assignee_id
    if proof_photo and definition.proof:
        case.details = {**case.details, "proof_photo": proof_photo}
    holder = routing.official_by_id(session, case.assignee_id)
    entry = apply_action(
        workflow=workflow,
        case=case,
        action=action,
        actor_role=role,
        actor_id=actor.id,
        now=now,
        reason=reason,
        assignee=holder.contact if holder else None,
        media_url=proof_url if proof_photo and definition.proof else None,
    )
    audit.record(session, actor=actor, action="case.act", now=now, case=case, detail={"action": action, "role": role})
    session.flush()  # raises StaleDataError if another worker changed the case meanwhile
    return entry


def holder_of(session: Session, case: Case, *, workflow: WorkflowDef) -> str:
    """Who holds the case, in plain terms: official, supervisor, nobody (not yet assigned), or
    done when no one needs to act (resolved, closed...)."""
    state = workflow.states[case.state]
    if not state.held:
        return "done"
    if state.holder:
        return state.holder
    holder = routing.official_by_id(session, case.assignee_id)
    return holder.role.lower() if holder else "nobody"


def settled_at(case: Case) -> datetime | None:
    """When the case entered the state it is in (the newest transition into it)."""
    return next((row.at for row in reversed(case.history) if row.to_state == case.state), None)


def case_with_file(session: Session, name: str) -> Case | None:
    """The case whose details name this stored file (a complaint's photo, an application's
    document): file names are random, so the name alone finds its one case."""
    return session.scalars(select(Case).where(cast(Case.details, String).contains(name)).limit(1)).first()


def cases_of(session: Session, *, phone: str, limit: int = 10) -> list[Case]:
    """The phone's cases, newest first."""
    return list(
        session.scalars(select(Case).where(Case.citizen_phone == normalise_phone(phone)).order_by(Case.id.desc()).limit(limit))
    )
