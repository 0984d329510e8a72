"""The SLA sweep: a grievance whose state's SLA has passed goes to the department's supervisor,
once, through the workflow's ESCALATE action (history row, alerts to the supervisor and the citizen).

A case that cannot be escalated (no supervisor for its department in its town) is marked
(escalation_blocked_at) and its town's nodal officer is alerted, once: the sweep takes the oldest
overdue cases first, and unmarked, a hundred such cases would fill every batch and stop escalation
everywhere. A case that fails for any other reason is rolled back and marked too, for the same reason.

Several workers may sweep at the same moment: each case is handled in its own transaction and the
case's version column makes a second worker's update fail (StaleDataError), which it skips. A case
escalated or marked before is not picked again."""

import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import literal, select, tuple_, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from backend.models import Case, Person, UtcDateTime
from backend.services import routing
from backend.services.hooks import hooks_for
from backend.services.outbox import Contact, notify, notify_holder, ward_values
from backend.settings import Settings
from backend.workflow import WorkflowDef, WorkflowError, apply_action
from common.clock import local_moment

logger = logging.getLogger(__name__)
ACTION = "ESCALATE"
NO_SUPERVISOR_KEY = "utter_alert_case_unescalatable"


def sweep(session: Session, *, workflow: WorkflowDef, masterdata_dir: Path, now: datetime, batch: int = 100) -> list[str]:
    """Escalates what is overdue, oldest first, a batch at a time until none is left; returns the
    references this call escalated."""
    escalate = workflow.action(ACTION)
    escalated: list[str] = []
    after: tuple[datetime | None, int] | None = None  # keyset: a case skipped below is not read again
    while True:
        query = (
            select(Case)
            .where(
                Case.service == workflow.service,
                Case.state.in_([s for s in escalate.from_states if s]),
                Case.sla_due_at <= now,
                Case.escalations == 0,
                Case.escalation_blocked_at.is_(None),
            )
            .order_by(Case.sla_due_at, Case.id)
            .limit(batch)
            .options(selectinload(Case.history))
        )
        if after is not None:
            query = query.where(tuple_(Case.sla_due_at, Case.id) > tuple_(literal(after[0], UtcDateTime()), literal(after[1])))
        overdue = session.scalars(query).all()
        if not overdue:
            return escalated
        after = (overdue[-1].sla_due_at, overdue[-1].id)
        for case in overdue:
            if reference := _handle(session, case, workflow=workflow, escalate=escalate, now=now):
                escalated.append(reference)
        if len(overdue) < batch:
            return escalated


def _handle(session: Session, case: Case, *, workflow: WorkflowDef, escalate, now: datetime) -> str | None:  # noqa: ANN001
    # A rollback below reloads the remaining cases: one another sweeper handled meanwhile is skipped.
    if (
        case.escalations
        or case.escalation_blocked_at
        or case.state not in escalate.from_states
        or case.sla_due_at is None
        or case.sla_due_at > now
    ):
        return None
    reference, case_id = case.reference, case.id
    try:
        department = case.department or ""
        supervisor = routing.supervisor_of(session, ulb=case.ulb, department=department) if case.ulb else None
        if supervisor is None:
            _block(session, case, now=now)
            session.commit()
            return None
        case.assignee_id = supervisor.id
        case.escalations += 1
        apply_action(
            workflow=workflow,
            case=case,
            action=ACTION,
            actor_role="SYSTEM",
            actor_id="sla-sweep",
            now=now,
            assignee=supervisor.contact,
        )
        session.commit()
    except (StaleDataError, WorkflowError):  # another worker moved it first
        session.rollback()
        return None
    except Exception:
        session.rollback()
        logger.exception("%s could not be escalated; marked, the sweep goes on", reference)
        _mark_failed(session, case_id, now)
        return None
    logger.info("%s escalated to %s", reference, supervisor.id)
    return reference


def _block(session: Session, case: Case, *, now: datetime) -> None:
    """Marked so it is not picked again; the town's nodal officer hears of it, in the same transaction."""
    case.escalation_blocked_at = now
    case.updated_at = now
    nodal = routing.nodal_officer_of(session, ulb=case.ulb) if case.ulb else None
    if nodal is not None and nodal.id == case.assignee_id:
        return  # the nodal officer holds it already: there is no one above to tell
    if nodal is None:
        logger.error("%s is overdue with no supervisor and no nodal officer on the roster for its town", case.reference)
        return
    category = case.details.get("category")
    notify(
        case,
        to=nodal.contact,
        key=NO_SUPERVISOR_KEY,
        now=now,
        **ward_values(case),
        category_key=f"{case.service}_category.{category}" if category else "",
    )
    logger.warning("%s is overdue and its department has no supervisor; nodal officer %s alerted", case.reference, nodal.id)


