"""Workflows are data (backend/workflows/*.yml); apply_action is the one place that changes a case's state.

It checks the action exists, the case is in a state the action starts from and the actor's role may
take it; then it moves the state, sets the SLA due time of the new state, appends a history row and
lets the version column guard against lost updates when the session flushes. The citizen's
notification, if the action has one, is queued on the case and saved in the same transaction.
"""
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from backend.models import Case, CaseHistory
from backend.services.outbox import notify_citizen


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


class StateDef(BaseModel):
    sla_hours: float | None = None
    terminal: bool = False


class ActionDef(BaseModel):
    name: str
    from_states: list[str | None] = Field(alias="from")
    to: str
    roles: list[str]
    reason_required: bool = False
    # Locale key of the message the citizen gets when this action happens (none if absent).
    notify: str | None = None


class WorkflowDef(BaseModel):
    service: str
    reference_prefix: str = Field(pattern=r"^[A-Z]{3}$")
    business_sla_hours: float
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
        return self

    def action(self, name: str) -> ActionDef:
        for action in self.actions:
            if action.name == name:
                return action
        raise UnknownAction(f"{self.service} has no action {name}", action=name)

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


def apply_action(
    *,
    workflow: WorkflowDef,
    case: Case,
    action: str,
    actor_role: str,
    actor_id: str,
    now: datetime,
    reason: str | None = None,
) -> CaseHistory:
    definition = workflow.action(action)
    current = case.state
    if current not in definition.from_states:
        raise WrongState(f"{action} is not allowed in state {current}", state=current, action=action)
    if actor_role not in definition.roles:
        raise WrongRole(f"role {actor_role} may not {action}", role=actor_role, action=action)
    if definition.reason_required and not (reason and reason.strip()):
        raise ReasonRequired(f"{action} needs a reason", action=action)

    case.state = definition.to
    sla_hours = workflow.states[definition.to].sla_hours
    case.sla_due_at = now + timedelta(hours=sla_hours) if sla_hours is not None else None
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
    if definition.notify:
        notify_citizen(
            case, key=definition.notify, now=now, reason=reason or "",
            state_key=f"case_state.{workflow.service}.{definition.to}",
        )
    return entry
