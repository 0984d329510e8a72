"""Workflows are data (backend/workflows/*.yml); apply_action is the one place that changes a case's state.

It checks the action exists, the case is in a state the action starts from and the actor's role may
take it; then it moves the state, sets the SLA due time of the new state, appends a history row and
lets the version column guard against lost updates when the session flushes. Then it tells the
transition to its subscribers, in the same transaction: the outbox (backend/services/outbox.py)
queues the notices the action declares (to the citizen, to whoever holds the case now) on the case.
This module knows no service: the services subscribe to it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from backend.models import Case, CaseHistory
from common.channels import Contact
from common.clock import local_zone
from common.references import PREFIX_PATTERN


class WorkflowError(Exception):
    """A transition the workflow does not allow. `code` is stable for API clients."""

    code = "workflow_error"

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.context = context


class UnknownAction(WorkflowError):
    code = "unknown_action"


class WrongState(WorkflowError):
    code = "wrong_state"


class WrongRole(WorkflowError):
    code = "wrong_role"


class ReasonRequired(WorkflowError):
    code = "reason_required"


class WindowClosed(WorkflowError):
    code = "window_closed"


class StateDef(BaseModel):
    sla_hours: float | None = None
    terminal: bool = False
    held: bool = False  # someone must act: the citizen is told who holds the case
    holder: str | None = None  # who acts here when it is not an official of the roster (operator, citizen)
    # The case's own promise for this state, kept in its details under this name (a complaint's
    # category: a dead animal 12 h, garbage 48 h), used instead of sla_hours when the case has one.
    sla_detail: str | None = None
    # While a case is here the citizen's messages go to it, not to the bot (a conversation with a person).
    converses: bool = False
    # Its holder (a person) is reminded this long before the deadline, once (the SLA sweep).
    remind_before_hours: float | None = None


class Notice(BaseModel):
    """Who hears of an action, and the locale key of what they read."""

    to: Literal["citizen", "assignee"]
    key: str
    # Numbered answers the message offers, payloads with {reference}: "2" then means the second.
    menu: dict[str, str] | None = None


class ActionDef(BaseModel):
    name: str
    from_states: list[str | None] = Field(alias="from")
    to: str
    roles: list[str]
    reason_required: bool = False
    within_hours: float | None = None
    # Back into the state it leaves, the step's deadline stands (a further message while one waits).
    keeps_deadline: bool = False
    # Its text is a message between the citizen and a person (a reply box; a message in the history).
    message: bool = False
    # Sathi takes it once the case is past its state's deadline (the SLA sweep): a SYSTEM action.
    when_overdue: bool = False
    # The person may send a photo as proof of the work (from chat): kept with the case, carried by the notices.
    proof: bool = False
    notify: list[Notice] = []


class WorkingHours(BaseModel, extra="forbid"):
    """When the people who act on a workflow's cases are at work (India's time): its SLAs count
    only these hours, so a promise made at night is kept the next working morning."""

    days: list[int] = Field(default=[1, 2, 3, 4, 5, 6], min_length=1)  # ISO weekdays: Monday 1 ... Sunday 7
    opens: time = time(10, 0)
    closes: time = time(18, 0)

    @model_validator(mode="after")
    def _a_day_has_hours(self) -> "WorkingHours":
        if self.opens >= self.closes or not set(self.days) <= set(range(1, 8)):
            raise ValueError("working_hours: opens before closes, on days 1 (Monday) to 7 (Sunday)")
        return self

    def after(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of working time after `start`."""
        left = timedelta(hours=hours)
        moment = start.astimezone(local_zone())
        while True:
            opens = moment.replace(hour=self.opens.hour, minute=self.opens.minute, second=0, microsecond=0)
            closes = moment.replace(hour=self.closes.hour, minute=self.closes.minute, second=0, microsecond=0)
            if moment.isoweekday() in self.days and moment < closes:
                moment = max(moment, opens)
                if left <= closes - moment:
                    return (moment + left).astimezone(start.tzinfo)
                left -= closes - moment
            moment = (moment + timedelta(days=1)).replace(hour=self.opens.hour, minute=self.opens.minute, second=0, microsecond=0)


