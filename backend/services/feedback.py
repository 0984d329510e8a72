"""The citizen's verdict after resolution (Mo Sarkar): "not solved" reopens the case within the
workflow's window; otherwise a rating 1-5 closes it and is counted for the official who held it.
And the figures officials are scored on: resolution time, SLA compliance, average rating."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Case, CaseHistory, Feedback
from backend.services.access import Actor
from backend.services.cases import act_on_case
from backend.services.citizens import normalise_phone
from backend.workflow import WorkflowDef, WorkflowError


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
        action="RATE",
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
