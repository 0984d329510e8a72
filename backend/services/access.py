"""Who may do what, and where: the one place rights are decided.

The workflow names the roles that may take each action; a person holds roles over areas
(models.RoleGrant); a case has an area (its town, ward, department, office) and an assignee. An
action is allowed when one of the actor's roles is among the action's and its area covers the
case: an official their wards of their department, a supervisor their department in their town,
office staff their office's queue, an operator the requests assigned to them, a citizen (over
chat) their own cases, a field agent the cases they filed. Refusals carry a code the API returns
and the console says in words."""

from dataclasses import dataclass

from sqlalchemy import and_, false, or_
from sqlalchemy.sql.elements import ColumnElement

from backend.models import Case, Person, RoleGrant
from backend.privacy import mask_phone
from backend.workflow import ActionDef, WorkflowDef, WorkflowError

# The workflow roles a signed-in person may act in (citizens and field agents act over chat,
# proven by their own message, never through a console session). A nodal officer acts only where
# a workflow names the role (answering a citizen who asked for a person, with no case to route by).
PERSON_ROLES = ("OFFICIAL", "SUPERVISOR", "VERIFIER", "APPROVER", "OPERATOR", "NODAL_OFFICER")

# Roles that watch a town's open cases without acting on them (the nodal officer hears of the
# overdue ones the sweep could not escalate).
WATCHING_ROLES = ("NODAL_OFFICER",)


class Refused(WorkflowError):
    """Not allowed for this actor: `code` says why (inactive, wrong_role, not_your_area,
    not_your_department, not_your_office, not_assigned_to_you, not_your_case). The API answers
    403 with the code; the console says it in words."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Actor:
    """Whoever acts: a signed-in person, a citizen proven by their own message's turn, a field
    agent proven the same way, or Sathi itself (routing, payments, the SLA sweep)."""

    kind: str  # person | citizen | field_agent | system
    id: str
    person: Person | None = None
    phone: str | None = None
    via: str | None = None  # where a person acts from, for the audit trail: chat | call (else the console)

    @classmethod
    def of_person(cls, person: Person, via: str | None = None) -> "Actor":
        return cls("person", person.id, person=person, phone=person.phone, via=via)

    @classmethod
    def citizen(cls, phone: str) -> "Actor":
        return cls("citizen", phone, phone=phone)

    @classmethod
    def field_agent(cls, person: Person) -> "Actor":
        return cls("field_agent", person.id, person=person, phone=person.phone)

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls("system", name)

    @property
    def audit_id(self) -> str:
        return mask_phone(self.id) if self.kind == "citizen" else self.id


def _area_refusal(grant: RoleGrant, case: Case, person_id: str) -> str | None:
    """None when the grant's area covers the case, else why not. Denies by default: a role not
    named here (a field agent, who files over chat) covers no case in the console or the API."""
    role = grant.role
    if role == "OPERATOR":
        return None if case.assignee_id == person_id else "not_assigned_to_you"
    if role in ("VERIFIER", "APPROVER"):
        return None if grant.office and grant.office == case.office else "not_your_office"
    if role == "ADMIN":
        return None if grant.ulb is None or grant.ulb == case.ulb else "not_your_area"
    if role not in ("OFFICIAL", "SUPERVISOR", "NODAL_OFFICER"):
        return "wrong_role"
    if case.ulb is None or grant.ulb != case.ulb:
        return "not_your_area"
    if role in ("OFFICIAL", "SUPERVISOR") and grant.department != case.department:
        return "not_your_department"
    # An official acts in their wards, and on what was handed to them by name (a reassignment).
    if (
        role == "OFFICIAL"
        and case.assignee_id != person_id
        and not (
            case.ward_number is not None
            and grant.first_ward is not None  # an OFFICIAL's grant has wards (people._grant)
            and grant.last_ward is not None
            and grant.first_ward <= case.ward_number <= grant.last_ward
        )
    ):
        return "not_your_area"
    return None


def may_hold(person: Person | None, case: Case) -> bool:
    """Whether a case may be handed to this person (ASSIGN, REASSIGN): an active official or
    supervisor of the case's town and department."""
    return (
        person is not None
        and person.active
        and any(
            g.role in ("OFFICIAL", "SUPERVISOR") and g.ulb == case.ulb and g.department == case.department for g in person.grants
        )
    )


def _active_grants(actor: Actor) -> list[RoleGrant]:
    if actor.person is None:
        return []
    if not actor.person.active:
        raise Refused("inactive")
    return list(actor.person.grants)


def filed_by(case: Case, agent_id: str) -> bool:
    """Whether this field agent filed the case (its first history row says who did)."""
    first = case.history[0] if case.history else None
    return first is not None and first.actor_role == "FIELD_AGENT" and first.actor_id == agent_id


