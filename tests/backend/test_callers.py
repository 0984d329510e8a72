"""Each caller with its own credential and no more (backend/api/callers.py): the channels' token on
the channel routes, the action server's on helper routes and, in a citizen's turn (the grant a
channel got for that citizen's message), on that citizen's own routes; neither on an official's.
The impersonations found in issue 14 are refused here one by one."""
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from backend.api.deps import get_now
from backend.models import Case, CaseHistory, Citizen
from backend.services import turn_grants
from backend.settings import REPO_ROOT
from scripts.stack import StackConfig, Stack
from tests.conftest import NOW, TURN_SECRET, complaint_body, consent_of, in_turn, refused_to_callers, turn_headers

OWNER, STRANGER, AGENT = "+919812345678", "+919800000999", "+919437400001"  # AGENT: Pramila Sahoo, on the roster
GRIEVANCE = {"category": "garbage", "description": "Bins overflowing", "ward": "BMC-W12", "citizen_phone": f"whatsapp:{OWNER}",
             "channel": "twilio_whatsapp"}
BIRTH = {"certificate_type": "birth", "answers": {"child_name": "Anita Behera", "date_of_birth": "14/08/2026", "place": "ward 12",
                                                   "mother_name": "Sabitri Behera", "father_name": "Raghunath Behera"}}
DESLUDGING = {"certificate_type": "desludging", "citizen_phone": OWNER, "answers": {
    "name": "S B", "property_type": "residential", "sanitation_type": "septic tank", "size": "1000", "trips": "1",
    "place": "ward 12", "landmark": "none", "pin": "751007", "slum": "no", "date": "25 Nov", "payment": "now"}}


@pytest.fixture
def resolved(client, staff) -> str:
    """The owner's complaint, resolved by the official: one the owner may rate or reopen."""
    reference = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, OWNER)).json()["reference"]
    done = client.post(f"/api/v1/cases/{reference}/actions", headers=staff("BMC-SAN-N"), json={"action": "RESOLVE"})
    assert done.status_code == 200, done.text
    client.cookies.clear()  # the official signs out: what follows is the callers' own doing
    return reference


@pytest.fixture
def unpaid(client) -> str:
    """The owner's desludging request, waiting for payment."""
    filed = client.post("/api/v1/certificates", json=DESLUDGING, headers=in_turn(client, OWNER))
    assert filed.status_code == 201, filed.text
    return filed.json()["reference"]


def _citizen_calls(reference: str, phone: str) -> list[tuple[str, str, dict]]:
    """What the REST channel let anyone do as `phone`: list their cases, get their payment link,
    rate or reopen their case, opt them out, ask their language, file in their name."""
    return [
        ("POST", "/api/v1/cases/mine", {"phone": phone}),
        ("POST", "/api/v1/cases/lookup", {"phone": phone, "reference": reference}),
        ("POST", "/api/v1/payments/link", {"phone": phone, "reference": None}),
        ("POST", f"/api/v1/cases/{reference}/feedback", {"phone": phone, "solved": False}),
        ("POST", "/api/v1/citizens/opt-out", {"phone": phone, "channel": "whatsapp"}),
        ("POST", "/api/v1/citizens/language/lookup", {"phone": phone}),
        ("PUT", "/api/v1/citizens/language", {"phone": phone, "language": "hi"}),
        ("POST", "/api/v1/certificates", complaint_body(**{**GRIEVANCE, "citizen_phone": phone})),
        ("POST", "/api/v1/certificates", {**DESLUDGING, "citizen_phone": phone}),
        ("POST", "/api/v1/certificates", {**BIRTH, "citizen_phone": phone}),
        ("POST", "/api/v1/certificates/field-agent", {"phone": phone}),
    ]


def _untouched(session, reference: str) -> None:
    session.expire_all()
    case = session.scalar(select(Case).where(Case.reference == reference))
    assert case.state == "RESOLVED"
    assert session.scalar(select(Case).where(Case.id != case.id)) is None  # nothing filed
    assert session.scalar(select(Citizen).where(Citizen.opted_out_at.is_not(None))) is None


