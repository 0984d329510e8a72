"""What a service's data cannot say, in a few named hooks, one file each: a workflow names its
hooks (`hooks:` in backend/workflows/*.yml) and everything else is the general workflow. Code that
acts on a case, takes its payment, tells its status or hears the citizen's verdict asks
`hooks_for(workflow)`; none of it branches on a service's code (tests/common/test_layers.py)."""

from sqlalchemy.orm import Session

from backend.services.hooks.base import Act, Filing, Hooks, NotFiledByAnswers, Verdict
from backend.services.hooks.citizen_verdict import CitizenVerdict
from backend.services.hooks.conversation import Conversation
from backend.services.hooks.office_queue import OfficeQueue
from backend.services.hooks.operator_dispatch import OperatorDispatch
from backend.workflow import WorkflowDef

HOOKS: dict[str, Hooks] = {
    "general": Hooks(),
    "citizen_verdict": CitizenVerdict(),  # grievances: closed or reopened by the citizen
    "office_queue": OfficeQueue(),  # certificates: the office's queue order, signing and the promised date
    "operator_dispatch": OperatorDispatch(),  # desludging: operator assignment, disposal, rating
    "conversation": Conversation(),  # a person when asked: what the citizen was doing
}


class UnknownHooks(Exception):
    """A workflow names hooks that do not exist (checked when the backend starts)."""


def hooks_for(workflow: WorkflowDef) -> Hooks:
    try:
        return HOOKS[workflow.hooks]
    except KeyError:
        raise UnknownHooks(f"workflow {workflow.service}: no hooks {workflow.hooks!r} (known: {sorted(HOOKS)})") from None


def check(workflows: dict[str, WorkflowDef]) -> None:
    for workflow in workflows.values():
        hooks_for(workflow)


def perform(session: Session, act: Act) -> None:
    """A person's action on a case, through its service's hooks (the console and the API both come here)."""
    hooks_for(act.workflow).act(session, act)
    session.flush()


__all__ = ["HOOKS", "Act", "Filing", "Hooks", "NotFiledByAnswers", "UnknownHooks", "Verdict", "check", "hooks_for", "perform"]