def role_for(actor: Actor, case: Case, action: ActionDef) -> str:
    """The role in which the actor takes this action on this case, or Refused naming why not."""
    if actor.kind == "system":
        if "SYSTEM" in action.roles:
            return "SYSTEM"
        raise Refused("wrong_role")
    if actor.kind == "citizen":
        if "CITIZEN" not in action.roles:
            raise Refused("wrong_role")
        if actor.phone != case.citizen_phone:
            raise Refused("not_your_case")
        return "CITIZEN"
    if actor.kind == "field_agent":
        if "FIELD_AGENT" not in action.roles:
            raise Refused("wrong_role")
        if not filed_by(case, actor.id):
            raise Refused("not_your_case")
        _active_grants(actor)
        return "FIELD_AGENT"
    refusal = "wrong_role"
    for grant in _active_grants(actor):
        if grant.role not in action.roles or grant.role not in PERSON_ROLES:
            continue
        why = _area_refusal(grant, case, actor.id)
        if why is None:
            return grant.role
        refusal = why
    raise Refused(refusal)


def why_refused(actor: Actor, case: Case, workflow: WorkflowDef) -> str:
    """Why this actor may not act on the case now: what role_for says of the actions from its
    state, the most telling refusal first (an area's before a role's)."""
    codes = []
    for action in workflow.actions:
        if case.state in action.from_states and action.roles != ["SYSTEM"]:
            try:
                role_for(actor, case, action)
            except Refused as exc:
                codes.append(exc.code)
    return next((c for c in codes if c != "wrong_role"), "wrong_role")


def allowed_actions(actor: Actor, case: Case, workflow: WorkflowDef) -> list[ActionDef]:
    """What this actor may do to the case now: the actions from its state their roles allow here."""
    allowed = []
    for action in workflow.actions:
        if case.state not in action.from_states or action.roles == ["SYSTEM"]:
            continue
        try:
            role_for(actor, case, action)
        except Refused:
            continue
        allowed.append(action)
    return allowed


def _acts_on_service(grant: RoleGrant, workflow: WorkflowDef | None) -> bool:
    roles = {role for action in (workflow.actions if workflow else []) for role in action.roles}
    return grant.role in roles


def sees_personal_data(actor: Actor, case: Case, workflow: WorkflowDef | None = None) -> bool:
    """The citizen's name, mobile and address: for those who serve the case (a role the service's
    workflow uses, over an area covering the case), and the citizen themselves."""
    if actor.kind == "citizen":
        return actor.phone == case.citizen_phone
    try:
        grants = _active_grants(actor)
    except Refused:
        return False
    return any(
        g.role in PERSON_ROLES and _acts_on_service(g, workflow) and _area_refusal(g, case, actor.id) is None for g in grants
    )


def may_view(actor: Actor, case: Case, workflow: WorkflowDef | None = None) -> bool:
    """The case page (personal data masked unless sees_personal_data): those who serve it, the
    town's nodal officer, administrators."""
    if sees_personal_data(actor, case, workflow):
        return True
    try:
        grants = _active_grants(actor)
    except Refused:
        return False
    return any(g.role in (*WATCHING_ROLES, "ADMIN") and _area_refusal(g, case, actor.id) is None for g in grants)


def works_at(actor: Actor, office: str) -> bool:
    """Whether the actor is on this office's staff (its queue is theirs to see and work)."""
    person = actor.person
    return (
        person is not None
        and person.active
        and any(g.role in ("VERIFIER", "APPROVER") and g.office == office for g in person.grants)
    )


def is_admin(person: Person | None) -> bool:
    """Manages people and reads the audit log: an administrator for every area (one limited to a
    town could otherwise grant themselves more)."""
    return person is not None and person.active and any(g.role == "ADMIN" and g.ulb is None for g in person.grants)


def _acting_states(workflows: dict[str, WorkflowDef], role: str) -> ColumnElement[bool]:
    """Cases in a state from which some action of this role starts, per service."""
    parts = []
    for service, workflow in sorted(workflows.items()):
        states = sorted({s for a in workflow.actions if role in a.roles for s in a.from_states if s is not None})
        if states:
            parts.append(and_(Case.service == service, Case.state.in_(states)))
    return or_(*parts) if parts else false()


def _open_states(workflows: dict[str, WorkflowDef]) -> ColumnElement[bool]:
    return or_(
        *(
            and_(Case.service == service, Case.state.in_(sorted(n for n, s in w.states.items() if s.held)))
            for service, w in sorted(workflows.items())
        )
    )


def inbox_condition(person: Person, workflows: dict[str, WorkflowDef]) -> ColumnElement[bool]:
    """The cases a person may act on (and, for a nodal officer, their town's open cases), as one
    condition on the indexed area columns, so the inbox is a single query at any size."""
    if not person.active:
        return false()
    parts = []
    for g in person.grants:
        if g.role in WATCHING_ROLES:  # the town's open cases, and what a workflow lets them act on
            parts.append(and_(Case.ulb == g.ulb, or_(_open_states(workflows), _acting_states(workflows, g.role))))
            continue
        if g.role == "OFFICIAL":
            area = and_(
                Case.ulb == g.ulb,
                Case.department == g.department,
                or_(Case.ward_number.between(g.first_ward, g.last_ward), Case.assignee_id == person.id),
            )
        elif g.role == "SUPERVISOR":
            area = and_(Case.ulb == g.ulb, Case.department == g.department)
        elif g.role in ("VERIFIER", "APPROVER"):
            area = Case.office == g.office
        elif g.role == "OPERATOR":
            area = Case.assignee_id == person.id
        else:
            continue  # field agents file over chat; administrators manage people
        parts.append(and_(area, _acting_states(workflows, g.role)))
    return or_(*parts) if parts else false()
