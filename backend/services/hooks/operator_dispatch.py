"""Requests served by an operator's vehicle at the citizen's door (desludging, a water tanker):
assignment once paid to an operator of the serving town who serves the service, the operator's
steps (the workflow's OPERATOR actions; desludging's disposal names a treatment plant), the
vehicle and plant in the status, and the citizen's rating that completes the request."""

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from backend.models import Case
from backend.services import desludging
from backend.services.catalog import ServiceDef
from backend.services.feedback import InvalidRating
from backend.services.hooks.base import Act, Filing, Hooks, Verdict, Words, request_checked
from backend.services.payments import Link
from backend.settings import Settings
from backend.workflow import WorkflowDef
from common.clock import local_day
from common.money import indian_grouping


def operator_actions(workflow: WorkflowDef) -> tuple[str, ...]:
    """The steps an operator takes on a job (accept, decline, and the service's last step)."""
    return tuple(a.name for a in workflow.actions if "OPERATOR" in a.roles)


class OperatorDispatch(Hooks):
    takes_verdict = True
    files_forms = True

    def file(self, session: Session, filing: Filing) -> tuple[Case, bool, Link | None]:
        """A desludging request from its form's answers; a visit of the catalog (a water tanker) is an application."""
        if isinstance(filing.definition, ServiceDef):
            return super().file(session, filing)
        earlier, values = request_checked(session, filing)
        if earlier is not None:
            return earlier, False, None
        request = desludging.request_from(values, phone=filing.phone, language=filing.language, channel=filing.channel)
        return desludging.file_request(
            session,
            workflow=filing.workflow,
            settings=filing.settings,
            request=request,
            actor_role=filing.actor_role,
            actor_id=filing.actor_id,
            idempotency_key=filing.idempotency_key,
            now=filing.now,
        )

    def act(self, session: Session, act: Act) -> None:
        if act.action not in operator_actions(act.workflow):
            super().act(session, act)
            return
        desludging.operator_step(
            session,
            act.case,
            workflow=act.workflow,
            settings=act.settings,
            actor=act.actor,
            action=act.action,
            now=act.now,
            reason=act.reason,
            plant_code=act.plant_code,
            volume_litres=act.volume_litres,
        )

    def overdue(
        self, session: Session, case: Case, *, workflow: WorkflowDef, action: str, settings: Settings, now: datetime
    ) -> bool:
        """An operator who let the job wait is passed over like one who declined it."""
        desludging.time_out(case, workflow=workflow, masterdata_dir=settings.masterdata_dir, action=action, now=now)
        return True

    def submit(self, case: Case, *, workflow: WorkflowDef, settings: Settings, now: datetime) -> None:
        desludging.submit(case, workflow=workflow, masterdata_dir=settings.masterdata_dir, now=now)

    def facts(self, case: Case, *, words: Words, masterdata_dir: Path, personal: bool) -> list[tuple[str, str]]:
        """A desludging request's applicant, address, tank and day, and where the waste went (a
        catalog booking's answers are shown by their labels instead)."""
        details, rows = case.details or {}, []
        if "size_litres" in details and not details.get("certificate_type"):  # a catalog visit shows its answers
            if personal:
                rows.append((words("case.applicant"), details.get("applicant_name", "")))
                rows.append(
                    (words("case.address"), ", ".join(str(details[k]) for k in ("landmark", "village", "pin") if details.get(k)))
                )
            rows.append(
                (
                    words("case.tank_label"),
                    words("case.tank", litres=indian_grouping(details["size_litres"]), trips=details.get("trips", "")),
                )
            )
        if details.get("preferred_date"):
            rows.append((words("case.preferred_date"), local_day(details["preferred_date"])))
        disposal = details.get("disposal")
        if disposal:
            plant = desludging.plant_name(masterdata_dir, disposal["plant"], words.language) or disposal["plant"]
            rows.append((words("state.DISPOSED"), words("case.disposal", litres=disposal["volume_litres"], plant=plant)))
        return rows

    def paid(self, case: Case, *, workflow: WorkflowDef, settings: Settings, now: datetime) -> None:
        desludging.paid(case, workflow=workflow, masterdata_dir=settings.masterdata_dir, now=now)

    def progress(self, case: Case, *, settings: Settings, language: str) -> dict:
        return desludging.progress(case, masterdata_dir=settings.masterdata_dir, language=language)

    def verdict(self, session: Session, verdict: Verdict) -> str:
        """A visit is completed by its rating (and a comment below 3)."""
        if verdict.rating is None:
            raise InvalidRating("a rating is 1 to 5")
        desludging.rate(
            session, verdict.case, workflow=verdict.workflow, phone=verdict.phone, rating=verdict.rating,
            comment=verdict.comment, now=verdict.now,
        )  # fmt: skip
        session.commit()
        return "completed"