def test_the_rest_channel_is_off_unless_a_stack_asks_for_it(tmp_path):
    credentials = yaml.safe_load((REPO_ROOT / "bot" / "credentials.yml").read_text(encoding="utf-8"))
    assert "rest" not in credentials and "rasa.core.channels.rest.RestInput" not in credentials
    for rest_channel in (False, True):
        command = Stack(StackConfig(model=Path("m.tar.gz"), var_dir=tmp_path / str(rest_channel), rest_channel=rest_channel))._commands()
        given = yaml.safe_load(Path(command["rasa"][command["rasa"].index("--credentials") + 1]).read_text(encoding="utf-8"))
        assert ("rest" in given) is rest_channel and "channels.twilio_messaging.WhatsAppInput" in given


def test_each_process_gets_only_its_own_credential(tmp_path, monkeypatch):
    monkeypatch.setenv("SATHI_TURN_SECRET", "from-the-shell")
    stack = Stack(StackConfig(model=Path("m.tar.gz"), var_dir=tmp_path, actions_token="a", channels_token="c", turn_secret="t"))
    secrets = {"SATHI_ACTIONS_TOKEN", "SATHI_CHANNELS_TOKEN", "SATHI_TURN_SECRET"}
    given = {name: {k: v for k, v in stack._env(name).items() if k in secrets} for name in ("backend", "actions", "rasa")}
    assert given == {"backend": {"SATHI_ACTIONS_TOKEN": "a", "SATHI_CHANNELS_TOKEN": "c", "SATHI_TURN_SECRET": "t"},
                     "actions": {"SATHI_ACTIONS_TOKEN": "a"}, "rasa": {"SATHI_CHANNELS_TOKEN": "c"}}


def test_the_action_servers_token_without_a_grant_acts_for_nobody(client, actions_auth, resolved, session):
    for method, path, body in _citizen_calls(resolved, OWNER):
        answer = client.request(method, path, json=body, headers=actions_auth)
        assert (answer.status_code, answer.json()["detail"]["code"]) == (401, "turn_required"), path
    _untouched(session, resolved)


def test_a_grant_for_one_phone_cannot_act_for_another(client, resolved, session):
    for method, path, body in _citizen_calls(resolved, OWNER):
        answer = client.request(method, path, json=body, headers=in_turn(client, STRANGER))
        assert answer.status_code == 403 and answer.json()["detail"]["code"] == "not_your_turn", path
    _untouched(session, resolved)


def test_in_their_own_turn_a_citizen_cannot_touch_someone_elses_case(client, resolved, unpaid, session):
    stranger = in_turn(client, STRANGER)
    for path, body in ((f"/api/v1/cases/{resolved}/feedback", {"phone": STRANGER, "solved": False}),
                       (f"/api/v1/cases/{resolved}/feedback", {"phone": STRANGER, "solved": True, "rating": 1}),
                       (f"/api/v1/cases/{unpaid}/feedback", {"phone": STRANGER, "solved": True, "rating": 5}),
                       ("/api/v1/payments/link", {"phone": STRANGER, "reference": unpaid})):
        answer = client.post(path, json=body, headers=stranger)
        assert answer.status_code == 403 and answer.json()["detail"]["code"] == "not_your_case", path
    session.expire_all()
    assert session.scalar(select(Case).where(Case.reference == resolved)).state == "RESOLVED"
    # Their own turn, their own case: it works.
    link = client.post("/api/v1/payments/link", json={"phone": f"whatsapp:{OWNER}", "reference": unpaid}, headers=in_turn(client, OWNER))
    assert link.status_code == 200 and link.json()["reference"] == unpaid
    reopened = client.post(f"/api/v1/cases/{resolved}/feedback", json={"phone": OWNER, "solved": False}, headers=in_turn(client, OWNER))
    assert reopened.json()["outcome"] == "reopened"


