"""The SLA sweep with a controllable clock (no sleeping): overdue cases go to the supervisor once,
with history and alerts, however many sweeps run, even two at the same moment; cases no one can be
escalated to are marked and their town's nodal officer alerted, and never stop the rest."""
from datetime import timedelta

from sqlalchemy import select

from backend.db import get_session_factory
from backend.models import Case, OutboxMessage
from backend.services import escalation, routing
from backend.sweeper import sweep_once
from backend.workflow import load_workflows
from tests.conftest import NOW, complaint_body, turn_headers

GRIEVANCE = {
    "category": "garbage", "description": "Garbage not collected for a week", "ward": "BMC-W12",
    "citizen_phone": "whatsapp:+919812345678", "language": "hi", "channel": "twilio_whatsapp",
}


def _file(client, auth, **changes) -> str:
    response = client.post("/api/v1/certificates", json=complaint_body(**{**GRIEVANCE, **changes}),
                           headers=turn_headers(GRIEVANCE["citizen_phone"]))
    assert response.status_code == 201, response.text
    return response.json()["reference"]


def _sweep(settings, at):
    with get_session_factory(settings.database_url)() as session:
        return escalation.sweep(session, workflow=load_workflows(settings.workflows_dir)["grievance"],
                                masterdata_dir=settings.masterdata_dir, now=at)


def test_nothing_is_escalated_before_the_deadline_its_category_sets(client, auth, settings):
    """Garbage must be acted on in 48 hours, a dead animal in 12 (grievance_categories.yml), not the
    workflow's general 72: the category's own time is the deadline the sweep and the citizen see."""
    garbage = _file(client, auth)
    dead_dog = _file(client, auth, category="A dead dog is lying in the lane", description="A dead dog is lying in the lane")
    assert _sweep(settings, NOW + timedelta(hours=11, minutes=59)) == []
    assert _sweep(settings, NOW + timedelta(hours=12, minutes=1)) == [dead_dog]
    assert _sweep(settings, NOW + timedelta(hours=47, minutes=59)) == []
    assert _sweep(settings, NOW + timedelta(hours=48, minutes=1)) == [garbage]


def test_an_overdue_case_goes_to_the_supervisor_once_with_alerts(client, auth, settings):
    reference = _file(client, auth)
    later = NOW + timedelta(hours=73)
    assert _sweep(settings, later) == [reference]
    assert _sweep(settings, later) == []  # a second run, or a second worker: nothing more
    assert sweep_once(settings, later + timedelta(days=30)) == []  # escalated once, not again and again

    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert (case.state, case.assignee_id, case.escalations) == ("PENDING_AT_OFFICIAL", "BMC-SAN-SUP", 1)
        last = case.history[-1]
        assert (last.action, last.actor_role, last.actor_id, last.at) == ("ESCALATE", "SYSTEM", "sla-sweep", later)
        assert case.sla_due_at == later + timedelta(hours=48)  # garbage: the supervisor has the category's time too
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    keys = [(m.locale_key, m.recipient) for m in messages]
    assert keys == [
        ("utter_alert_case_assigned", "+919437200101"),   # the ward official, on filing
        ("utter_alert_case_escalated", "+919437200201"),  # the supervisor
        ("utter_notify_grievance_escalated", "+919812345678"),  # the citizen, in Hindi
    ]
    assert "सुपरवाइज़र" in messages[2].body and reference in messages[1].body


def test_two_sweeps_at_the_same_moment_escalate_once(client, auth, settings, monkeypatch):
    reference = _file(client, auth)
    later = NOW + timedelta(hours=80)
    real_supervisor_for = routing.supervisor_of
    raced = []

    def other_worker_goes_first(*args, **kwargs):
        if not raced:  # between this worker's read and its write, another worker escalates the case
            raced.append(None)
            raced[0] = _sweep(settings, later)
        return real_supervisor_for(*args, **kwargs)

    monkeypatch.setattr(routing, "supervisor_of", other_worker_goes_first)
    assert _sweep(settings, later) == []  # lost the race: its update found a newer version
    assert raced == [[reference]]
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case.escalations == 1
        assert [h.action for h in case.history].count("ESCALATE") == 1
        alerts = session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == "utter_alert_case_escalated")).all()
        assert len(alerts) == 1


def test_resolved_cases_are_not_escalated(client, auth, settings, staff):
    reference = _file(client, auth)
    client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}, headers=staff("BMC-SAN-N"))
    assert _sweep(settings, NOW + timedelta(days=60)) == []


