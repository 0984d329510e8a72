"""Certificates and licences: an office works its queue in order (Tatkal first, then first in,
first out), issuing signs the document; the citizen is promised the service's days."""

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from backend.models import Case
from backend.services import certificates
from backend.services.hooks.base import Act, Hooks, Words
from backend.settings import Settings
from backend.workflow import WorkflowDef


class OfficeQueue(Hooks):
    def act(self, session: Session, act: Act) -> None:
        certificates.act(
            session,
            settings=act.settings,
            workflow=act.workflow,
            case=act.case,
            action=act.action,
            actor=act.actor,
            now=act.now,
            reason=act.reason,
            out_of_order_reason=act.out_of_order_reason,
        )

    def submit(self, case: Case, *, workflow: WorkflowDef, settings: Settings, now: datetime) -> None:
        certificates.submit(case, workflow=workflow, now=now)

    def facts(self, case: Case, *, words: Words, masterdata_dir: Path, personal: bool) -> list[tuple[str, str]]:
        lane = "case.lane_tatkal" if (case.details or {}).get("lane") == "tatkal" else "case.lane_normal"
        return [(words("case.lane"), words(lane))]

    def overdue(
        self, session: Session, case: Case, *, workflow: WorkflowDef, action: str, settings: Settings, now: datetime
    ) -> bool:
        """A step the office let wait goes up to the district office; the citizen hears the new date."""
        return certificates.escalate(case, workflow=workflow, masterdata_dir=settings.masterdata_dir, action=action, now=now)

    def paid(self, case: Case, *, workflow: WorkflowDef, settings: Settings, now: datetime) -> None:
        certificates.paid(case, workflow=workflow, now=now)

    def promised_by(self, case: Case) -> datetime | None:
        return certificates.promised_by(case)
