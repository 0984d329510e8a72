"""The workflow engine: every allowed transition, refusals, and lost updates prevented."""
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backend.db import get_session_factory
from backend.models import Person, RoleGrant
from backend.services.access import Actor, Refused
from backend.services.cases import VersionConflict, act_on_case, find_case
from backend.services.grievance import file_grievance
from backend.settings import Settings
from backend.workflow import (
    ReasonRequired,
    UnknownAction,
    WorkflowDefinitionError,
    WrongState,
    load_workflow,
    load_workflows,
)
from tests.conftest import NOW

WORKFLOWS = load_workflows(Settings().workflows_dir)
GRIEVANCE = WORKFLOWS["grievance"]


def _ward_12_official(session: Session, first_ward: int) -> None:
    session.execute(update(RoleGrant).where(RoleGrant.person_id == "BMC-SAN-N").values(first_ward=first_ward))


def _file(session: Session, settings: Settings, key: str | None = None):
    """The engine's own tests start from an unrouted case: filed while no official held ward 12
    (then BMC-SAN-N has it back, to act on it)."""
    _ward_12_official(session, 30)
    case, _ = file_grievance(
        session,
        workflow=GRIEVANCE,
        masterdata_dir=settings.masterdata_dir,
        category_code="garbage",
        description="Garbage not collected for a week",
        ward_code="BMC-W12",
        citizen_phone="+919812345678",
        language="en",
        channel="rest",
        actor_role="CITIZEN",
        actor_id="+919812345678",
        idempotency_key=key,
        now=NOW,
        timezone=settings.timezone,
    )
    _ward_12_official(session, 1)
    session.commit()
    return case


def _path_to(state: str) -> list[str]:
    """Actions that take a new grievance to `state` (breadth-first over the definition)."""
    frontier = [(GRIEVANCE.create_action.to, [])]
    seen = set()
    while frontier:
        current, path = frontier.pop(0)
        if current == state:
            return path
        seen.add(current)
        for action in GRIEVANCE.actions:
            if current in action.from_states and action.to not in seen:
                frontier.append((action.to, path + [action.name]))
    raise AssertionError(f"{state} unreachable")


PEOPLE = {"OFFICIAL": "BMC-SAN-N", "SUPERVISOR": "BMC-SAN-SUP"}  # garbage in ward 12 is theirs


def _actor(session: Session, role: str) -> Actor:
    if role in PEOPLE:
        return Actor.of_person(session.get(Person, PEOPLE[role]))
    return Actor.citizen("+919812345678") if role == "CITIZEN" else Actor.system("tester")


def _actor_for(session: Session, action: str) -> Actor:
    return _actor(session, GRIEVANCE.action(action).roles[0])


ALLOWED = [
    (action.name, state)
    for action in GRIEVANCE.actions
    for state in action.from_states
    if state is not None
]


@pytest.mark.parametrize(("action", "from_state"), ALLOWED)
def test_every_allowed_transition(action, from_state, settings):
    with get_session_factory(settings.database_url)() as session:
        case = _file(session, settings)
        for step in _path_to(from_state):
            act_on_case(session, workflow=GRIEVANCE, masterdata_dir=settings.masterdata_dir, case=case, action=step, actor=_actor_for(session, step),
                        reason="because", now=NOW)
        session.commit()
        assert case.state == from_state
        version_before = case.version
        rows_before = len(case.history)

        later = NOW + timedelta(hours=1)
        act_on_case(session, workflow=GRIEVANCE, masterdata_dir=settings.masterdata_dir, case=case, action=action, actor=_actor_for(session, action),
                    reason="because", now=later)
        session.commit()

        target = GRIEVANCE.action(action).to
        assert case.state == target
        assert case.version == version_before + 1
        assert len(case.history) == rows_before + 1
        last = case.history[-1]
        assert (last.action, last.from_state, last.to_state) == (action, from_state, target)
        state = GRIEVANCE.states[target]  # the complaint's own time where the state takes it (sla_detail)
        sla = case.details["sla_hours"] if state.sla_detail else state.sla_hours
        assert case.sla_due_at == (later + timedelta(hours=sla) if sla is not None else None)


def test_filing_records_history_and_sla(settings):
    with get_session_factory(settings.database_url)() as session:
        case = _file(session, settings)
        assert case.reference == "GRV-2026-000001"
        assert case.state == "PENDING_ASSIGNMENT"
        assert case.version == 1
        assert [(h.action, h.from_state, h.to_state) for h in case.history] == [("APPLY", None, "PENDING_ASSIGNMENT")]
        assert case.sla_due_at == NOW + timedelta(hours=24)
        assert _file(session, settings).reference == "GRV-2026-000002"


