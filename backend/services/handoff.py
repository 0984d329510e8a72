"""A person when asked: the citizen's conversation with the staff who serve them.

The workflow that `converses` (backend/workflows/handoff.yml) is the conversation: opening it
routes it to the area and department of the citizen's newest case (its ward's official holds it;
the supervisor and the office staff see it in their inbox), else to the first town's nodal
officer. While it is in a conversing state, the channels hand each message of the citizen to it
(a WRITE row in its history, the thread staff read) instead of the bot; a person's REPLY reaches
the citizen through the outbox; CLOSE hands the citizen back to the bot. Nothing here names the
service: the workflow's data says which one converses."""

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from backend.models import Case, InboundMessage
from backend.privacy import mask_phone
from backend.references import next_reference
from backend.services import media, places, routing
from backend.services.access import Actor, role_for
from backend.services.citizens import normalise_phone
from backend.settings import Settings
from backend.workflow import WorkflowDef, WorkflowError, apply_action
from common.clock import local_moment
from common.limits import MAX_TEXT_CHARS

logger = logging.getLogger(__name__)


class NoConversation(WorkflowError):
    """No workflow converses, or the citizen has no open conversation."""

    code = "no_conversation"


class Conversation(BaseModel, extra="forbid"):
    """A conversation's `details`: its area (the columns the inbox and the rights read) and what
    the staff are told of the citizen's situation."""

    ulb: str | None = None
    ward: str | None = None  # BMC-W12
    department: str | None = None
    office: str | None = None
    about: str | None = None  # the citizen's newest case, the reference staff look up first
    during: str | None = None  # the service the citizen was asking for when they asked for a person
    photos: list[str] | None = None  # the stored files of the photos they sent

    @classmethod
    def checked(cls, details: dict) -> dict:
        cls.model_validate(details)
        return details


def conversing_workflow(workflows: dict[str, WorkflowDef]) -> WorkflowDef:
    found = [w for w in workflows.values() if w.conversing_states]
    if len(found) != 1:
        raise NoConversation(f"{len(found)} workflows converse; one must")
    return found[0]


def _open_condition(workflows: dict[str, WorkflowDef]):  # noqa: ANN202
    return or_(
        *(and_(Case.service == w.service, Case.state.in_(w.conversing_states)) for w in workflows.values() if w.conversing_states)
    )


def open_conversation(session: Session, workflows: dict[str, WorkflowDef], phone: str) -> Case | None:
    """The citizen's conversation with a person that is still open, if any."""
    if not any(w.conversing_states for w in workflows.values()):
        return None
    return session.scalars(
        select(Case)
        .where(Case.citizen_phone == normalise_phone(phone), _open_condition(workflows))
        .order_by(Case.id.desc())
        .limit(1)
        .options(selectinload(Case.history))
    ).first()


def takes(session: Session, workflows: dict[str, WorkflowDef], inbound: InboundMessage) -> bool:
    """Whether this message goes to a person: the citizen's conversation was open before it came
    (the message that asked for a person, run again after a crash, is still the bot's to answer)."""
    if not any(w.conversing_states for w in workflows.values()):
        return False
    opened = session.scalar(
        select(Case.created_at)
        .where(Case.citizen_phone == inbound.phone, _open_condition(workflows))
        .order_by(Case.id.desc())
        .limit(1)
    )
    return opened is not None and opened < inbound.received_at


def _area(session: Session, workflows: dict[str, WorkflowDef], phone: str, masterdata_dir: Path) -> dict[str, str]:
    """Where the citizen's newest case is served (its town, ward, department, office); with no
    case, the first town, whose nodal officer answers."""
    conversing = {w.service for w in workflows.values() if w.conversing_states}
    newest = session.scalars(
        select(Case)
        .where(Case.citizen_phone == normalise_phone(phone), Case.service.not_in(conversing))
        .order_by(Case.id.desc())
        .limit(1)
    ).first()
    if newest is None:
        return {"ulb": places.ulbs(masterdata_dir)[0].code}
    details = newest.details or {}
    found = {
        "ulb": newest.ulb,
        "ward": details.get("ward") if newest.ward_number is not None else None,
        "department": newest.department,
        "office": None if newest.ulb else newest.office,  # a town's booking is its town's, not an office queue's
        "about": newest.reference,
    }
    area = {k: str(v) for k, v in found.items() if v}
    if not (area.get("ulb") or area.get("office")):  # a case served nowhere we know: the first town's
        area["ulb"] = places.ulbs(masterdata_dir)[0].code
    return area


def _holder(session: Session, details: dict[str, str]) -> routing.Official | None:
    """Who answers first: the ward's official of the department, else its supervisor in the town,
    else the town's nodal officer; a certificate office's staff see it in their inbox (no one holds it)."""
    if details.get("office") and not details.get("ulb"):
        return None
    if details.get("ward") and details.get("department"):
        official = routing.official_for(session, ward_code=details["ward"], department=details["department"])
        if official is not None:
            return official
    if details.get("department"):
        supervisor = routing.supervisor_of(session, ulb=details["ulb"], department=details["department"])
        if supervisor is not None:
            return supervisor
    return routing.nodal_officer_of(session, ulb=details["ulb"])