def _mark_failed(session: Session, case_id: int, now: datetime) -> None:
    try:
        session.execute(
            update(Case)
            .where(Case.id == case_id, Case.escalation_blocked_at.is_(None))
            .values(escalation_blocked_at=now, version=Case.version + 1)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    except Exception:  # the database itself is failing: the next sweep tries again
        session.rollback()
        logger.exception("case %s could not be marked", case_id)


def take_overdue_steps(
    session: Session, *, workflow: WorkflowDef, settings: Settings, now: datetime, batch: int = 100
) -> list[str]:
    """The workflow's own steps for a case left past its deadline (`when_overdue`: a conversation
    no one wrote in for days is closed), each case once, safe with several sweepers."""
    done: list[str] = []
    for action in (a for a in workflow.actions if a.when_overdue):
        states = [s for s in action.from_states if s]
        while True:
            overdue = session.scalars(
                select(Case)
                .where(
                    Case.service == workflow.service,
                    Case.state.in_(states),
                    Case.sla_due_at <= now,
                    Case.escalation_blocked_at.is_(None),  # no one above to take it (a district's own step)
                )
                .order_by(Case.sla_due_at, Case.id)
                .limit(batch)
                .options(selectinload(Case.history))
            ).all()
            if not overdue:
                break
            before = len(done)
            for case in overdue:
                reference, case_id = case.reference, case.id
                try:
                    # Read again: a rollback for an earlier case expired it, and another sweeper may
                    # have taken this step meanwhile (its fresh state then no longer qualifies).
                    session.refresh(case)
                    if (
                        case.state not in states
                        or case.sla_due_at is None
                        or case.sla_due_at > now
                        or case.escalation_blocked_at is not None
                    ):
                        continue
                    acted = hooks_for(workflow).overdue(
                        session, case, workflow=workflow, action=action.name, settings=settings, now=now
                    )
                    session.commit()
                    if acted:
                        done.append(reference)
                except (StaleDataError, WorkflowError):  # another sweeper, or a person, moved it first
                    session.rollback()
                except Exception:  # one case must not stop the sweep for every other
                    session.rollback()
                    logger.exception("%s: its overdue step failed; marked, the sweep goes on", reference)
                    _mark_failed(session, case_id, now)
            if len(overdue) < batch or len(done) == before:  # the rest moved meanwhile, or will next time
                break
    return done


REMINDER_KEY = "utter_alert_deadline_soon"


def remind_holders(session: Session, *, workflow: WorkflowDef, now: datetime, batch: int = 100) -> list[str]:
    """Whoever holds a case (a person) is reminded once, `remind_before_hours` before its step's
    deadline (states that say so), on their channel and in their language; safe with several sweepers."""
    reminded: list[str] = []
    for name, state in workflow.states.items():
        if not state.remind_before_hours:
            continue
        soon = now + timedelta(hours=state.remind_before_hours)
        due = session.scalars(
            select(Case)
            .where(
                Case.service == workflow.service,
                Case.state == name,
                Case.reminded_at.is_(None),
                Case.assignee_id.is_not(None),
                Case.sla_due_at > now,
                Case.sla_due_at <= soon,
            )
            .order_by(Case.sla_due_at, Case.id)
            .limit(batch)
        ).all()
        for case in due:
            reference, case_id = case.reference, case.id
            try:
                session.refresh(case)  # as in take_overdue_steps: fresh, and still due a reminder?
                if case.state != name or case.reminded_at is not None or case.sla_due_at is None or case.sla_due_at <= now:
                    continue
                holder = session.get(Person, case.assignee_id or "")
                case.reminded_at = now
                if holder is not None and holder.active:
                    contact = Contact(phone=holder.phone, channel=holder.channel, language=holder.language)
                    notify_holder(case, workflow, to=contact, key=REMINDER_KEY, now=now, due=local_moment(case.sla_due_at))
                session.commit()  # an office's queue (no person holds it) is only marked
                if holder is not None and holder.active:
                    reminded.append(reference)
            except StaleDataError:  # another sweeper, or the holder acting, came first
                session.rollback()
            except Exception:  # marked, so it is not tried on every pass; the rest go on
                session.rollback()
                logger.exception("%s: its reminder failed", reference)
                session.execute(update(Case).where(Case.id == case_id).values(reminded_at=now, version=Case.version + 1))
                session.commit()
    return reminded