def test_only_a_field_agents_own_turn_files_for_another_number_and_as_that_agent(client, session):
    someone = {**BIRTH, "citizen_phone": "98765 43210", "actor_role": "FIELD_AGENT", "actor_id": "PSS-BALIANTA-01"}
    as_citizen = client.post("/api/v1/certificates", json=someone, headers=in_turn(client, OWNER))
    assert as_citizen.status_code == 403 and as_citizen.json()["detail"]["code"] == "not_your_turn"  # the body says nothing
    assert client.post("/api/v1/certificates/field-agent", json={"phone": OWNER}, headers=in_turn(client, OWNER)).status_code == 404

    agent = client.post("/api/v1/certificates/field-agent", json={"phone": f"whatsapp:{AGENT}"}, headers=in_turn(client, AGENT))
    assert agent.json() == {"id": "PSS-BALIANTA-01", "name": "Pramila Sahoo"}
    filed = client.post("/api/v1/certificates", json={**BIRTH, "citizen_phone": "98765 43210"}, headers=in_turn(client, AGENT))
    assert filed.status_code == 403 and filed.json()["detail"]["code"] == "no_consent"  # not without the citizen's code
    consent_of(client, AGENT, "98765 43210", "certificate")
    filed = client.post("/api/v1/certificates", json={**BIRTH, "citizen_phone": "98765 43210"}, headers=in_turn(client, AGENT))
    assert filed.status_code == 201, filed.text
    # A citizen's own filing is the citizen's, whatever a body claims.
    own = client.post("/api/v1/certificates", json={**BIRTH, "citizen_phone": OWNER, "actor_role": "FIELD_AGENT",
                                                     "actor_id": "PSS-BALIANTA-01"}, headers=in_turn(client, OWNER))
    assert own.status_code == 201
    session.expire_all()
    actors = {c.reference: (c.citizen_phone, c.channel, [(h.actor_role, h.actor_id) for h in c.history if h.action == "APPLY"])
              for c in session.scalars(select(Case))}
    assert actors == {filed.json()["reference"]: ("+919876543210", "twilio_sms", [("FIELD_AGENT", "PSS-BALIANTA-01")]),
                      own.json()["reference"]: (OWNER, "rest", [("CITIZEN", OWNER)])}


@pytest.mark.parametrize("grant", ["forged", "altered", "expired", "garbage", "non-ascii"])
def test_a_forged_altered_or_expired_grant_is_refused(client, resolved, session, grant):
    if grant == "forged":  # signed with a secret other than the backend's
        headers = turn_headers(OWNER, secret="not-the-turn-secret")
    elif grant == "expired":
        headers = turn_headers(OWNER, now=NOW - timedelta(minutes=16))
    else:
        headers = turn_headers(OWNER)
        prefix, body, signature = headers["X-Sathi-Turn"].split(".")
        other = turn_grants.issue(secret="x", phone=STRANGER, agent_id=None, now=NOW, minutes=15).split(".")[1]
        headers["X-Sathi-Turn"] = {"altered": f"{prefix}.{other}.{signature}", "garbage": "T1..",
                                   "non-ascii": f"{prefix}.{body}.ø".encode()}[grant]
    expected = "turn_expired" if grant == "expired" else "bad_turn"
    for method, path, body in _citizen_calls(resolved, OWNER):
        answer = client.request(method, path, json=body, headers=headers)
        assert answer.status_code == 403 and answer.json()["detail"]["code"] == expected, path
    _untouched(session, resolved)


def test_the_channels_token_cannot_call_the_action_routes_and_the_actions_token_not_the_channels(
    client, channels_auth, actions_auth, resolved
):
    grant = turn_headers(OWNER)["X-Sathi-Turn"]
    for method, path, body in _citizen_calls(resolved, OWNER):
        answer = client.request(method, path, json=body, headers={**channels_auth, "X-Sathi-Turn": grant})
        assert answer.status_code == 403 and answer.json()["detail"]["code"] == "wrong_caller", path
    claim = {"provider": "twilio", "external_id": "SM1", "channel": "whatsapp", "phone": OWNER,
             "payload": {"sender": f"whatsapp:{OWNER}", "text": "my applications"}, "claimant": "rasa-a"}
    for method, path, body in (("POST", "/api/v1/channels/inbound", claim),
                               ("POST", "/api/v1/channels/inbound/unfinished", {"provider": "twilio", "channel": "whatsapp", "claimant": "x"}),
                               ("POST", "/api/v1/channels/inbound/1/start", {"claimant": "x"}),
                               ("POST", "/api/v1/channels/opt-out", {"phone": OWNER, "channel": "sms", "opted_out": True}),
                               ("POST", "/api/v1/outbox/replies", {"channel": "sms", "phone": OWNER, "replies": [{"body": "hi"}]})):
        for caller in (actions_auth, turn_headers(OWNER)):
            answer = client.request(method, path, json=body, headers=caller)
            assert answer.status_code == 403 and answer.json()["detail"]["code"] == "wrong_caller", path
    assert client.post("/api/v1/channels/inbound", json=claim).status_code == 401