def open_for(
    session: Session,
    *,
    workflows: dict[str, WorkflowDef],
    masterdata_dir: Path,
    phone: str,
    language: str,
    channel: str,
    during: str | None,
    now: datetime,
    timezone: str,
    said: str | None = None,
) -> tuple[Case, bool]:
    """The citizen's open conversation, or a new one routed to who serves them (and whether it is new)."""
    workflow = conversing_workflow(workflows)
    earlier = open_conversation(session, workflows, phone)
    if earlier is not None:
        return earlier, False
    details = _area(session, workflows, phone, masterdata_dir)
    if during:
        details["during"] = during
    case = Case(
        reference=next_reference(session, prefix=workflow.reference_prefix, year=now.astimezone(ZoneInfo(timezone)).year),
        service=workflow.service,
        state=None,
        citizen_phone=normalise_phone(phone),
        language=language,
        channel=channel,
        details=Conversation.checked(details),
        created_at=now,
        updated_at=now,
    )
    holder = _holder(session, details)
    case.assignee_id = holder.id if holder else None
    session.add(case)  # the alert offers the holder's actions, read in this session
    created = apply_action(
        workflow=workflow,
        case=case,
        action=workflow.create_action.name,
        actor_role="CITIZEN",
        actor_id=case.citizen_phone,
        now=now,
        assignee=holder.contact if holder else None,
        reason=(said or "").strip()[:MAX_TEXT_CHARS] or None,
        variables={"due": local_moment(workflow.due(now, _respond_within(workflow)))},  # hours away: the hour counts
    )
    session.flush()
    logger.info("%s opened for %s, held by %s", case.reference, mask_phone(phone), case.assignee_id)
    assert created.to_state in workflow.conversing_states, "a conversation opens in a conversing state"
    return case, True


def _respond_within(workflow: WorkflowDef) -> float:
    """Hours a person has to answer a message (the opening state's SLA)."""
    return workflow.states[workflow.create_action.to].sla_hours or workflow.business_sla_hours


def answer_by(case: Case, workflows: dict[str, WorkflowDef], now: datetime) -> datetime:
    """When a person is due to answer: the step's deadline while the citizen waits, else a message
    written now would be due then."""
    workflow = workflows[case.service]
    if workflow.states[case.state].held and case.sla_due_at is not None:
        return case.sla_due_at
    return workflow.due(now, _respond_within(workflow))


def leave(session: Session, *, workflows: dict[str, WorkflowDef], phone: str, now: datetime) -> Case:
    """The citizen ends their conversation with a person (MENU): back to the assistant."""
    case = open_conversation(session, workflows, phone)
    if case is None:
        raise NoConversation(f"no open conversation for {mask_phone(phone)}")
    workflow = workflows[case.service]
    leave_action = next(
        a for a in workflow.actions if a.roles == ["CITIZEN"] and workflow.states[a.to].terminal and None not in a.from_states
    )
    apply_action(
        workflow=workflow, case=case, action=leave_action.name, actor_role="CITIZEN", actor_id=case.citizen_phone, now=now
    )
    session.flush()
    return case


@dataclass(frozen=True)
class Written:
    case_id: int
    media: list[str]  # the photos it carried, to fetch after the answer (attach_photos)


def write(session: Session, *, workflows: dict[str, WorkflowDef], inbound: InboundMessage, now: datetime) -> Written:
    """The citizen's message, with the links of what it carried, added to their open conversation."""
    case = open_conversation(session, workflows, inbound.phone)
    if case is None:
        raise NoConversation(f"no open conversation for {mask_phone(inbound.phone)}")
    workflow = workflows[case.service]
    payload = inbound.payload or {}
    media = [str(m.get("url")) for m in (payload.get("metadata") or {}).get("media") or [] if m.get("url")]
    location = (payload.get("metadata") or {}).get("location")
    said = [str(payload.get("text") or "").strip(), *media]
    if location:
        said.append(f"{location.get('latitude')},{location.get('longitude')}")
    message = "\n".join(s for s in said if s)[:MAX_TEXT_CHARS]
    if not message:  # a sticker, a reaction: nothing to pass on
        return Written(case.id, [])
    write_action = next(
        a for a in workflow.actions if None not in a.from_states and a.to in workflow.conversing_states and a.roles == ["CITIZEN"]
    )
    role = role_for(Actor.citizen(inbound.phone), case, write_action)
    holder = routing.official_by_id(session, case.assignee_id)
    apply_action(
        workflow=workflow,
        case=case,
        action=write_action.name,
        actor_role=role,
        actor_id=case.citizen_phone,
        now=now,
        reason=message,
        assignee=holder.contact if holder else None,
    )
    session.flush()
    return Written(case.id, media)


def attach_photos(session: Session, *, settings: Settings, case_id: int, urls: list[str]) -> None:
    """The photos a citizen sent, fetched (from Twilio, with the account's credentials) and kept with
    the conversation, so the staff see them on its page; one that cannot be fetched keeps its link."""
    names = [fetched.name for fetched in (media.fetch_photo(settings, url) for url in urls) if fetched.name]
    if not names:
        return
    for attempt in (1, 2):  # a person replying meanwhile bumps the version: read again
        case = session.get_one(Case, case_id, populate_existing=True)
        case.details = Conversation.checked({**case.details, "photos": [*(case.details.get("photos") or []), *names]})
        try:
            session.commit()
            return
        except StaleDataError:
            session.rollback()
            if attempt == 2:
                raise
