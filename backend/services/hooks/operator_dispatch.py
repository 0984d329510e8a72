"""Requests served by an operator's vehicle (desludging): assignment once paid, the operator's
steps with the disposal at a treatment plant, the vehicle and plant in the status, and the
citizen's rating that completes the request."""

from datetime import datetime

from sqlalchemy.orm import Session

from backend.models import Case
from backend.services import desludging
from backend.services.access import Actor
from backend.services.feedback import InvalidRating
from backend.services.hooks.base import Hooks, Step
from backend.settings import Settings
from backend.workflow import WorkflowDef

OPERATOR_ACTIONS = ("ACCEPT", "DECLINE", "DISPOSE")


class OperatorDispatch(Hooks):
    takes_verdict = True

    def act(
        self,
        session: Session,
        *,
        settings: Settings,
        workflow: WorkflowDef,
        case: Case,
        actor: Actor,
        action: str,
        now: datetime,
        step: Step,
    ) -> None:
        if action not in OPERATOR_ACTIONS:
            super().act(session, settings=settings, workflow=workflow, case=case, actor=actor, action=action, now=now, step=step)
            return
        desludging.operator_step(
            session,
            case,
            workflow=workflow,
            masterdata_dir=settings.masterdata_dir,
            actor=actor,
            action=action,
            now=now,
            reason=step.reason,
            plant_code=step.plant_code,
            volume_litres=step.volume_litres,
        )

    def paid(self, case: Case, *, workflow: WorkflowDef, settings: Settings, now: datetime) -> None:
        desludging.paid(case, workflow=workflow, masterdata_dir=settings.masterdata_dir, now=now)

    def progress(self, case: Case, *, settings: Settings, language: str) -> dict:
        return desludging.progress(case, masterdata_dir=settings.masterdata_dir, language=language)

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
        """A visit is completed by its rating (and a comment below 3)."""
        if rating is None:
            raise InvalidRating("a rating is 1 to 5")
        desludging.rate(session, case, workflow=workflow, phone=phone, rating=rating, comment=comment, now=now)
        session.commit()
        return "completed"
