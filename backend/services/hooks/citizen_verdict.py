"""Grievances: the citizen closes the case with a rating, or reopens it as not solved."""

from datetime import datetime

from sqlalchemy.orm import Session

from backend.models import Case
from backend.services import feedback
from backend.services.hooks.base import Hooks
from backend.settings import Settings
from backend.workflow import WorkflowDef


class CitizenVerdict(Hooks):
    takes_verdict = True

    def verdict(
        self,
        session: Session,
        *,
        settings: Settings,
        workflow: WorkflowDef,
        case: Case,
        phone: str,
        solved: bool,
        rating: int | None,
        comment: str | None,
        now: datetime,
    ) -> str:
        return feedback.give_feedback(
            session,
            workflow=workflow,
            masterdata_dir=settings.masterdata_dir,
            case=case,
            phone=phone,
            solved=solved,
            rating=rating,
            comment=comment,
            now=now,
        )
