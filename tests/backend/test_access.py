"""Who may do what, where: the matrix of people × areas × actions through the API, allowed and
refused with the reason, on SQLite and PostgreSQL; and the inbox query agreeing with the rules."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.db import get_session_factory
from backend.models import Case, CaseHistory, Person
from backend.services.access import Actor, allowed_actions, inbox_condition
from backend.workflow import load_workflows
from tests.conftest import NOW

CITIZEN = "+919812345678"


def _case(session, reference: str, service: str, state: str, *, assignee: str | None = None, **details) -> Case:
    """A case as filing and routing leave it (the access rules read only its area and holder)."""
    case = Case(reference=reference, service=service, state=state, citizen_phone=CITIZEN, language="en",
                channel="twilio_whatsapp", details=details, assignee_id=assignee, created_at=NOW, updated_at=NOW,
                sla_due_at=NOW + timedelta(hours=24))
    case.history.append(CaseHistory(action="APPLY", from_state=None, to_state=state, actor_role="CITIZEN", actor_id=CITIZEN, at=NOW))
    session.add(case)
    return case


CASES = {
    # garbage in Bhubaneswar ward 12: SANITATION, BMC-SAN-N's wards (1-33)
    "grievance": lambda s: _case(s, "GRV-2026-000001", "grievance", "PENDING_AT_OFFICIAL", assignee="BMC-SAN-N",
                                 category="garbage", department="SANITATION", ward="BMC-W12"),
    # a request in ward 12 assigned to OP-BMC-01, waiting for them to accept
    "desludging": lambda s: _case(s, "FSM-2026-000001", "desludging", "PENDING_OPERATOR_ACCEPT", assignee="OP-BMC-01",
                                  ulb="BMC", ward="BMC-W12", department="SANITATION", fee_paise=0, applicant_name="Sabitri Behera",
                                  property_type="residential", sanitation_type="septic_tank", size_litres=2000, trips=1,
                                  slum=True, preferred_date="2026-11-26", pay_before=False, pin="751007", landmark="",
                                  business_due_at=NOW.isoformat()),  # a request's whole details (desludging.RequestDetails)
    # an income certificate at the Bhubaneswar municipal office, waiting for verification
    "certificate": lambda s: _case(s, "CRT-2026-000001", "certificate", "PENDING_VERIFICATION", assignee="ULB-BMC",
                                   office="ULB-BMC", certificate_type="income", lane="normal",
                                   queued_at=NOW.isoformat(), sla_days=15),
}
PATHS = {"grievance": "/api/v1/cases/{ref}/actions", "desludging": "/api/v1/cases/{ref}/actions",
         "certificate": "/api/v1/certificates/{ref}/actions"}

MATRIX = [
    # service, person, action, body, status, refusal
    ("grievance", "BMC-SAN-N", "RESOLVE", {}, 200, None),  # the ward's official
    ("grievance", "BMC-SAN-SUP", "RESOLVE", {}, 200, None),  # the department's supervisor
    ("grievance", "BMC-SAN-S", "RESOLVE", {}, 403, "not_your_area"),  # same department, wards 34-67
    ("grievance", "BMC-ELE-01", "RESOLVE", {}, 403, "not_your_department"),  # every ward, another department
    ("grievance", "BMC-ENG-N", "REJECT", {"reason": "x"}, 403, "not_your_department"),
    ("grievance", "BMC-ELE-SUP", "REASSIGN", {"reason": "x", "assignee_id": "BMC-SAN-S"}, 403, "not_your_department"),
    ("grievance", "BMC-SAN-SUP", "REASSIGN", {"reason": "on leave", "assignee_id": "BMC-SAN-S"}, 200, None),
    ("grievance", "BMC-SAN-N", "REASSIGN", {"reason": "x", "assignee_id": "BMC-SAN-S"}, 403, "wrong_role"),
    ("grievance", "BMC-SAN-N", "ESCALATE", {}, 403, "wrong_role"),  # only the SLA sweep escalates
    ("grievance", "BMC-SAN-N", "RATE", {}, 403, "wrong_role"),  # the citizen's, over chat
    ("grievance", "BMC-NODAL", "RESOLVE", {}, 403, "wrong_role"),  # watches, does not act
    ("grievance", "SATHI-ADMIN", "RESOLVE", {}, 403, "wrong_role"),  # manages people, not cases
    ("grievance", "OP-BMC-01", "RESOLVE", {}, 403, "wrong_role"),
    ("grievance", "BMC-CRT-APP", "RESOLVE", {}, 403, "wrong_role"),
    ("grievance", "PSS-BALIANTA-01", "RESOLVE", {}, 403, "wrong_role"),
    ("desludging", "OP-BMC-01", "ACCEPT", {}, 200, None),  # the operator it is assigned to
    ("desludging", "OP-BMC-02", "ACCEPT", {}, 403, "not_assigned_to_you"),
    ("desludging", "OP-CMC-01", "DECLINE", {"reason": "x"}, 403, "not_assigned_to_you"),
    ("desludging", "BMC-SAN-SUP", "ACCEPT", {}, 403, "wrong_role"),
    ("certificate", "BMC-CRT-VER", "VERIFY", {}, 200, None),  # the office's verifier
    ("certificate", "BMC-CRT-APP", "VERIFY", {}, 403, "wrong_role"),
    ("certificate", "BMC-CRT-VER", "APPROVE", {}, 403, "wrong_role"),  # a verifier approving
    ("certificate", "BALIANTA-CRT-VER", "VERIFY", {}, 403, "not_your_office"),
    ("certificate", "KHORDHA-CRT-APP", "REJECT", {"reason": "x"}, 403, "not_your_office"),
    ("certificate", "BMC-SAN-N", "VERIFY", {}, 403, "wrong_role"),
]


@pytest.mark.parametrize(("service", "person", "action", "body", "status", "refusal"), MATRIX,
                         ids=[f"{m[1]}-{m[2]}-{m[0]}" for m in MATRIX])
def test_role_area_and_action(client, settings, staff, service, person, action, body, status, refusal):
    with get_session_factory(settings.database_url)() as session:
        reference = CASES[service](session).reference
        session.commit()
    answer = client.post(PATHS[service].format(ref=reference), headers=staff(person), json={"action": action, **body})
    assert answer.status_code == status, answer.text
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert (case.history[-1].action == action) == (status == 200)  # a refusal changes nothing
        if status == 200:
            assert case.history[-1].actor_id == person
    if refusal:
        assert answer.json()["detail"]["code"] == refusal


def test_a_case_handed_to_an_official_by_name_is_theirs_and_only_to_someone_who_may_hold_it(client, settings, staff):
    with get_session_factory(settings.database_url)() as session:
        reference = CASES["grievance"](session).reference  # ward 12, BMC-SAN-N's
        session.commit()
    url = f"/api/v1/cases/{reference}/actions"
    supervisor = staff("BMC-SAN-SUP")
    elsewhere = client.post(url, headers=supervisor, json={"action": "REASSIGN", "reason": "x", "assignee_id": "CMC-NODAL"})
    assert elsewhere.status_code == 403 and elsewhere.json()["detail"]["code"] == "assignee_not_in_area"
    moved = client.post(url, headers=supervisor, json={"action": "REASSIGN", "reason": "on leave", "assignee_id": "BMC-SAN-S"})
    assert moved.status_code == 200 and moved.json()["assignee_id"] == "BMC-SAN-S"
    assert client.post(url, headers=staff("BMC-SAN-S"), json={"action": "RESOLVE"}).status_code == 200  # wards 34-67, but theirs now


def test_the_general_route_keeps_each_services_own_rules(client, settings, staff):
    """A certificate out of queue order, a disposal without its plant: refused on /cases too."""
    with get_session_factory(settings.database_url)() as session:
        CASES["certificate"](session)
        later = _case(session, "CRT-2026-000002", "certificate", "PENDING_VERIFICATION", assignee="ULB-BMC", office="ULB-BMC",
                      certificate_type="income", lane="normal", queued_at=(NOW + timedelta(minutes=5)).isoformat())
        request = _case(session, "FSM-2026-000001", "desludging", "IN_PROGRESS", assignee="OP-BMC-01", ulb="BMC",
                        ward="BMC-W12", department="SANITATION", fee_paise=0)
        session.commit()
        later_ref, request_ref = later.reference, request.reference
    skipped = client.post(f"/api/v1/cases/{later_ref}/actions", headers=staff("BMC-CRT-VER"), json={"action": "VERIFY"})
    assert skipped.status_code == 409 and skipped.json()["detail"]["code"] == "out_of_order"
    bare = client.post(f"/api/v1/cases/{request_ref}/actions", headers=staff("OP-BMC-01"), json={"action": "DISPOSE"})
    assert bare.status_code == 422 and bare.json()["detail"] == {"code": "unknown_plant", "field": "plant"}


def test_a_field_agent_or_an_administrator_acts_on_no_case(client, settings, staff):
    with get_session_factory(settings.database_url)() as session:
        CASES["certificate"](session)
        returned = _case(session, "CRT-2026-000009", "certificate", "RETURNED", assignee="ULB-BMC", office="ULB-BMC",
                         certificate_type="income", lane="normal", queued_at=NOW.isoformat())
        session.commit()
        reference = returned.reference
    for person in ("PSS-BALIANTA-01", "SATHI-ADMIN"):
        refused = client.post(f"/api/v1/cases/{reference}/actions", headers=staff(person), json={"action": "RESUBMIT"})
        assert refused.status_code == 403 and refused.json()["detail"]["code"] == "wrong_role", person
    staff("PSS-BALIANTA-01")
    assert client.get(f"/api/v1/cases/{reference}/history").status_code == 403


def test_nobody_acts_without_signing_in_or_with_a_forged_session(client, settings):
    with get_session_factory(settings.database_url)() as session:
        reference = CASES["grievance"](session).reference
        session.commit()
    assert client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}).status_code == 401
    client.cookies.set("sathi_session", "forged")
    assert client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}).status_code == 401
    body = {"action": "RESOLVE", "actor_role": "OFFICIAL", "actor_id": "BMC-SAN-N"}  # the old way: ignored
    assert client.post(f"/api/v1/cases/{reference}/actions", json=body,
                       headers={"Authorization": "Bearer dev-token-change-me"}).status_code == 401


def test_a_deactivated_person_is_signed_out_and_refused(client, settings, staff):
    from backend.services import people

    with get_session_factory(settings.database_url)() as session:
        reference = CASES["grievance"](session).reference
        session.commit()
    headers = staff("BMC-SAN-N")
    with get_session_factory(settings.database_url)() as session:
        people.deactivate(session, actor=Actor.of_person(session.get(Person, "SATHI-ADMIN")), person_id="BMC-SAN-N", now=NOW)
        session.commit()
    refused = client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}, headers=headers)
    assert refused.status_code == 401


def test_the_inbox_query_and_the_rules_agree(settings):
    """For every seeded person, the cases the inbox's one SQL condition finds are exactly those on
    which the Python rules allow them some action (nodal officers also watch their town's)."""
    workflows = load_workflows(settings.workflows_dir)
    with get_session_factory(settings.database_url)() as session:
        made = [
            _case(session, "GRV-2026-000001", "grievance", "PENDING_AT_OFFICIAL", assignee="BMC-SAN-N",
                  category="garbage", department="SANITATION", ward="BMC-W12"),
            _case(session, "GRV-2026-000002", "grievance", "PENDING_AT_OFFICIAL", assignee="BMC-SAN-S",
                  category="garbage", department="SANITATION", ward="BMC-W40"),
            _case(session, "GRV-2026-000003", "grievance", "PENDING_ASSIGNMENT", category="streetlight",
                  department="ELECTRICAL", ward="BMC-W5"),
            _case(session, "GRV-2026-000004", "grievance", "RESOLVED", assignee="BMC-ENG-N", category="drain",
                  department="ENGINEERING", ward="BMC-W7"),
            _case(session, "GRV-2026-000005", "grievance", "PENDING_AT_OFFICIAL", category="garbage",
                  department="SANITATION", ward="CMC-W3"),
            CASES["desludging"](session), CASES["certificate"](session),
            _case(session, "CRT-2026-000002", "certificate", "PENDING_APPROVAL", assignee="BLOCK-KHD-BALIANTA",
                  office="BLOCK-KHD-BALIANTA", certificate_type="income", lane="tatkal", queued_at=NOW.isoformat()),
        ]
        session.commit()
        for person in session.scalars(select(Person)):
            actor = Actor.of_person(person)
            found = set(session.scalars(select(Case.reference).where(inbox_condition(person, workflows))))
            acting = {c.reference for c in made if allowed_actions(actor, c, workflows[c.service])}
            if any(g.role == "NODAL_OFFICER" for g in person.grants):
                assert acting <= found, person.id
                assert found == {c.reference for c in made if c.ulb == person.grants[0].ulb and c.state not in ("RESOLVED",)}, person.id
            else:
                assert found == acting, person.id
