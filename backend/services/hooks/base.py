"""The general behaviour every service has unless its workflow names other hooks."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from backend.models import Case
from backend.services import certificates
from backend.services.access import Actor
from backend.services.cases import act_on_case, earlier_filing
from backend.services.catalog import ServiceDef, ServiceForm
from backend.services.payments import Link
from backend.settings import Settings
from backend.workflow import WorkflowDef, WorkflowError, apply_action


class NoVerdict(WorkflowError):
    """This service's cases take no verdict from the citizen."""

    code = "unknown_reference"


@dataclass(frozen=True)
class Act:
    """A person's action on a case, with what they give beside its name (each service reads what it needs)."""

    settings: Settings
    workflow: WorkflowDef
    case: Case
    actor: Actor
    action: str
    now: datetime
    reason: str | None = None
    out_of_order_reason: str | None = None
    assignee_id: str | None = None
    plant_code: str | None = None
    volume_litres: int | None = None
    expected_version: int | None = None
    proof_photo: str | None = None  # a stored photo of the work (workflow `proof`), and its link for the notices
    proof_url: str | None = None


@dataclass(frozen=True)
class Verdict:
    """The citizen's word on their case: solved or not, a rating 1-5, a comment."""

    settings: Settings
    workflow: WorkflowDef
    case: Case
    phone: str
    solved: bool
    rating: int | None
    comment: str | None
    now: datetime


class NotFiledByAnswers(WorkflowError):
    """This service's cases are not filed from a form's answers this way."""

    code = "unknown_service"


@dataclass(frozen=True)
class Filing:
    """A form's answers (the citizen's words per field), to be checked by their fields and filed
    as a case of the service."""

    settings: Settings
    workflow: WorkflowDef
    definition: ServiceForm
    answers: dict[str, str]
    documents: dict[str, str]
    tatkal: bool
    phone: str
    language: str
    channel: str
    actor_role: str
    actor_id: str
    idempotency_key: str | None
    now: datetime


def request_checked(session: Session, filing: Filing) -> tuple[Case | None, dict[str, Any]]:
    """A form that is no application (a request, a complaint), filed by its own hooks: -> (the case a
    retry of the same filing already made, else None; the answers' values, checked by their fields).
    It has no Tatkal, and no documents but a photo sent with an answer that keeps one (with_photo)."""
    earlier = earlier_filing(session, filing.idempotency_key)
    if earlier is not None:  # the same filing again: its case, whatever the day now
        return earlier, {}
    photos = {f.name for f in filing.definition.fields if f.with_photo}
    if filing.tatkal or set(filing.documents) - photos:
        raise certificates.InvalidApplication("tatkal" if filing.tatkal else "documents", "not_allowed")
    values, _ = certificates.check_answers(
        filing.definition, filing.answers, settings=filing.settings, language=filing.language, now=filing.now
    )
    return None, values


class Words(Protocol):
    """The reader's words (the console's): a console locale key rendered in their language."""

    language: str

    def __call__(self, key: str, **variables: Any) -> str: ...


class Hooks:
    takes_verdict = False  # whether the citizen closes, reopens or rates its cases
    files_forms = False  # whether a catalog service's form that is no application is filed by these hooks

    def act(self, session: Session, act: Act) -> None:
        act_on_case(
            session,
            workflow=act.workflow,
            case=act.case,
            action=act.action,
            actor=act.actor,
            now=act.now,
            masterdata_dir=act.settings.masterdata_dir,
            reason=act.reason,
            expected_version=act.expected_version,
            assignee_id=act.assignee_id,
            proof_photo=act.proof_photo,
            proof_url=act.proof_url,
        )

    def file(self, session: Session, filing: Filing) -> tuple[Case, bool, Link | None]:
        """An application to the catalog's service: -> (the case, whether it is new, its payment
        link). Once filed with nothing to pay, `submit` sends it on (an office's queue, an operator)."""
        if not isinstance(filing.definition, ServiceDef):
            raise NotFiledByAnswers(f"{filing.workflow.service} is not filed by its answers")
        return certificates.apply(
            session,
            settings=filing.settings,
            workflow=filing.workflow,
            definition=filing.definition,
            answers=filing.answers,
            documents=filing.documents,
            tatkal=filing.tatkal,
            phone=filing.phone,
            language=filing.language,
            channel=filing.channel,
            actor_role=filing.actor_role,
            actor_id=filing.actor_id,
            idempotency_key=filing.idempotency_key,
            now=filing.now,
            submit=lambda filed: self.submit(filed, workflow=filing.workflow, settings=filing.settings, now=filing.now),
        )

    def attach_media(
        self, session: Session, *, settings: Settings, case_id: int, documents: dict[str, str], now: datetime
    ) -> None:
        """The files a filing sent (WhatsApp media links), fetched after the citizen was answered."""
        certificates.attach_documents(session, settings=settings, case_id=case_id)

    def submit(self, case: Case, *, workflow: WorkflowDef, settings: Settings, now: datetime) -> None:
        """A filed case with nothing to pay goes on."""
        apply_action(workflow=workflow, case=case, action="SUBMIT", actor_role="SYSTEM", actor_id="billing", now=now)

    def paid(self, case: Case, *, workflow: WorkflowDef, settings: Settings, now: datetime) -> None:
        """The payment webhook confirmed payment."""
        if case.state == "PENDING_PAYMENT":
            apply_action(workflow=workflow, case=case, action="PAY", actor_role="SYSTEM", actor_id="payments", now=now)
        case.details = {**case.details, "paid": True}

    def overdue(
        self, session: Session, case: Case, *, workflow: WorkflowDef, action: str, settings: Settings, now: datetime
    ) -> bool:
        """The sweep takes the workflow's step for a case past its deadline (`when_overdue`); False
        when it could not (the case is marked so the sweep leaves it)."""
        apply_action(workflow=workflow, case=case, action=action, actor_role="SYSTEM", actor_id="sla-sweep", now=now)
        return True

    def facts(self, case: Case, *, words: Words, masterdata_dir: Path, personal: bool) -> list[tuple[str, str]]:
        """What a case page shows of this service beyond what every case shows (personal data only when `personal`)."""
        return []

    def progress(self, case: Case, *, settings: Settings, language: str) -> dict:
        """What the status adds to the state and holder (a plant, a vehicle)."""
        return {}

    def promised_by(self, case: Case) -> datetime | None:
        """The service's own promise to the citizen, when it is not the current step's SLA."""
        return None

    def verdict(self, session: Session, verdict: Verdict) -> str:
        raise NoVerdict(f"{verdict.case.reference} takes no verdict")
