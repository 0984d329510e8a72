"""The console on a call: an official who calls Sathi from their registered mobile first keys a code
sent to that mobile (a caller ID proves nothing), then hears how many cases wait for them and the
first ones, opens one by its number, acts by keypad, gives a reason by voice and hears it back,
and confirms before anything is done; the same rights as in the console; what each key means is
kept by the backend, never taken from the caller; a retried step acts once; a citizen's call is
not the staff's."""
import re

from sqlalchemy import select

import locales
from backend.db import get_session_factory
from backend.models import AuditEntry, Case, OutboxMessage
from tests.conftest import complaint_body, in_turn

CITIZEN = "whatsapp:+919812377311"
OFFICIAL_EN = "+919437200105"  # BMC-ENG-S: engineering, wards 34-67; English, alerts by WhatsApp
OFFICIAL_OR = "+919437200101"  # BMC-SAN-N: sanitation, wards 1-33; Odia
DRAIN = {"category": "drainage", "description": "Drain blocked near the school, water on the road", "ward": "BMC-W45",
         "citizen_phone": CITIZEN, "language": "en", "channel": "twilio_whatsapp"}
GARBAGE = {**DRAIN, "category": "garbage", "description": "Garbage not collected for a week", "ward": "BMC-W12"}


class Call:
    """A call as the voice channel takes it: each step claimed, then answered by the staff's call."""

    def __init__(self, client, channels_auth, sid: str, phone: str) -> None:
        self.client, self.auth, self.sid, self.phone, self.step = client, channels_auth, sid, phone, 0

    def claim(self, step: int) -> dict:
        claimed = self.client.post("/api/v1/channels/inbound", headers=self.auth, json={
            "provider": "twilio", "external_id": f"{self.sid}:{step}", "channel": "voice", "phone": self.phone})
        assert claimed.status_code == 200, claimed.text
        return claimed.json()

    def answer(self, inbound_id: int, text: str) -> dict:
        answered = self.client.post(f"/api/v1/channels/inbound/{inbound_id}/staff-call", headers=self.auth,
                                    json={"text": text})
        assert answered.status_code == 200, answered.text
        body = answered.json()
        assert body["outcome"] == "answered"
        return {**body, "spoken": " ".join(p["text"] for p in body["said"]), "inbound_id": inbound_id}

    def press(self, text: str = "") -> dict:
        claim = self.claim(self.step)
        assert claim["first"] and claim["staff"] is True
        self.step += 1
        return self.answer(claim["inbound_id"], text)


def _code(settings, phone: str) -> str:
    with get_session_factory(settings.database_url)() as session:
        sent = session.scalars(select(OutboxMessage).where(
            OutboxMessage.locale_key == "console_call_code", OutboxMessage.recipient == phone)
            .order_by(OutboxMessage.id.desc())).first()
        return re.search(r"\b\d{6}\b", sent.body).group()


def _signed_in(call: Call, settings) -> dict:
    asked = call.press()
    assert [p["key"] for p in asked["said"]] == ["console.chat.call.code_sent"] and asked["menu"] == {}
    return call.press(_code(settings, call.phone))


def _file(client, grievance: dict) -> str:
    return client.post("/api/v1/certificates", json=complaint_body(**grievance), headers=in_turn(client, CITIZEN)).json()["reference"]


