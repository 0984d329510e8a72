"""Durable inbound turns through the API the channels call: a message is kept pending until the
turn's replies are queued, once; a turn its process left is taken up by one other process only."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.api.deps import get_now
from backend.models import InboundMessage, OutboxMessage
from backend.services import turn_grants
from backend.services.citizens import normalise_phone
from tests.conftest import NOW, complaint_body

PHONE = "whatsapp:+919812300001"
PAYLOAD = {"sender": PHONE, "text": "Water stopped coming since Monday", "metadata": {"channel": "whatsapp"}}


def claim(client, channels_auth, sid: str, claimant: str = "rasa-a", payload: dict | None = PAYLOAD) -> dict:
    response = client.post(
        "/api/v1/channels/inbound",
        json={"provider": "twilio", "external_id": sid, "channel": "whatsapp", "phone": PHONE, "payload": payload, "claimant": claimant},
        headers=channels_auth,
    )
    assert response.status_code == 200, response.text
    return response.json()


def finish(client, channels_auth, inbound_id: int, body: str = "Thank you", claimant: str = "rasa-a") -> list[int]:
    response = client.post(
        "/api/v1/outbox/replies",
        json={"channel": "whatsapp", "phone": PHONE, "replies": [{"body": body}], "menu": None, "inbound_id": inbound_id,
              "claimant": claimant},
        headers=channels_auth,
    )
    assert response.status_code == 202, response.text
    return response.json()["ids"]


def start(client, channels_auth, inbound_id: int, claimant: str):
    return client.post(f"/api/v1/channels/inbound/{inbound_id}/start", json={"claimant": claimant}, headers=channels_auth)


def take(client, channels_auth, claimant: str) -> list[dict]:
    response = client.post(
        "/api/v1/channels/inbound/unfinished", json={"provider": "twilio", "channel": "whatsapp", "claimant": claimant}, headers=channels_auth
    )
    assert response.status_code == 200, response.text
    return response.json()


def at(app, moment) -> None:
    app.dependency_overrides[get_now] = lambda: moment


def outbox_count(session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage))


def test_a_message_is_kept_pending_with_what_the_turn_needs(client, channels_auth, session):
    first = claim(client, channels_auth, "SM1")
    assert first["first"] is True and first["inbound_id"]
    row = session.get(InboundMessage, first["inbound_id"])
    assert (row.state, row.claimant, row.payload) == ("pending", "rasa-a", PAYLOAD)
    assert row.lease_until is not None


def test_the_same_claimant_asking_again_is_still_first_anyone_else_is_a_repeat(client, channels_auth):
    first = claim(client, channels_auth, "SM2")
    again = claim(client, channels_auth, "SM2")  # its answer was lost on the way: it must still run the turn
    other = claim(client, channels_auth, "SM2", claimant="rasa-b")  # Twilio's retry reaching another process
    assert again["first"] is True and again["inbound_id"] == first["inbound_id"]
    assert other["first"] is False


def test_replies_finish_the_turn_once_however_often_they_are_sent(client, channels_auth, session):
    inbound_id = claim(client, channels_auth, "SM3")["inbound_id"]
    assert len(finish(client, channels_auth, inbound_id)) == 1
    assert finish(client, channels_auth, inbound_id) == []  # a retry after a lost answer
    assert outbox_count(session) == 1
    session.expire_all()
    row = session.get(InboundMessage, inbound_id)
    assert (row.state, row.payload) == ("done", None)  # the citizen's words are not kept once answered
    assert claim(client, channels_auth, "SM3")["first"] is False  # done: even its own claimant does not run it again


def test_a_turn_left_by_a_dead_process_is_taken_by_one_other_process_after_its_lease(app, client, channels_auth, settings):
    inbound_id = claim(client, channels_auth, "SM4")["inbound_id"]
    assert take(client, channels_auth, "rasa-b") == []  # the first process may still be on it
    at(app, NOW + timedelta(seconds=settings.inbound_lease_seconds + 1))
    taken = take(client, channels_auth, "rasa-b")
    assert [(t["inbound_id"], t["external_id"], t["payload"], t["attempts"]) for t in taken] == [(inbound_id, "SM4", PAYLOAD, 2)]
    assert take(client, channels_auth, "rasa-c") == []  # now leased to rasa-b


def test_finished_and_voice_steps_are_never_resumed(app, client, channels_auth, settings):
    finish(client, channels_auth, claim(client, channels_auth, "SM5")["inbound_id"])
    claim(client, channels_auth, "CA1:0", payload=None)  # voice answers synchronously: nothing to resume
    at(app, NOW + timedelta(hours=1))
    assert take(client, channels_auth, "rasa-b") == []


def test_retry_later_holds_the_turn_back_only_for_its_claimant(app, client, channels_auth):
    inbound_id = claim(client, channels_auth, "SM6")["inbound_id"]
    refused = client.post(f"/api/v1/channels/inbound/{inbound_id}/retry-later", json={"claimant": "rasa-b", "delay_seconds": 0}, headers=channels_auth)
    assert refused.status_code == 409
    held = client.post(f"/api/v1/channels/inbound/{inbound_id}/retry-later", json={"claimant": "rasa-a", "delay_seconds": 0}, headers=channels_auth)
    assert held.status_code == 204
    at(app, NOW + timedelta(seconds=1))
    assert [t["inbound_id"] for t in take(client, channels_auth, "rasa-a")] == [inbound_id]


def test_stop_said_as_a_message_finishes_its_turn_with_the_confirmation(client, channels_auth, session):
    inbound_id = claim(client, channels_auth, "SM7")["inbound_id"]
    body = {"phone": PHONE, "channel": "whatsapp", "opted_out": True, "language": "hi", "inbound_id": inbound_id, "claimant": "rasa-a"}
    assert client.post("/api/v1/channels/opt-out", json=body, headers=channels_auth).status_code == 204
    assert client.post("/api/v1/channels/opt-out", json=body, headers=channels_auth).status_code == 204
    assert outbox_count(session) == 1  # one confirmation, though the channel said it twice
    session.expire_all()
    assert session.get(InboundMessage, inbound_id).state == "done"


def test_a_turn_taken_over_is_finished_only_by_the_process_that_took_it(app, client, channels_auth, session, settings):
    inbound_id = claim(client, channels_auth, "SM8", claimant="rasa-a")["inbound_id"]
    assert start(client, channels_auth, inbound_id, "rasa-b").status_code == 409  # rasa-a holds it
    at(app, NOW + timedelta(seconds=settings.inbound_lease_seconds + 1))  # rasa-a went quiet
    assert start(client, channels_auth, inbound_id, "rasa-b").status_code == 200
    assert finish(client, channels_auth, inbound_id, body="from a, too late", claimant="rasa-a") == []
    assert len(finish(client, channels_auth, inbound_id, body="from b", claimant="rasa-b")) == 1
    assert [m.body for m in session.scalars(select(OutboxMessage))] == ["from b"]
    assert start(client, channels_auth, inbound_id, "rasa-b").status_code == 409  # done


def test_starting_a_turn_renews_its_lease_and_reads_the_number_as_it_is_now(app, client, channels_auth, settings):
    first = claim(client, channels_auth, "SM9")["inbound_id"]
    then = claim(client, channels_auth, "SM10")["inbound_id"]
    stop = {"phone": PHONE, "channel": "whatsapp", "opted_out": True, "language": "en", "inbound_id": first, "claimant": "rasa-a"}
    assert client.post("/api/v1/channels/opt-out", json=stop, headers=channels_auth).status_code == 204
    # SM10 was claimed before the STOP's turn ran: what it depends on is read when it starts.
    started = start(client, channels_auth, then, "rasa-a").json()
    grant = turn_grants.verify(secret=settings.turn_secret, grant=started.pop("turn"), now=NOW)  # to act for this phone
    assert started == {"opted_out": True, "menu": None, "lease_seconds": settings.inbound_lease_seconds,
                       "with_person": False, "staff": False}
    assert grant.phone == normalise_phone(PHONE) and grant.agent_id is None
    at(app, NOW + timedelta(seconds=settings.inbound_lease_seconds - 1))
    assert start(client, channels_auth, then, "rasa-a").status_code == 200  # a heartbeat: the lease runs from now
    at(app, NOW + timedelta(seconds=settings.inbound_lease_seconds + 1))
    assert take(client, channels_auth, "rasa-b") == []  # still held


def test_a_voice_step_answer_is_read_back_by_the_channels_only(client, channels_auth):
    """A call asks its last question again from the step that asked it."""
    claim(client, channels_auth, "CA2:3", payload=None)
    twiml = '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="x"><Say>Press 1</Say></Gather></Response>'
    stored = client.put("/api/v1/channels/inbound/response", headers=channels_auth,
                        json={"provider": "twilio", "external_id": "CA2:3", "response": twiml})
    assert stored.status_code == 204
    read = {"provider": "twilio", "external_id": "CA2:3"}
    assert client.get("/api/v1/channels/inbound/response", params=read, headers=channels_auth).json() == {"response": twiml}
    unknown = client.get("/api/v1/channels/inbound/response", params={**read, "external_id": "CA2:4"}, headers=channels_auth)
    assert unknown.status_code == 404
    claim(client, channels_auth, "CA2:4", payload=None)  # claimed, not answered yet
    assert client.get("/api/v1/channels/inbound/response", params={**read, "external_id": "CA2:4"}, headers=channels_auth).status_code == 404
    assert client.get("/api/v1/channels/inbound/response", params=read).status_code in (401, 403)


def test_a_citizen_who_writes_in_latin_letters_gets_sms_notices_in_latin_letters(client, channels_auth, session, turn, staff):
    """Hindi in Latin letters by SMS: the resolution notice comes in Latin letters (GSM-7, 160 a
    segment), and back in Devanagari once they write in Devanagari; English changes nothing."""
    from locales.script import is_gsm7

    phone = "+919812300077"

    def said(sid: str, text: str) -> None:
        response = client.post("/api/v1/channels/inbound", headers=channels_auth, json={
            "provider": "twilio", "external_id": sid, "channel": "sms", "phone": phone, "claimant": "rasa-a",
            "payload": {"sender": phone, "text": text, "metadata": {}}})
        assert response.status_code == 200, response.text

    def resolved_notice() -> str:
        body = {"category": "garbage", "description": "Kachra nahi utha", "ward": "BMC-W12", "citizen_phone": phone,
                "channel": "twilio_sms", "language": "hi"}
        reference = client.post("/api/v1/certificates", json=complaint_body(**body), headers=turn(phone)).json()["reference"]
        client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}, headers=staff("BMC-SAN-N"))
        return session.scalars(select(OutboxMessage.body).where(OutboxMessage.locale_key == "utter_notify_grievance_resolved")
                               .order_by(OutboxMessage.id.desc())).first()

    said("SMlatin1", "mujhe shikayat karni hai, kachra nahi utha")
    said("SMlatin2", "ok thank you")  # English: still the same writer
    latin = resolved_notice()
    assert is_gsm7(latin) and "Sathi" in latin, latin
    said("SMlatin3", "मेरी गली में कचरा नहीं उठा")
    assert "साथी" in resolved_notice()