def test_the_status_says_the_supervisor_holds_an_escalated_case(client, auth, settings):
    reference = _file(client, auth)
    assert client.get(f"/api/v1/cases/{reference}").json()["holder"] == "official"
    _sweep(settings, NOW + timedelta(hours=73))
    assert client.get(f"/api/v1/cases/{reference}").json()["holder"] == "supervisor"


def test_after_losing_a_race_the_sweeper_does_not_escalate_what_the_other_already_did(client, auth, settings, monkeypatch):
    first, second = _file(client, auth), _file(client, auth)
    later = NOW + timedelta(hours=80)
    real_supervisor_for = routing.supervisor_of
    raced = []

    def other_worker_sweeps_everything(*args, **kwargs):
        if not raced:  # the other worker escalates both cases between this one's read and its write
            raced.append(None)
            raced[0] = _sweep(settings, later)
        return real_supervisor_for(*args, **kwargs)

    monkeypatch.setattr(routing, "supervisor_of", other_worker_sweeps_everything)
    assert _sweep(settings, later) == []
    assert sorted(raced[0]) == sorted([first, second])
    with get_session_factory(settings.database_url)() as session:
        cases = session.scalars(select(Case)).all()
        assert [c.escalations for c in cases] == [1, 1]
        assert sum([h.action for h in c.history].count("ESCALATE") for c in cases) == 2


def test_a_hundred_cases_with_no_supervisor_do_not_stop_the_sweep(client, auth, settings):
    """Cuttack has no supervisors on the roster: its overdue cases are marked and its nodal officer
    alerted once per case, and escalation goes on for everyone else, now and in later sweeps."""
    cuttack = [_file(client, auth, ward="CMC-W18") for _ in range(100)]
    first = _file(client, auth)
    later = NOW + timedelta(hours=73)
    assert _sweep(settings, later) == [first]  # behind a full batch of Cuttack cases, still escalated
    assert _sweep(settings, later + timedelta(hours=1)) == []  # nothing picked twice
    second = _file(client, auth)
    assert sweep_once(settings, later + timedelta(hours=80)) == [second]  # the next one goes too

    with get_session_factory(settings.database_url)() as session:
        blocked = session.scalars(select(Case).where(Case.reference.in_(cuttack))).all()
        assert all(c.escalation_blocked_at == later and c.escalations == 0 for c in blocked)
        alerts = session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == "utter_alert_case_unescalatable")).all()
    assert sorted(m.variables["reference"] for m in alerts) == sorted(cuttack)  # once per case
    assert {(m.recipient, m.channel, m.language) for m in alerts} == {("+919437200302", "whatsapp", "or")}
    assert cuttack[0] in alerts[0].body and "ସୁପରଭାଇଜର" in alerts[0].body and "ଅଳିଆ" in alerts[0].body


def test_a_case_that_fails_to_escalate_is_marked_and_the_rest_go_on(client, auth, settings, monkeypatch):
    broken, fine = _file(client, auth), _file(client, auth)
    real_apply = escalation.apply_action

    def apply_fails_once(*, case, **kwargs):
        if case.reference == broken:
            raise RuntimeError("a template that cannot render")
        return real_apply(case=case, **kwargs)

    monkeypatch.setattr(escalation, "apply_action", apply_fails_once)
    later = NOW + timedelta(hours=73)
    assert _sweep(settings, later) == [fine]
    assert _sweep(settings, later) == []
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == broken))
        assert (case.escalations, case.escalation_blocked_at) == (0, later)


def test_the_holder_is_reminded_once_before_the_deadline_and_again_for_a_new_one(client, auth, settings):
    """Garbage must be acted on in 48 hours; 6 hours before (grievance.yml's remind_before_hours)
    the official holding it is reminded, once however often the sweep runs; escalated, the
    supervisor's new deadline has its own reminder."""
    reference = _file(client, auth)
    reminders = lambda: [(m.recipient, m.body) for m in _messages(settings) if m.locale_key == "utter_alert_deadline_soon"]  # noqa: E731
    sweep_once(settings, NOW + timedelta(hours=41, minutes=59))
    assert reminders() == []
    sweep_once(settings, NOW + timedelta(hours=42, minutes=1))
    sweep_once(settings, NOW + timedelta(hours=43))
    assert [to for to, _ in reminders()] == ["+919437200101"]  # BMC-SAN-N, once
    assert reference in reminders()[0][1] and "25-11-2026 15:00" in reminders()[0][1]  # the hour counts
    sweep_once(settings, NOW + timedelta(hours=48, minutes=1))  # escalated: the supervisor has 48 hours
    sweep_once(settings, NOW + timedelta(hours=90, minutes=2))
    assert [to for to, _ in reminders()] == ["+919437200101", "+919437200201"]


def _messages(settings):
    with get_session_factory(settings.database_url)() as session:
        return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
