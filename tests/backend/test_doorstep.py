"""Filing at the doorstep: a field agent files for a citizen only with the citizen's consent, a code
sent to the citizen's phone by SMS naming the agent, read out and typed by the agent. Wrong codes
are counted, old ones expire, a phone is not flooded, and only an agent's own turn asks."""
import re
from datetime import timedelta

from sqlalchemy import select

from backend.api.deps import get_now
from backend.models import AuditEntry, Case, OutboxMessage
from tests.conftest import NOW, complaint_body, consent_of, in_turn

AGENT = "+919437400001"  # Pramila Sahoo, Panchayat Swayam Sewak of Balianta
CITIZEN = "+919812377401"
GRIEVANCE = {"category": "garbage", "description": "Garbage not collected for a week", "ward": "BMC-W12",
             "citizen_phone": CITIZEN, "language": "or", "channel": "twilio_whatsapp"}
DESLUDGING = {"certificate_type": "desludging", "citizen_phone": CITIZEN, "language": "or", "channel": "twilio_whatsapp",
              "answers": {"name": "Kuni Nayak", "property_type": "residential", "sanitation_type": "septic tank", "size": "2000",
                          "trips": "1", "place": "ward 12", "landmark": "near the Ram Mandir", "pin": "751007", "slum": "yes",
                          "date": "25 Nov"}}


def _ask(client, citizen: str = CITIZEN, agent: str = AGENT, purpose: str = "grievance"):
    return client.post("/api/v1/doorstep/consent", json={"phone": f"whatsapp:{agent}", "citizen_phone": citizen,
                       "purpose": purpose, "language": "or"}, headers=in_turn(client, agent))


def _confirm(client, code: str, citizen: str = CITIZEN):
    return client.post("/api/v1/doorstep/consent/confirm", json={"phone": AGENT, "citizen_phone": citizen, "code": code},
                       headers=in_turn(client, AGENT))


def _sms(session) -> OutboxMessage:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == "utter_doorstep_consent_code")
                           .order_by(OutboxMessage.id.desc())).first()


def test_a_complaint_and_a_septic_tank_request_are_filed_for_a_citizen_only_with_their_code(client, session):
    assert client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, AGENT)).json()["detail"] == {
        "code": "no_consent"}
    asked = _ask(client, "98123 77401")
    assert asked.status_code == 202 and asked.json() == {"citizen_phone": CITIZEN}
    sms = _sms(session)
    assert (sms.recipient, sms.channel) == (CITIZEN, "sms") and "Pramila Sahoo" in sms.body and "ପଞ୍ଚାୟତ ସ୍ୱୟଂ ସେବକ" in sms.body
    assert "ଏକ ଅଭିଯୋଗ" in sms.body  # what is filed: a complaint
    code = re.search(r"\b\d{6}\b", sms.body).group()
    wrong = "000000" if code != "000000" else "111111"
    assert _confirm(client, wrong).json()["detail"] == {"code": "wrong_code"}
    assert client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, AGENT)).status_code == 403
    assert _confirm(client, " ".join(code)).json() == {"confirmed": True}  # read out digit by digit
    filed = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, AGENT))
    assert filed.status_code == 201, filed.text
    again = client.post("/api/v1/certificates", json=complaint_body(**{**GRIEVANCE, "description": "Drain blocked by garbage"}),
                        headers=in_turn(client, AGENT))
    assert again.status_code == 201, again.text  # the same visit: the consent stands for its complaints
    request = client.post("/api/v1/certificates", json=DESLUDGING, headers=in_turn(client, AGENT))
    assert request.json()["detail"] == {"code": "no_consent"}  # but the citizen agreed to a complaint, not this
    consent_of(client, AGENT, CITIZEN, "certificate")  # an application is not a septic tank request either
    request = client.post("/api/v1/certificates", json=DESLUDGING, headers=in_turn(client, AGENT))
    assert request.json()["detail"] == {"code": "no_consent"}
    consent_of(client, AGENT, CITIZEN, "desludging")  # the kind of filing the conversation asks consent for
    request = client.post("/api/v1/certificates", json=DESLUDGING, headers=in_turn(client, AGENT))
    assert request.status_code == 201, request.text
    session.expire_all()
    cases = session.scalars(select(Case).order_by(Case.id)).all()
    assert [(c.citizen_phone, c.channel, c.history[0].actor_role, c.history[0].actor_id) for c in cases] == [
        (CITIZEN, "twilio_sms", "FIELD_AGENT", "PSS-BALIANTA-01")] * 3  # the citizen hears of each step by SMS
    told = session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == "utter_doorstep_filed")).all()
    assert [(m.recipient, m.channel) for m in told] == [(CITIZEN, "sms")] * 3
    assert all("Pramila Sahoo" in m.body and m.body.count(c.reference) == 2 for m, c in zip(told, cases, strict=True))


