"""The citizen's verdict after resolution (Mo Sarkar): "not solved" reopens the case within the
workflow's window; otherwise a rating 1-5 closes it and is counted for the official who held it.
And the figures officials are scored on: resolution time, SLA compliance, average rating."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Case, CaseHistory, Feedback, OutboxMessage
from backend.services.access import Actor
from backend.services.cases import act_on_case
from backend.services.categories import may_be_about
from backend.services.citizens import normalise_phone
from backend.workflow import WorkflowDef, WorkflowError
from common.references import normalise_reference

VERDICT = "RATE"  # the citizen's verdict, in every workflow that takes one: the states it leaves from wait for it
RECENT_NOTICES = 50  # how far back the notices to a phone are looked through for an open verdict


@dataclass(frozen=True)
class OpenVerdict:
    """A verdict the citizen was asked for and has not given: the notice that asked (its words and
    values) and the numbered answers it offered, so it can be asked again."""

    reference: str
    key: str
    variables: dict
    menu: dict[str, str]
    state: str  # the case's state the verdict is asked about (resolved, rejected...)


def waits_for_verdict(workflow: WorkflowDef, case: Case) -> bool:
    return any(a.name == VERDICT and case.state in a.from_states for a in workflow.actions)


def open_verdict(
    session: Session,
    *,
    workflows: Mapping[str, WorkflowDef],
    phone: str,
    reference: str | None = None,
    asked_since: datetime | None = None,
    about: tuple[Path, str] | None = None,
) -> OpenVerdict | None:
    """The newest notice to this phone with numbered answers, on a case of theirs that still waits
    for its verdict and sent since the case came into its state (not an older question), whatever
    the citizen said since (a status question, another request...). `about`: (the master data, the words
    of a new complaint): only a complaint those words may be about, the one it may reopen."""
    citizen = normalise_phone(phone)
    query = (
        select(OutboxMessage, Case)
        .join(Case, OutboxMessage.case_id == Case.id)
        .where(Case.citizen_phone == citizen, OutboxMessage.recipient == citizen, OutboxMessage.kind == "notification")
        .order_by(OutboxMessage.id.desc())
        .limit(RECENT_NOTICES)
    )
    if reference:
        query = query.where(Case.reference == (normalise_reference(reference) or reference.upper()))
    if asked_since:
        query = query.where(OutboxMessage.created_at >= asked_since)
    for message, case in session.execute(query):
        workflow = workflows.get(case.service)
        entered = case.history[-1].at if case.history else None
        if not (message.menu and message.locale_key and workflow and waits_for_verdict(workflow, case)):
            continue
        if about and not (case.details.get("category") and may_be_about(*about, case.details["category"])):
            continue
        if entered is None or message.created_at >= entered:
            return OpenVerdict(case.reference, message.locale_key, dict(message.variables or {}), dict(message.menu), case.state)
    return None


class NotOwner(WorkflowError):
    code = "not_owner"


class InvalidRating(WorkflowError):
    code = "invalid_rating"


def give_feedback(
    session: Session,
    *,
    workflow: WorkflowDef,
    masterdata_dir: Path,
    case: Case,
    phone: str,
    solved: bool,
    rating: int | None,
    comment: str | None,
    now: datetime,
) -> str:
    """Returns "reopened" or "closed"; raises a WorkflowError (window_closed, wrong_state, ...) otherwise."""
    if normalise_phone(phone) != case.citizen_phone:
        raise NotOwner("only the citizen who filed it can give the verdict")
    if not solved:
        act_on_case(
            session,
            workflow=workflow,
            masterdata_dir=masterdata_dir,
            case=case,
            action="REOPEN",
            actor=Actor.citizen(case.citizen_phone),
            now=now,
            reason=comment or "not solved",
        )
        session.commit()
        return "reopened"
    if rating is None or not 1 <= rating <= 5:
        raise InvalidRating("a rating is 1 to 5")
    act_on_case(
        session,
        workflow=workflow,
        masterdata_dir=masterdata_dir,
        case=case,
        action=VERDICT,
        actor=Actor.citizen(case.citizen_phone),
        now=now,
    )
    session.add(
        Feedback(
            case_id=case.id,
            official_id=case.assignee_id,
            department=case.details.get("department"),
            rating=rating,
            comment=(comment or None),
            at=now,
        )
    )
    session.commit()
    return "closed"


@dataclass
class Performance:
    official_id: str
    resolved: int = 0
    within_sla: int = 0
    hours_to_resolve: float = 0.0
    ratings: int = 0
    rating_total: int = 0

    def as_dict(self) -> dict:
        return {
            "official_id": self.official_id,
            "resolved": self.resolved,
            "average_hours_to_resolve": round(self.hours_to_resolve / self.resolved, 1) if self.resolved else None,
            "sla_compliance": round(self.within_sla / self.resolved, 3) if self.resolved else None,
            "ratings": self.ratings,
            "average_rating": round(self.rating_total / self.ratings, 2) if self.ratings else None,
        }


def performance(session: Session, *, department: str | None = None) -> list[dict]:
    """Per official who resolved something or was rated: counts, time and SLA from the history,
    ratings from the feedback. Both count for the official holding the case (after a resolution
    only REOPEN moves it on, and that keeps the holder)."""
    rows: dict[str, Performance] = {}
    resolutions = session.execute(
        select(Case, CaseHistory).join(CaseHistory, CaseHistory.case_id == Case.id).where(CaseHistory.action == "RESOLVE")
    ).all()
    for case, entry in resolutions:
        if department and case.details.get("department") != department:
            continue
        holder = case.assignee_id or "unassigned"
        stats = rows.setdefault(holder, Performance(holder))
        hours = (entry.at - case.created_at).total_seconds() / 3600
        stats.resolved += 1
        stats.hours_to_resolve += hours
        stats.within_sla += hours <= float(case.details.get("sla_hours", 0) or 0)
    query = select(Feedback)
    if department:
        query = query.where(Feedback.department == department)
    for feedback in session.scalars(query):
        stats = rows.setdefault(feedback.official_id or "unassigned", Performance(feedback.official_id or "unassigned"))
        stats.ratings += 1
        stats.rating_total += feedback.rating
    return [rows[k].as_dict() for k in sorted(rows)]