class WorkflowDef(BaseModel):
    service: str
    reference_prefix: str = Field(pattern=PREFIX_PATTERN)
    business_sla_hours: float
    # The department that serves the service's cases when a case does not name one (its
    # supervisors act on them; backend/services/access.py).
    department: str | None = None
    # What the data cannot say, by name (backend/services/hooks/): queue order, operator dispatch...
    hooks: str = "general"
    # Its services end in a signed document (a certificate, a licence): the catalog requires its words.
    issues_document: bool = False
    # A supervisor may choose who holds a case (ASSIGN, REASSIGN to a named person); false where
    # routing alone gives it (an operator's job goes to the next operator, not to a chosen one).
    assigns_by_hand: bool = True
    working_hours: WorkingHours | None = None  # its SLAs count working hours only (else every hour)
    states: dict[str, StateDef]
    actions: list[ActionDef]

    @model_validator(mode="after")
    def _states_exist(self) -> "WorkflowDef":
        names = set(self.states)
        for action in self.actions:
            unknown = {s for s in action.from_states if s is not None} - names
            if unknown or action.to not in names:
                raise ValueError(f"action {action.name} names unknown states {sorted(unknown | {action.to} - names)}")
        if len({a.name for a in self.actions}) != len(self.actions):
            raise ValueError("action names must be unique")
        if not any(None in a.from_states for a in self.actions):
            raise ValueError("one action must start from null: the filing itself")
        if any(a.when_overdue and a.roles != ["SYSTEM"] for a in self.actions):
            raise ValueError("an action taken when overdue is Sathi's own: roles [SYSTEM]")
        if any(a.when_overdue and a.keeps_deadline for a in self.actions):
            raise ValueError("an action taken when overdue sets a new deadline (not keeps_deadline), or it is taken for ever")
        return self

    def action(self, name: str) -> ActionDef:
        for action in self.actions:
            if action.name == name:
                return action
        raise UnknownAction(f"{self.service} has no action {name}", action=name)

    def due(self, start: datetime, hours: float) -> datetime:
        """When a step of `hours` begun at `start` is due."""
        return self.working_hours.after(start, hours) if self.working_hours else start + timedelta(hours=hours)

    @property
    def conversing_states(self) -> list[str]:
        return [name for name, state in self.states.items() if state.converses]

    @property
    def create_action(self) -> ActionDef:
        return next(a for a in self.actions if None in a.from_states)


class WorkflowDefinitionError(Exception):
    pass


def load_workflow(path: Path) -> WorkflowDef:
    try:
        return WorkflowDef.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (ValidationError, yaml.YAMLError) as exc:
        raise WorkflowDefinitionError(f"{path.name}: {exc}") from exc


@lru_cache
def load_workflows(directory: Path) -> dict[str, WorkflowDef]:
    workflows = [load_workflow(p) for p in sorted(directory.glob("*.yml"))]
    return {w.service: w for w in workflows}


@dataclass(frozen=True)
class Transition:
    """One transition apply_action made, as its subscribers hear of it."""

    workflow: WorkflowDef
    case: Case
    action: ActionDef
    now: datetime
    reason: str | None = None
    assignee: Contact | None = None  # how to reach whoever holds the case now
    variables: dict[str, object] = field(default_factory=dict)  # the caller's values for the notices
    media_url: str | None = None  # a file the notices carry on WhatsApp


_subscribers: list[Callable[[Transition], None]] = []


def on_transition(subscriber: Callable[[Transition], None]) -> Callable[[Transition], None]:
    """Registers a subscriber (once), called after every transition in the caller's transaction."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def apply_action(
    *,
    workflow: WorkflowDef,
    case: Case,
    action: str,
    actor_role: str,
    actor_id: str,
    now: datetime,
    reason: str | None = None,
    assignee: Contact | None = None,
    variables: Mapping[str, object] | None = None,
    media_url: str | None = None,
) -> CaseHistory:
    """assignee: how to reach whoever holds the case after this action, for notices `to: assignee`;
    variables: more values for the notices' texts; media_url: a file they carry on WhatsApp."""
    definition = workflow.action(action)
    current = case.state
    if current not in definition.from_states:
        raise WrongState(f"{action} is not allowed in state {current}", state=current, action=action)
    if actor_role not in definition.roles:
        raise WrongRole(f"role {actor_role} may not {action}", role=actor_role, action=action)
    if definition.reason_required and not (reason and reason.strip()):
        raise ReasonRequired(f"{action} needs a reason", action=action)
    if definition.within_hours is not None and case.history:
        entered = case.history[-1].at  # when the case came into its current state
        if now - entered > timedelta(hours=definition.within_hours):
            raise WindowClosed(f"{action} is allowed only {definition.within_hours:g} h after {current}", action=action)

    case.state = definition.to
    state = workflow.states[definition.to]
    own = (case.details or {}).get(state.sla_detail) if state.sla_detail else None
    sla_hours = float(own) if own else state.sla_hours
    if not (definition.keeps_deadline and current == definition.to):
        case.sla_due_at = workflow.due(now, sla_hours) if sla_hours is not None else None
        case.reminded_at = None  # a new deadline: its own reminder, and the sweep may act on it again
        case.escalation_blocked_at = None
    case.updated_at = now
    entry = CaseHistory(
        action=action,
        from_state=current,
        to_state=definition.to,
        actor_role=actor_role,
        actor_id=actor_id,
        reason=reason,
        at=now,
    )
    case.history.append(entry)
    transition = Transition(workflow, case, definition, now, reason, assignee, dict(variables or {}), media_url)
    for subscriber in _subscribers:
        subscriber(transition)
    return entry