def test_codes_expire_are_guessed_only_five_times_and_a_phone_is_not_flooded(client, session):
    assert _confirm(client, "123456").json()["detail"] == {"code": "no_consent"}  # nothing asked yet
    _ask(client)
    for _ in range(5):
        assert _confirm(client, "999999").json()["detail"]["code"] in ("wrong_code", "too_many_tries")
    code = re.search(r"\b\d{6}\b", _sms(session).body).group()
    assert _confirm(client, code).json()["detail"] == {"code": "too_many_tries"}  # even the right one, now
    assert _ask(client).status_code == 202
    assert _ask(client).status_code == 202
    assert _ask(client).json()["detail"] == {"code": "rate_limited"}  # 3 codes in 15 minutes
    later = NOW + timedelta(minutes=16)
    client.app.dependency_overrides[get_now] = lambda: later
    session.expire_all()
    code = re.search(r"\b\d{6}\b", _sms(session).body).group()
    assert _confirm(client, code).json()["detail"] == {"code": "expired"}
    consent_of(client, AGENT, CITIZEN)  # a new code works


def test_only_a_field_agent_in_their_own_turn_asks_and_the_mobile_must_be_one(client):
    citizen_asks = client.post("/api/v1/doorstep/consent", json={"phone": CITIZEN, "citizen_phone": "+919812377402",
                                                                    "purpose": "grievance"},
                               headers=in_turn(client, CITIZEN))
    assert citizen_asks.json()["detail"] == {"code": "not_a_field_agent"}
    not_theirs = client.post("/api/v1/doorstep/consent", json={"phone": AGENT, "citizen_phone": CITIZEN, "purpose": "grievance"},
                             headers=in_turn(client, CITIZEN))
    assert not_theirs.json()["detail"] == {"code": "not_your_turn"}
    assert _ask(client, "12345").json()["detail"] == {"code": "no_match", "field": "citizen_phone"}
    assert _ask(client, AGENT).json()["detail"] == {"code": "own_number"}  # not for themselves


def test_a_confirmed_consent_still_checks_its_code_and_an_agent_cannot_flood_phones(client, session):
    consent_of(client, AGENT, CITIZEN)
    assert _confirm(client, "000000").json()["detail"]["code"] in ("wrong_code", "too_many_tries")  # not "any code"
    for n in range(19):  # 20 codes an hour, whoever they go to
        assert _ask(client, f"+9198123775{n:02d}").status_code == 202
    assert _ask(client, "+919812377599").json()["detail"] == {"code": "rate_limited"}
    trail = session.scalars(select(AuditEntry).where(AuditEntry.actor_id == "PSS-BALIANTA-01", AuditEntry.outcome == "refused")
                            .order_by(AuditEntry.id)).all()
    assert [(a.action, a.detail["code"]) for a in trail] == [
        ("doorstep.consent", "wrong_code"), ("doorstep.ask", "rate_limited")]  # refusals are audited
