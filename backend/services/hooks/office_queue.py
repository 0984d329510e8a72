"""Certificates and licences: an office works its queue in order (Tatkal first, then first in,
first out), issuing signs the document; the citizen is promised the service's days."""

from datetime import datetime

from sqlalchemy.orm import Session

from backend.models import Case
from backend.services import certificates
from backend.services.access import Actor
from backend.services.hooks.base import Hooks, Step
from backend.settings import Settings
from backend.workflow import WorkflowDef


class OfficeQueue(Hooks):
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
        certificates.act(
            session,
            settings=settings,
            workflow=workflow,
            case=case,
            action=action,
            actor=actor,
            now=now,
            reason=step.reason,
            out_of_order_reason=step.out_of_order_reason,
        )

    def paid(self, case: Case, *, workflow: WorkflowDef, settings: Settings, now: datetime) -> None:
        certificates.paid(case, workflow=workflow, now=now)

    def promised_by(self, case: Case) -> datetime | None:
        return certificates.promised_by(case)