def test_neither_token_acts_as_an_official(client, resolved, unpaid, session):
    official = [
        ("POST", f"/api/v1/cases/{resolved}/actions", {"action": "CLOSE", "actor_role": "SUPERVISOR", "actor_id": "BMC-SAN-SUP"}),
        ("POST", f"/api/v1/cases/{unpaid}/actions", {"action": "ACCEPT"}),
        ("POST", f"/api/v1/certificates/{resolved}/actions", {"action": "APPROVE", "actor_role": "APPROVER", "actor_id": "x"}),
        ("GET", "/api/v1/certificates/queue?office=ULB-BMC", None),
        ("GET", f"/api/v1/cases/{resolved}/history", None),
        ("GET", "/api/v1/officials/performance", None),
        ("GET", "/api/v1/outbox", None),
        ("GET", f"/api/v1/grievances/photos/{'0' * 32}.jpg", None),
        ("GET", f"/api/v1/certificates/documents/{'0' * 32}.pdf", None),
    ]
    for method, path, body in official:
        assert refused_to_callers(client, method, path, json=body), path
    session.expire_all()
    assert [c.state for c in session.scalars(select(Case).order_by(Case.id))] == ["RESOLVED", "PENDING_PAYMENT"]
    assert session.scalar(select(CaseHistory).where(CaseHistory.action.in_(["CLOSE", "ACCEPT"]))) is None


def test_a_channel_gets_a_grant_for_the_phone_of_each_turn_it_takes(client, channels_auth, settings):
    claim = lambda sid, phone, claimant="rasa-a": client.post("/api/v1/channels/inbound", headers=channels_auth, json={  # noqa: E731
        "provider": "twilio", "external_id": sid, "channel": "whatsapp", "phone": phone, "claimant": claimant,
        "payload": {"sender": phone, "text": "hi"}}).json()
    verify = lambda grant: turn_grants.verify(secret=TURN_SECRET, grant=grant, now=NOW)  # noqa: E731
    first = claim("SM1", f"whatsapp:{OWNER}")
    assert (verify(first["turn"]).phone, verify(first["turn"]).agent_id) == (OWNER, None)
    assert claim("SM1", f"whatsapp:{OWNER}", claimant="rasa-b")["turn"] is None  # a repeat runs nothing
    agent = claim("SM2", f"whatsapp:{AGENT}")
    assert (verify(agent["turn"]).phone, verify(agent["turn"]).agent_id) == (AGENT, "PSS-BALIANTA-01")
    started = client.post(f"/api/v1/channels/inbound/{first['inbound_id']}/start", json={"claimant": "rasa-a"}, headers=channels_auth)
    assert verify(started.json()["turn"]).phone == OWNER
    assert verify(started.json()["turn"]).expires_at == NOW + timedelta(minutes=settings.turn_grant_minutes)
    client.app.dependency_overrides[get_now] = lambda: NOW + timedelta(seconds=settings.inbound_lease_seconds + 1)
    taken = client.post("/api/v1/channels/inbound/unfinished", headers=channels_auth,
                        json={"provider": "twilio", "channel": "whatsapp", "claimant": "rasa-b"}).json()
    assert {verify(t["turn"]).phone for t in taken} == {OWNER, AGENT}


def test_choosing_a_service_brings_its_definition_and_only_the_turns_own_agent(client):
    """One call for the form's "which application?" turn: the service and its definition, and the
    field agent only when the turn's own phone is one (a body naming an agent's phone is not)."""
    choose = lambda q, phone, sender: client.post(  # noqa: E731
        "/api/v1/certificates/services/choose", json={"q": q, "phone": phone}, headers=in_turn(client, sender)).json()
    last = max(s["number"] for s in client.get("/api/v1/certificates/services", headers=in_turn(client, OWNER)).json())
    citizen = choose("आय", OWNER, OWNER)
    assert (citizen["service"]["code"], citizen["agent"], citizen["last"]) == ("income", None, last)
    assert [f["name"] for f in citizen["service"]["fields"]][:2] == ["applicant_name", "guardian_name"]
    agent = choose("3", f"whatsapp:{AGENT}", AGENT)
    assert (agent["service"]["code"], agent["agent"]) == ("residence", {"id": "PSS-BALIANTA-01", "name": "Pramila Sahoo"})
    assert choose("3", AGENT, OWNER)["agent"] is None
    assert choose("passport", OWNER, OWNER) == {"service": None, "last": last, "agent": None, "first_answer": None, "reopen": None}