def test_refusals_leave_the_case_untouched(settings):
    with get_session_factory(settings.database_url)() as session:
        case = _file(session, settings)
        with pytest.raises(WrongState):
            act_on_case(session, workflow=GRIEVANCE, masterdata_dir=settings.masterdata_dir, case=case, action="RESOLVE", actor=_actor(session, "OFFICIAL"),
                        now=NOW)
        with pytest.raises(Refused):
            act_on_case(session, workflow=GRIEVANCE, masterdata_dir=settings.masterdata_dir, case=case, action="ASSIGN", actor=_actor(session, "CITIZEN"),
                        now=NOW)
        with pytest.raises(ReasonRequired):
            act_on_case(session, workflow=GRIEVANCE, masterdata_dir=settings.masterdata_dir, case=case, action="REJECT", actor=_actor(session, "OFFICIAL"),
                        reason="  ", now=NOW)
        with pytest.raises(UnknownAction):
            act_on_case(session, workflow=GRIEVANCE, masterdata_dir=settings.masterdata_dir, case=case, action="TELEPORT", actor=_actor(session, "SYSTEM"),
                        now=NOW)
        with pytest.raises(VersionConflict):
            act_on_case(session, workflow=GRIEVANCE, masterdata_dir=settings.masterdata_dir, case=case, action="ASSIGN", actor=_actor(session, "SUPERVISOR"),
                        now=NOW, expected_version=case.version + 5)
        session.rollback()
        fresh = find_case(session, case.reference)
        assert fresh.state == "PENDING_ASSIGNMENT"
        assert fresh.version == 1
        assert len(fresh.history) == 1


def test_two_concurrent_updates_one_loses_cleanly(settings):
    factory = get_session_factory(settings.database_url)
    with factory() as setup:
        reference = _file(setup, settings).reference
    first, second = factory(), factory()
    try:
        case_a = find_case(first, reference)
        case_b = find_case(second, reference)
        act_on_case(first, workflow=GRIEVANCE, masterdata_dir=settings.masterdata_dir, case=case_a, action="ASSIGN", actor=_actor(first, "SUPERVISOR"),
                    now=NOW)
        first.commit()
        with pytest.raises(StaleDataError):
            act_on_case(second, workflow=GRIEVANCE, masterdata_dir=settings.masterdata_dir, case=case_b, action="REJECT", actor=_actor(second, "OFFICIAL"),
                        reason="duplicate", now=NOW)
        second.rollback()
    finally:
        first.close()
        second.close()
    with factory() as check:
        case = find_case(check, reference)
        assert case.state == "PENDING_AT_OFFICIAL"
        assert case.version == 2
        assert [h.action for h in case.history] == ["APPLY", "ASSIGN"]


def test_bad_definition_is_rejected_with_a_clear_error(tmp_path: Path):
    bad = tmp_path / "broken.yml"
    bad.write_text(
        "service: broken\nreference_prefix: BRK\nbusiness_sla_hours: 1\nstates: {OPEN: {}}\n"
        "actions:\n  - {name: APPLY, from: [null], to: OPEN, roles: [CITIZEN]}\n"
        "  - {name: CLOSE, from: [OPEN], to: SHUT, roles: [CITIZEN]}\n"
    )
    with pytest.raises(WorkflowDefinitionError, match="CLOSE names unknown states.*SHUT"):
        load_workflow(bad)


def test_a_step_in_working_hours_is_due_the_next_working_morning():
    """A workflow that names its working hours counts only those (handoff: a person answers within
    2 hours, in office hours): at night, on a Sunday, near closing time."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from backend.workflow import WorkingHours

    india = ZoneInfo("Asia/Kolkata")
    hours = WorkingHours()  # Monday to Saturday, 10:00 to 18:00
    at = lambda *when: datetime(*when, tzinfo=india)  # noqa: E731
    assert hours.after(at(2026, 11, 23, 15, 0), 2) == at(2026, 11, 23, 17, 0)  # Monday afternoon
    assert hours.after(at(2026, 11, 23, 17, 0), 2) == at(2026, 11, 24, 11, 0)  # an hour today, an hour tomorrow
    assert hours.after(at(2026, 11, 24, 3, 0), 2) == at(2026, 11, 24, 12, 0)  # at night: from opening
    assert hours.after(at(2026, 11, 28, 17, 30), 2) == at(2026, 11, 30, 11, 30)  # Saturday evening: Monday, Sunday closed
    assert hours.after(at(2026, 11, 29, 12, 0), 2) == at(2026, 11, 30, 12, 0)  # on a Sunday
    assert hours.after(at(2026, 11, 23, 15, 0).astimezone(UTC), 2).tzinfo == UTC  # in the zone it was given in
    with pytest.raises(ValueError, match="opens before closes"):
        WorkingHours(opens="18:00", closes="10:00")
