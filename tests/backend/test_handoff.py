"""A person when asked: the conversation opens for the staff who serve the citizen's newest case
(else the town's nodal officer), takes what the citizen writes while it is open (the channels'
turn goes to it, not the bot), carries a person's reply to the citizen's phone, is escalated when
no one answers in time, and hands the citizen back to the bot when closed."""
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.api.deps import get_now
from backend.db import get_session_factory
from backend.models import Case, OutboxMessage
from backend.outbox_worker import OutboxWorker
from backend.senders.twilio import TwilioSender
from backend.services import citizens, handoff
from backend.services.media import Fetched
from backend.sweeper import sweep_once
from tests.backend.twilio_fake import FakeTwilio
from tests.conftest import NOW, complaint_body, in_turn, kept_and_started

PHONE = "whatsapp:+919812377001"
GRIEVANCE = {"category": "garbage", "description": "Garbage not collected for a week", "ward": "BMC-W12",
             "citizen_phone": PHONE, "language": "hi", "channel": "twilio_whatsapp"}


def _open(client, phone: str = PHONE, **body):
    return client.post("/api/v1/handoff", headers=in_turn(client, phone),
                       json={"phone": phone, "language": "hi", "channel": "twilio_whatsapp", **body})


def _message(client, channels_auth, sid: str, text: str, phone: str = PHONE, media: list | None = None) -> dict:
    return kept_and_started(client, channels_auth, sid, text, phone, media)


def _to_person(client, channels_auth, inbound_id: int, claimant: str = "rasa-a"):
    return client.post(f"/api/v1/channels/inbound/{inbound_id}/to-person", json={"claimant": claimant}, headers=channels_auth)


def _case(settings, reference: str) -> Case:
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference).options(selectinload(Case.history)))
        session.expunge(case)
        return case


def _outbox(settings) -> list[tuple[str, str, str]]:
    with get_session_factory(settings.database_url)() as session:
        return [(m.locale_key, m.recipient, m.body) for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_the_conversation_goes_to_whoever_serves_the_newest_case_and_takes_the_citizens_messages(
    client, settings, staff, channels_auth, monkeypatch
):
    fetched = []
    monkeypatch.setattr(handoff.media, "fetch_photo", lambda settings, url: fetched.append(url) or Fetched("a1b2.jpg", None))
    complaint = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, PHONE)).json()["reference"]
    asking = _message(client, channels_auth, "SMh0", "kisi insaan se baat karao")  # the message that asks
    opened = _open(client, during="grievance")
    assert opened.status_code == 201, opened.text
    reference = opened.json()["reference"]
    assert reference.startswith("HLP-2026-") and opened.json()["state"] == "WAITING"
    assert opened.json()["answer_by"].startswith("2026-11-23T11:30")  # a person answers within 2 hours
    assert _open(client).json()["reference"] == reference  # asked again: the same conversation
    again = client.post(f"/api/v1/channels/inbound/{asking['inbound_id']}/start", json={"claimant": "rasa-a"},
                        headers=channels_auth).json()
    assert again["with_person"] is False  # the asking message, run again after a crash, is still the bot's
    case = _case(settings, reference)
    assert (case.ulb, case.ward_number, case.department, case.assignee_id) == ("BMC", 12, "SANITATION", "BMC-SAN-N")
    assert case.details == {"ulb": "BMC", "ward": "BMC-W12", "department": "SANITATION", "about": complaint, "during": "grievance"}
    alert = [m for m in _outbox(settings) if m[0] == "utter_alert_handoff_opened"]
    assert alert == [("utter_alert_handoff_opened", "+919437200101", alert[0][2])] and reference in alert[0][2]
    assert "23-11-2026 17:00" in alert[0][2]  # the hour counts: 2 hours from 15:00 in India

    # What the citizen writes now goes to the conversation, with what it carries; the bot stays out.
    client.app.dependency_overrides[get_now] = lambda: NOW + timedelta(minutes=30)
    first = _message(client, channels_auth, "SMh1", "Kal se koi nahi aaya",
                     media=[{"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg"}])
    assert first["with_person"] is True
    assert _to_person(client, channels_auth, first["inbound_id"], claimant="rasa-b").json() == {"outcome": "not_yours"}
    assert _to_person(client, channels_auth, first["inbound_id"]).json() == {"outcome": "given"}
    assert _to_person(client, channels_auth, first["inbound_id"]).json() == {"outcome": "given"}  # a retried call: once
    case = _case(settings, reference)
    assert [(h.action, h.reason) for h in case.history][-1] == ("WRITE", "Kal se koi nahi aaya\nhttps://api.twilio.com/media/ME1")
    assert [h.action for h in case.history].count("WRITE") == 1
    # Its photo is fetched after the answer (with Twilio's credentials) and kept for the staff to see.
    assert fetched == ["https://api.twilio.com/media/ME1"] and case.details["photos"] == ["a1b2.jpg"]
    assert case.sla_due_at == NOW + timedelta(hours=2)  # a further message does not move the promise
    assert _message(client, channels_auth, "SMh-other", "hello", phone="whatsapp:+919812377002")["with_person"] is False

    # A person answers; the citizen reads it on their phone; writing again waits for a person again.
    act = lambda who, **body: client.post(f"/api/v1/cases/{reference}/actions", json=body, headers=staff(who))  # noqa: E731
    assert act("BMC-ENG-N", action="REPLY", reason="x").status_code == 403  # another department
    assert act("BMC-SAN-N", action="REPLY").status_code == 422  # the reply is its words
    replied = act("BMC-SAN-N", action="REPLY", reason="Kal subah gaadi aayegi. Aapka ward 12 hai na?")
    assert replied.status_code == 200 and replied.json()["state"] == "ANSWERED"
    reply = [m for m in _outbox(settings) if m[0] == "utter_notify_handoff_reply"]
    assert reply[0][1] == "+919812377001" and "Kal subah gaadi aayegi. Aapka ward 12 hai na?" in reply[0][2]
    assert "दफ़्तर से" in reply[0][2]  # in the citizen's language
    later = _message(client, channels_auth, "SMh2", "Haan ward 12")
    assert later["with_person"] and _to_person(client, channels_auth, later["inbound_id"]).json() == {"outcome": "given"}
    assert _case(settings, reference).state == "WAITING"
    assert act("BMC-SAN-SUP", action="REPLY", reason="Theek hai").status_code == 200  # the supervisor may answer too

    # Closed: the citizen is told, and is back with the bot.
    assert act("BMC-SAN-N", action="CLOSE").json()["state"] == "CLOSED"
    assert [m[0] for m in _outbox(settings)][-1] == "utter_notify_handoff_closed"
    after = _message(client, channels_auth, "SMh3", "namaste")
    assert after["with_person"] is False
    assert _to_person(client, channels_auth, after["inbound_id"]).json() == {"outcome": "no_conversation"}  # the bot's
    assert _open(client).json()["reference"] != reference  # asking again opens a new one