def test_an_official_keys_the_code_opens_a_case_and_rejects_it_with_a_spoken_reason(client, settings, channels_auth):
    first, second = _file(client, DRAIN), _file(client, {**DRAIN, "description": "Pothole in front of house 12"})
    call = Call(client, channels_auth, "CAa", OFFICIAL_EN)
    asked = call.press()
    assert first not in asked["spoken"]  # nothing of a case before the code
    wrong = call.press("000000" if _code(settings, OFFICIAL_EN) != "000000" else "111111")
    assert wrong["spoken"].startswith("That is not the code.") and first not in wrong["spoken"]
    start = call.press(_code(settings, OFFICIAL_EN))
    assert start["language"] == "en" and start["words"] is False and start["one_key"] is True
    said = start["spoken"]
    assert said.startswith("Thank you.") and "Cases waiting for you: 2." in said
    assert said.index(first) < said.index(second) and "Press a case's number to open it." in said
    assert start["menu"] == {"1": f"#open {first}", "2": f"#open {second}", "0": "#pending"}
    assert [p["key"] for p in start["said"]][:2] == ["console.chat.call.greeting", "console.chat.pending.title"]

    opened = call.press("1")
    assert opened["spoken"].startswith(f"{first}, ") and "Drain blocked near the school" in opened["spoken"]
    assert "To choose, press: 1 for Resolve. 2 for Reject. 0 for Your list." in opened["spoken"]
    asked = call.press("2")
    assert asked["words"] is True and asked["one_key"] is False and 'Say the reason for "Reject"' in asked["spoken"]
    short = call.press("no")  # a reason says something
    assert short["words"] is True and short["spoken"].startswith("Please say the reason in a few words.")
    heard = call.press("This drain belongs to the railway")
    assert "The reason I heard: This drain belongs to the railway. Press 1 to confirm, 2 to say the reason again" in heard["spoken"]
    again = call.press("2")  # not what they said: asked again
    assert again["words"] is True and 'Say the reason for "Reject"' in again["spoken"]
    heard = call.press("This drain belongs to the railways")
    with get_session_factory(settings.database_url)() as session:
        assert session.scalar(select(Case.state).where(Case.reference == first)) == "PENDING_AT_OFFICIAL"  # not yet
    done = call.press("1")
    assert done["spoken"].startswith(f'Done: {first} is now "Rejected".') and done["menu"] == {"0": "#pending"}

    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == first))
        assert case.state == "REJECTED"
        assert (case.history[-1].actor_id, case.history[-1].reason) == ("BMC-ENG-S", "This drain belongs to the railways")
        trail = session.scalars(select(AuditEntry).where(AuditEntry.subject == "BMC-ENG-S").order_by(AuditEntry.id)).all()
        assert [(a.action, a.outcome, a.detail.get("code")) for a in trail][:2] == [
            ("signin.code", "ok", None), ("signin.verify", "refused", "wrong_code")]
        trail = session.scalars(select(AuditEntry).where(AuditEntry.actor_id == "BMC-ENG-S", AuditEntry.case_id == case.id)).all()
        assert [(a.action, a.detail["via"]) for a in trail] == [("case.view", "call"), ("case.act", "call")]

    listed = call.press("0")
    assert "Cases waiting for you: 1." in listed["spoken"] and first not in listed["spoken"]


def test_a_retried_step_acts_once_and_keys_mean_only_what_the_backend_offered(client, settings, channels_auth):
    reference = _file(client, DRAIN)
    call = Call(client, channels_auth, "CAb", OFFICIAL_EN)
    _signed_in(call, settings)
    call.press("1")  # open it
    confirm = call.press("1")  # resolve: confirm first
    assert confirm["spoken"].startswith(f"Resolve: {reference}. Press 1 to confirm")
    claim = call.claim(call.step)
    done = call.answer(claim["inbound_id"], "1")
    retried = call.answer(claim["inbound_id"], "1")  # Twilio asked again: the same answer, acted once
    assert retried == done and done["spoken"].startswith(f'Done: {reference} is now "Resolved".')
    with get_session_factory(settings.database_url)() as session:
        acts = session.scalars(select(AuditEntry).where(AuditEntry.actor_id == "BMC-ENG-S", AuditEntry.action == "case.act")).all()
        assert len(acts) == 1
    call.step += 1
    # A key means what the backend offered at the last step; a body saying what it means is refused.
    forged = client.post(f"/api/v1/channels/inbound/{call.claim(call.step)['inbound_id']}/staff-call", headers=channels_auth,
                         json={"text": "1", "menu": {"1": f"#act {reference} REJECT reason=given note=x confirm=yes"}})
    assert forged.status_code == 422


def test_a_citizens_call_is_not_the_staffs_and_a_message_is_not_a_call(client, channels_auth):
    citizen = Call(client, channels_auth, "CAc", CITIZEN.removeprefix("whatsapp:")).claim(0)
    assert citizen["staff"] is False
    asked = client.post(f"/api/v1/channels/inbound/{citizen['inbound_id']}/staff-call", headers=channels_auth, json={"text": ""})
    assert asked.json()["outcome"] == "not_staff"
    message = client.post("/api/v1/channels/inbound", headers=channels_auth, json={
        "provider": "twilio", "external_id": "SMc1", "channel": "whatsapp", "phone": OFFICIAL_EN, "claimant": "rasa-a",
        "payload": {"sender": OFFICIAL_EN, "text": "1", "metadata": {}}}).json()
    refused = client.post(f"/api/v1/channels/inbound/{message['inbound_id']}/staff-call", headers=channels_auth, json={"text": "1"})
    assert refused.status_code == 409
    assert client.post(f"/api/v1/channels/inbound/{citizen['inbound_id']}/staff-call", json={"text": ""}).status_code == 401


