"""The console on a call: an official who calls Sathi from their registered mobile hears how many
cases wait for them and the first ones, opens one by its number, acts by keypad, and gives a reason
by voice; the same rights as in the console; a step answered once; a citizen's call is not theirs."""
from sqlalchemy import select

import locales
from backend.db import get_session_factory
from backend.models import AuditEntry, Case, Citizen
from tests.conftest import in_turn

CITIZEN = "whatsapp:+919812377311"
OFFICIAL_EN = "+919437200105"  # BMC-ENG-S: engineering, wards 34-67; English
OFFICIAL_OR = "+919437200101"  # BMC-SAN-N: sanitation, wards 1-33; Odia
DRAIN = {"category": "drainage", "description": "Drain blocked near the school, water on the road", "ward": "BMC-W45",
         "citizen_phone": CITIZEN, "language": "en", "channel": "twilio_whatsapp"}
GARBAGE = {**DRAIN, "category": "garbage", "description": "Garbage not collected for a week", "ward": "BMC-W12"}


def _claim(client, channels_auth, sid: str, phone: str) -> dict:
    claimed = client.post("/api/v1/channels/inbound", headers=channels_auth, json={
        "provider": "twilio", "external_id": sid, "channel": "voice", "phone": phone})
    assert claimed.status_code == 200, claimed.text
    return claimed.json()


def _step(client, channels_auth, sid: str, phone: str, text: str = "", menu: dict | None = None, start: bool = False) -> dict:
    """A call's step as the voice channel takes it: claimed, then answered by the staff's call."""
    claim = _claim(client, channels_auth, sid, phone)
    assert claim["first"] and claim["staff"] is True
    answered = client.post(f"/api/v1/channels/inbound/{claim['inbound_id']}/staff-call", headers=channels_auth,
                           json={"text": text, "menu": menu or {}, "start": start})
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["outcome"] == "answered"
    return {**body, "spoken": " ".join(p["text"] for p in body["said"]), "inbound_id": claim["inbound_id"]}


def _file(client, grievance: dict) -> str:
    return client.post("/api/v1/grievances", json=grievance, headers=in_turn(client, CITIZEN)).json()["reference"]


def test_an_official_hears_the_count_opens_a_case_and_rejects_it_with_a_spoken_reason(client, settings, channels_auth):
    first, second = _file(client, DRAIN), _file(client, {**DRAIN, "description": "Pothole in front of house 12"})
    start = _step(client, channels_auth, "CAa:0", OFFICIAL_EN, start=True)
    assert start["language"] == "en" and start["words"] is False
    said = start["spoken"]
    assert said.startswith("Namaste") and "Cases waiting for you: 2." in said
    assert said.index(first) < said.index(second) and "Press a case's number to open it." in said
    assert start["menu"] == {"1": f"#open {first}", "2": f"#open {second}", "0": "#pending"}
    assert [p["key"] for p in start["said"]][:2] == ["console.chat.call.greeting", "console.chat.pending.title"]

    opened = _step(client, channels_auth, "CAa:1", OFFICIAL_EN, "1", start["menu"])
    assert opened["spoken"].startswith(f"{first}, ") and "Drain blocked near the school" in opened["spoken"]
    assert "To choose, press: 1 Resolve, 2 Reject, 0 Your list." in opened["spoken"]
    assert opened["menu"] == {"1": f"#act {first} RESOLVE", "2": f"#act {first} REJECT", "0": "#pending"}

    asked = _step(client, channels_auth, "CAa:2", OFFICIAL_EN, "2", opened["menu"])
    assert asked["words"] is True and 'Say the reason for "Reject"' in asked["spoken"]
    short = _step(client, channels_auth, "CAa:3", OFFICIAL_EN, "no", asked["menu"])  # a reason says something
    assert short["words"] is True and short["spoken"].startswith("Please say the reason in a few words.")
    done = _step(client, channels_auth, "CAa:4", OFFICIAL_EN, "This drain belongs to the railways", short["menu"])
    assert done["words"] is False and done["spoken"].startswith(f'Done: {first} is now "Rejected".')
    assert done["menu"] == {"0": "#pending"}

    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == first))
        assert case.state == "REJECTED"
        assert (case.history[-1].actor_id, case.history[-1].reason) == ("BMC-ENG-S", "This drain belongs to the railways")
        trail = session.scalars(select(AuditEntry).where(AuditEntry.actor_id == "BMC-ENG-S").order_by(AuditEntry.id)).all()
        assert [(a.action, a.outcome, a.detail.get("via")) for a in trail] == [
            ("case.view", "ok", "call"), ("case.act", "ok", None)]
        # the call's numbers travel with the call: the chat's menu on their phone is not touched
        official = session.scalar(select(Citizen).where(Citizen.phone == OFFICIAL_EN))
        assert official is None or not official.menu

    again = _step(client, channels_auth, "CAa:5", OFFICIAL_EN, "0", done["menu"])
    assert "Cases waiting for you: 1." in again["spoken"] and first not in again["spoken"]