def test_with_no_case_the_towns_nodal_officer_answers_and_is_alone_in_it(client, settings, staff):
    phone = "+919812377003"
    reference = _open(client, phone, channel="twilio_sms").json()["reference"]
    case = _case(settings, reference)
    assert (case.ulb, case.department, case.assignee_id, case.details) == ("BMC", None, "BMC-NODAL", {"ulb": "BMC"})
    act = lambda who, **body: client.post(f"/api/v1/cases/{reference}/actions", json=body, headers=staff(who))  # noqa: E731
    assert act("CMC-NODAL", action="REPLY", reason="x").status_code == 403  # another town
    assert act("BMC-SAN-N", action="REPLY", reason="x").status_code == 403  # no department: not an official's
    assert act("BMC-NODAL", action="REPLY", reason="Boliye, kya madad chahiye?").status_code == 200
    sms = [m for m in _outbox(settings) if m[0] == "utter_notify_handoff_reply"]
    assert sms[0][1] == "+919812377003" and "Boliye, kya madad chahiye?" in sms[0][2]


def test_a_conversation_no_one_answers_goes_to_the_supervisor(client, settings):
    client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, PHONE))
    reference = _open(client).json()["reference"]
    assert reference not in sweep_once(settings, NOW + timedelta(hours=1, minutes=59))
    assert reference in sweep_once(settings, NOW + timedelta(hours=2, minutes=1))
    case = _case(settings, reference)
    assert (case.state, case.assignee_id, case.escalations) == ("WAITING", "BMC-SAN-SUP", 1)
    assert [m[1] for m in _outbox(settings) if m[0] == "utter_alert_handoff_escalated"] == ["+919437200201"]


def test_only_the_citizen_opens_their_own(client):
    other = client.post("/api/v1/handoff", headers=in_turn(client, "+919812377004"),
                        json={"phone": PHONE, "language": "en", "channel": "twilio_whatsapp"})
    assert other.status_code == 403
    assert client.post("/api/v1/handoff", json={"phone": PHONE, "language": "en", "channel": "x"}).status_code == 401


def test_a_reply_a_day_after_the_citizen_last_wrote_goes_as_the_approved_template(client, settings, staff, session, clock):
    """Staff may answer hours later: outside WhatsApp's 24-hour window the reply is the registered
    template, its words in its variables."""
    citizens.touch_inbound(session, phone=PHONE, channel="whatsapp", now=NOW)
    session.commit()
    reference = _open(client).json()["reference"]
    client.app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=25)
    reply = client.post(f"/api/v1/cases/{reference}/actions", json={"action": "REPLY", "reason": "Gaadi kal aayegi"},
                        headers=staff("BMC-NODAL"))
    assert reply.status_code == 200, reply.text
    fake = FakeTwilio()
    clock.now = NOW + timedelta(hours=25)
    sender = TwilioSender(settings, transport=fake.transport)
    OutboxWorker(settings, senders={"whatsapp": sender, "sms": sender}, clock=clock).run_once()
    sent = [m for m in fake.sent if m.get("content_sid") == "HX0000000000000000000000000000hi38"]
    assert len(sent) == 1 and sent[0]["body"] == ""
    assert json.loads(sent[0]["content_variables"]) == {"1": reference, "2": "Gaadi kal aayegi"}