def test_an_odia_official_hears_recorded_phrases_and_is_offered_no_action_that_needs_a_reason(
    client, settings, channels_auth
):
    garbage, drain = _file(client, GARBAGE), _file(client, DRAIN)
    call = Call(client, channels_auth, "CAd", OFFICIAL_OR)
    start = _signed_in(call, settings)
    assert start["language"] == "or" and garbage in start["spoken"] and drain not in start["spoken"]
    title = next(p for p in start["said"] if p["key"] == "console.chat.pending.title")
    assert title["variables"] == {"count": "1"}
    assert title["text"] == locales.render("console.chat.pending.title", "or", "voice", count=1)["text"]
    opened = call.press("1")
    # a keypad-only call cannot give a reason a citizen can read: Reject stays on WhatsApp and the console
    assert opened["menu"] == {"1": f"#act {garbage} RESOLVE", "0": "#pending"}
    confirm = call.press("1")
    assert [p["key"] for p in confirm["said"]] == ["console.chat.confirm.head", "console.chat.confirm.press"]
    done = call.press("1")
    state = locales.render("console.state.RESOLVED", "or")["text"]
    assert done["spoken"].startswith(locales.render("console.chat.done", "or", "voice", reference=garbage, state=state)["text"])
    with get_session_factory(settings.database_url)() as session:
        assert session.scalar(select(Case.state).where(Case.reference == garbage)) == "RESOLVED"

    outside = Call(client, channels_auth, "CAe", "+919437200102")  # BMC-SAN-S: sanitation of wards 34-67
    listed = _signed_in(outside, settings)  # the drain (engineering) and the garbage (ward 12) are not theirs
    assert drain not in listed["spoken"] and garbage not in listed["spoken"]
    assert listed["ends"] is True and listed["menu"] == {}  # nothing waits: the call ends kindly, no key awaited


def test_a_long_list_is_heard_five_at_a_time(client, settings, channels_auth):
    references = [_file(client, {**DRAIN, "description": f"Drain blocked at lane {n}"}) for n in range(7)]
    call = Call(client, channels_auth, "CAf", OFFICIAL_EN)
    first = _signed_in(call, settings)
    assert "Cases waiting for you: 7." in first["spoken"] and "Press 9 to hear the next ones." in first["spoken"]
    assert [first["menu"][str(n)] for n in range(1, 6)] == [f"#open {r}" for r in references[:5]]
    assert first["one_key"] is True and references[5] not in first["spoken"]
    rest = call.press("9")
    assert [rest["menu"][str(n)] for n in (1, 2)] == [f"#open {r}" for r in references[5:]] and "9" not in rest["menu"]
    assert "Press 9" not in rest["spoken"] and "due 26 November, 15:00." in rest["spoken"]  # said, not 26-11-2026
    opened = call.press("2")
    assert opened["spoken"].startswith(f"{references[6]}, ")


def test_each_call_proves_the_number_again_and_two_calls_from_it_do_not_mix(client, settings, channels_auth):
    reference = _file(client, DRAIN)
    first = Call(client, channels_auth, "CAg", OFFICIAL_EN)
    _signed_in(first, settings)
    other = Call(client, channels_auth, "CAh", OFFICIAL_EN)  # the same number calls again meanwhile
    asked = other.press()
    assert [p["key"] for p in asked["said"]] == ["console.chat.call.code_sent"]  # a new call: a new code
    first.claim(first.step)  # a silence: the channel asks again by itself, the step is claimed, not answered
    first.step += 1
    opened = first.press("1")  # the first call goes on where it was: its list's first case
    assert opened["spoken"].startswith(f"{reference}, ")
    code = _code(settings, OFFICIAL_EN)  # the second call's: it opens neither the console nor another call
    console = client.post("/api/v1/auth/session", json={"phone": OFFICIAL_EN, "code": code})
    assert console.status_code == 401 and console.json()["detail"] == {"code": "wrong_code"}
    assert other.press(code)["spoken"].startswith("Thank you.")


def test_wrong_codes_end_the_call_and_nothing_is_said_of_the_person(client, settings, channels_auth):
    call = Call(client, channels_auth, "CAi", OFFICIAL_EN)
    asked = call.press()
    assert "BMC-ENG-S" not in asked["spoken"] and "Namaste." in asked["spoken"]  # the caller ID may be anyone's
    code = _code(settings, OFFICIAL_EN)
    wrong = "000000" if code != "000000" else "111111"
    answers = [call.press(wrong) for _ in range(settings.signin_code_tries)]
    assert [a["ends"] for a in answers] == [False] * (settings.signin_code_tries - 1) + [True]
    assert answers[-1]["said"][0]["key"] == "console.chat.call.code_failed"