def test_a_step_is_answered_once_and_a_citizens_call_is_not_the_staffs(client, settings, channels_auth):
    start = _step(client, channels_auth, "CAb:0", OFFICIAL_EN, start=True)
    assert client.put("/api/v1/channels/inbound/response", headers=channels_auth,
                      json={"provider": "twilio", "external_id": "CAb:0", "response": "<Response/>"}).status_code == 204
    replayed = client.post(f"/api/v1/channels/inbound/{start['inbound_id']}/staff-call", headers=channels_auth,
                           json={"text": "1", "menu": {}, "start": False})
    assert replayed.status_code == 409 and replayed.json()["detail"]["code"] == "not_a_call_step"

    citizen = _claim(client, channels_auth, "CAc:0", CITIZEN.removeprefix("whatsapp:"))
    assert citizen["staff"] is False
    asked = client.post(f"/api/v1/channels/inbound/{citizen['inbound_id']}/staff-call", headers=channels_auth,
                        json={"text": "", "menu": {}, "start": True})
    assert asked.json() == {"outcome": "not_staff", "language": None, "said": [], "menu": {}, "words": False}
    text_message = client.post("/api/v1/channels/inbound", headers=channels_auth, json={
        "provider": "twilio", "external_id": "SMc1", "channel": "whatsapp", "phone": OFFICIAL_EN, "claimant": "rasa-a",
        "payload": {"sender": OFFICIAL_EN, "text": "1", "metadata": {}}}).json()
    refused = client.post(f"/api/v1/channels/inbound/{text_message['inbound_id']}/staff-call", headers=channels_auth,
                          json={"text": "1", "menu": {}, "start": False})
    assert refused.status_code == 409  # a message is the chat's, not a call's
    assert client.post(f"/api/v1/channels/inbound/{start['inbound_id']}/staff-call",
                       json={"text": "", "menu": {}, "start": True}).status_code == 401  # the channels' token only


def test_an_odia_official_hears_recorded_phrases_and_is_refused_a_case_outside_their_area(client, settings, channels_auth):
    garbage, drain = _file(client, GARBAGE), _file(client, DRAIN)
    start = _step(client, channels_auth, "CAd:0", OFFICIAL_OR, start=True)
    assert start["language"] == "or" and garbage in start["spoken"] and drain not in start["spoken"]
    title = next(p for p in start["said"] if p["key"] == "console.chat.pending.title")
    assert title["variables"] == {"count": "1"}
    assert title["text"] == locales.render("console.chat.pending.title", "or", "voice", count=1)["text"]

    opened = _step(client, channels_auth, "CAd:1", OFFICIAL_OR, "1", start["menu"])
    assert opened["menu"]["1"] == f"#act {garbage} RESOLVE"
    resolved = _step(client, channels_auth, "CAd:2", OFFICIAL_OR, "1", opened["menu"])  # no photo on a call
    assert resolved["spoken"].startswith(locales.render("console.chat.done", "or", "voice", reference=garbage,
                                                        state="ନିଷ୍ପତ୍ତି ହୋଇଛି")["text"][:10])
    with get_session_factory(settings.database_url)() as session:
        assert session.scalar(select(Case.state).where(Case.reference == garbage)) == "RESOLVED"

    # a case outside their area, asked for by its number (as a recognised speech or an old menu would)
    refused = _step(client, channels_auth, "CAd:3", OFFICIAL_OR, "1", {"1": f"#act {drain} RESOLVE"})
    assert refused["spoken"].startswith(locales.render("console.refused.not_your_department", "or")["text"])
    with get_session_factory(settings.database_url)() as session:
        assert session.scalar(select(Case.state).where(Case.reference == drain)) == "PENDING_AT_OFFICIAL"