def test_a_conversation_no_one_writes_in_after_the_answer_closes_itself(client, settings, staff):
    """Nobody is kept from the bot for ever: three working days after a person's answer with no
    message from the citizen, Sathi closes it and tells them. Only a service is kept as what they
    were doing (a status question is not)."""
    reference = _open(client, during="status").json()["reference"]
    assert "during" not in _case(settings, reference).details
    client.post(f"/api/v1/cases/{reference}/actions", json={"action": "REPLY", "reason": "Boliye"}, headers=staff("BMC-NODAL"))
    answered = _case(settings, reference).sla_due_at
    assert answered == datetime(2026, 11, 26, 9, 30, tzinfo=UTC)  # Monday 15:00 + 24 working hours: Thursday 15:00
    assert reference not in sweep_once(settings, answered - timedelta(minutes=1))
    assert reference in sweep_once(settings, answered + timedelta(minutes=1))
    assert _case(settings, reference).state == "CLOSED"
    assert [m[0] for m in _outbox(settings)][-1] == "utter_notify_handoff_closed"
    assert sweep_once(settings, answered + timedelta(days=5)) == []  # once


def test_the_citizens_words_are_only_for_those_who_serve_them(client, settings, staff, channels_auth):
    reference = _open(client, "+919812377005").json()["reference"]
    message = _message(client, channels_auth, "SMh-p1", "Mera naam Sunita hai, ghar number 12", phone="+919812377005")
    _to_person(client, channels_auth, message["inbound_id"])
    serving = client.get(f"/api/v1/cases/{reference}/history", headers=staff("BMC-NODAL")).json()
    assert serving[-1]["reason"] == "Mera naam Sunita hai, ghar number 12"
    watching = client.get(f"/api/v1/cases/{reference}/history", headers=staff("SATHI-ADMIN")).json()
    assert watching[-1]["action"] == "WRITE" and watching[-1]["reason"] is None


def test_menu_takes_the_citizen_back_and_a_reply_stands_whatever_they_wrote_meanwhile(client, settings, staff, channels_auth):
    phone = "+919812377006"
    reference = _open(client, phone).json()["reference"]
    seen_version = _case(settings, reference).version
    client.app.dependency_overrides[get_now] = lambda: NOW + timedelta(minutes=5)
    written = _message(client, channels_auth, "SMh-m1", "koi hai kya?", phone=phone)
    _to_person(client, channels_auth, written["inbound_id"])
    replied = client.post(f"/api/v1/cases/{reference}/actions", headers=staff("BMC-NODAL"),
                          json={"action": "REPLY", "reason": "Haan, boliye.", "expected_version": seen_version})
    assert replied.status_code == 200, replied.text  # the citizen's message made a new version: the reply stands
    assert "Haan, boliye." in [m for m in _outbox(settings) if m[0] == "utter_notify_handoff_reply"][0][2]  # as written
    menu = _message(client, channels_auth, "SMh-m2", "MENU", phone=phone)
    assert menu["with_person"] is True
    left = client.post(f"/api/v1/channels/inbound/{menu['inbound_id']}/leave-person", json={"claimant": "rasa-a"},
                       headers=channels_auth)
    assert left.status_code == 204
    case = _case(settings, reference)
    assert (case.state, case.history[-1].action, case.history[-1].actor_role) == ("CLOSED", "LEAVE", "CITIZEN")
    assert _message(client, channels_auth, "SMh-m3", "help", phone=phone)["with_person"] is False  # the bot's again


def test_a_tanker_booking_s_conversation_is_its_town_s_water_department_s(client, settings):
    phone = "+919812377007"
    booking = {"certificate_type": "water_tanker", "citizen_phone": phone, "language": "en", "channel": "twilio_sms",
               "answers": {"booking_name": "Sabitri Behera", "tanker_size": "1", "delivery_place": "ward 12 Bhubaneswar",
                           "landmark": "behind the Ram temple"}}
    assert client.post("/api/v1/certificates", json=booking, headers=in_turn(client, phone)).status_code == 201
    case = _case(settings, _open(client, phone).json()["reference"])
    assert (case.ulb, case.ward_number, case.department, case.office, case.assignee_id) == ("BMC", 12, "WATER", None, "BMC-WAT-01")