def test_saying_the_reason_again_keeps_whom_the_case_goes_to(client, settings, channels_auth):
    reference = _file(client, {**DRAIN, "category": "streetlight", "description": "Streetlight off for a week"})
    call = Call(client, channels_auth, "CAj", "+919437200202")  # BMC-ELE-SUP, English
    _signed_in(call, settings)
    opened = call.press("1")
    reassign = next(k for k, v in opened["menu"].items() if v.endswith("REASSIGN"))
    whom = call.press(reassign)
    assert whom["menu"]["1"].startswith(f"#act {reference} REASSIGN to=")
    call.press("1")
    heard = call.press("The lamp is on the state highway")
    assert "It goes to" in heard["spoken"] and "The reason I heard: The lamp is on the state highway." in heard["spoken"]
    again = call.press("2")
    assert again["words"] is True  # the reason again, not whom to give it to
    heard = call.press("The lamp is on the national highway")
    assert "It goes to" in heard["spoken"]
    done = call.press("1")
    assert done["spoken"].startswith(f"Done: {reference}")


def test_an_operator_s_litres_out_of_range_are_refused_before_the_confirmation(client, settings, channels_auth):
    body = {"certificate_type": "desludging", "citizen_phone": CITIZEN, "language": "en", "channel": "twilio_whatsapp",
            "answers": {"name": "Kuni Nayak", "property_type": "residential", "sanitation_type": "septic tank", "size": "2000",
                        "trips": "1", "place": "ward 12", "landmark": "near the Ram Mandir", "pin": "751007", "slum": "yes",
                        "date": "25 Nov"}}
    reference = client.post("/api/v1/certificates", json=body, headers=in_turn(client, CITIZEN)).json()["reference"]
    with get_session_factory(settings.database_url)() as session:
        operator = session.scalar(select(Case.assignee_id).where(Case.reference == reference))
    phone = {"OP-BMC-01": "+919437300101", "OP-BMC-02": "+919437300102"}[operator]
    call = Call(client, channels_auth, "CAk", phone)
    _signed_in(call, settings)

    def key_of(step: dict, action: str) -> str:
        return next(k for k, v in step["menu"].items() if v == f"#act {reference} {action}")

    call.press(key_of(call.press("1"), "ACCEPT"))
    assert call.press("1")["said"][0]["key"] == "console.chat.done"
    call.press("0")
    plants = call.press(key_of(call.press("1"), "DISPOSE"))
    litres = call.press("1")  # the first plant
    assert litres["said"][-1]["key"] == "console.chat.ask.litres"
    too_many = call.press("99999")
    assert [p["key"] for p in too_many["said"]] == ["console.refused.out_of_range", "console.chat.ask.litres"], plants
    confirm = call.press("1900")
    assert [p["key"] for p in confirm["said"]] == ["console.chat.confirm.head", "console.chat.confirm.disposal",
                                                   "console.chat.confirm.press"]
    assert confirm["said"][1]["variables"]["litres"] == "1900"
    with get_session_factory(settings.database_url)() as session:
        assert session.scalar(select(Case.state).where(Case.reference == reference)) == "IN_PROGRESS"  # not before 1
    call.press("1")
    with get_session_factory(settings.database_url)() as session:
        assert session.scalar(select(Case.state).where(Case.reference == reference)) == "DISPOSED"


def test_call_codes_are_counted_apart_from_the_console_s_and_a_console_code_opens_no_call(client, settings, channels_auth):
    for n in range(settings.signin_codes_per_number):  # dropped calls use up the calls' codes...
        assert Call(client, channels_auth, f"CAl{n}", OFFICIAL_EN).press()["ends"] is False
    limited = Call(client, channels_auth, "CAlx", OFFICIAL_EN).press()
    assert limited["ends"] is True and limited["said"][0]["key"] == "console.chat.call.code_limited"
    # ... not the console's: it still gets a code, and that code opens no call
    assert client.post("/api/v1/auth/code", json={"phone": OFFICIAL_EN}).status_code == 202
    with get_session_factory(settings.database_url)() as session:
        sent = session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == "console_signin_code")
                               .order_by(OutboxMessage.id.desc())).first()
        console_code = re.search(r"\b\d{6}\b", sent.body).group()
    call = Call(client, channels_auth, "CAl0", OFFICIAL_EN)
    call.step = 1
    assert call.press(console_code)["said"][0]["key"] == "console.chat.call.wrong_code"
