"""action_give_feedback and action_list_applications against the real backend and database."""
import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ActionGiveFeedback, ActionStrayAnswer
from actions.status import ActionListApplications
from locales import render
from tests.actions.conftest import DOMAIN, make_tracker, opening, responses
from tests.conftest import complaint_body

PHONE = "+919812345678"


@pytest.fixture
def resolved(client, auth, turn, staff) -> str:
    body = {"category": "garbage", "description": "Bins overflowing", "ward": "BMC-W12", "citizen_phone": PHONE,
            "channel": "twilio_whatsapp"}  # its notices go to WhatsApp
    reference = client.post("/api/v1/certificates", json=complaint_body(**body), headers=turn(body["citizen_phone"])).json()["reference"]
    client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}, headers=staff("BMC-SAN-N"))
    return reference


async def test_a_numbered_rating_closes_the_case(backend, dispatcher, resolved, client):
    tracker = make_tracker({}, text='/give_feedback', entities={"reference": resolved, "rating": "5"})
    await ActionGiveFeedback(backend).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_feedback_thanks"]
    assert client.get(f"/api/v1/cases/{resolved}").json()["state"] == "CLOSED"
    again = make_tracker({}, entities={"reference": resolved, "rating": "4"})
    await ActionGiveFeedback(backend).run(dispatcher, again, DOMAIN)
    assert responses(dispatcher)[-1] == "utter_feedback_already_given"


async def test_not_solved_reopens(backend, dispatcher, resolved, client):
    tracker = make_tracker({}, entities={"reference": resolved, "solved": "no"})
    await ActionGiveFeedback(backend).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_grievance_reopened"]
    assert dispatcher.messages[0]["reference"] == resolved
    assert client.get(f"/api/v1/cases/{resolved}").json()["state"] == "PENDING_AT_OFFICIAL"


async def test_feedback_in_words_explains_how(backend, dispatcher):
    await ActionGiveFeedback(backend).run(dispatcher, make_tracker({}, text="I want to give feedback"), DOMAIN)
    assert responses(dispatcher) == ["utter_feedback_how"]


async def test_someone_elses_case_is_not_theirs_to_rate(backend, dispatcher, resolved):
    tracker = make_tracker({}, entities={"reference": resolved, "rating": "1"}, sender="+919000000000")
    await ActionGiveFeedback(backend).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_unknown_reference"]


async def test_backend_down(backend_down, dispatcher):
    await ActionGiveFeedback(backend_down).run(dispatcher, make_tracker({}, entities={"reference": "GRV-2026-000001", "rating": "3"}), DOMAIN)
    assert responses(dispatcher) == ["utter_service_unavailable"]
    await ActionListApplications(backend_down).run(dispatcher, make_tracker({}), DOMAIN)
    assert responses(dispatcher)[-1] == "utter_service_unavailable"


async def test_my_complaints(backend, dispatcher, resolved):
    await ActionListApplications(backend).run(dispatcher, make_tracker({}, sender=f"whatsapp:{PHONE}"), DOMAIN)
    assert responses(dispatcher) == ["utter_my_cases", "utter_case_status_settled"]
    listed = dispatcher.messages[1]
    # no one has to act on it: when it got there, not the reopen window as if work were due
    assert (listed["reference"], listed["state_key"], listed["settled"]) == (resolved, "case_state.grievance.RESOLVED", "23-11-2026")
    assert "due" not in listed


async def test_no_complaints_yet(backend, dispatcher):
    await ActionListApplications(backend).run(dispatcher, make_tracker({}, sender="+919111111111"), DOMAIN)
    assert responses(dispatcher) == ["utter_no_cases"]


async def test_the_verdict_asked_for_is_asked_again_when_rated_in_words(backend, dispatcher, resolved, client):
    """"I want to rate" (or a reference without a rating): the notice that asked, again, with its
    numbered answers, which the channel offers again (channels/replies.py)."""
    await ActionGiveFeedback(backend).run(dispatcher, make_tracker({}, text="I want to rate the service"), DOMAIN)
    [asked] = dispatcher.messages
    assert (asked["response"], asked["reference"]) == ("utter_notify_grievance_resolved", resolved)
    assert asked["numbered_answers"]["5"] == f'/give_feedback{{"reference":"{resolved}","rating":"5"}}'
    dispatcher.messages.clear()
    await ActionGiveFeedback(backend).run(dispatcher, make_tracker({}, text=f"rate {resolved}", entities={"reference": resolved}), DOMAIN)
    assert responses(dispatcher) == ["utter_notify_grievance_resolved"]
    dispatcher.messages.clear()
    said = make_tracker({}, text="bahut accha kaam kiya, 5 star", entities={"rating": "5 star"})
    await ActionGiveFeedback(backend).run(dispatcher, said, DOMAIN)
    assert responses(dispatcher) == ["utter_feedback_thanks"]
    assert client.get(f"/api/v1/cases/{resolved}").json()["state"] == "CLOSED"


async def test_a_number_after_other_messages_asks_the_open_verdict_again(backend, dispatcher, resolved, client):
    """The notice's menu went with the status asked since: "୦" (one of its answers) asks its
    question again with its numbered answers; a number never rates or reopens by itself."""
    await ActionStrayAnswer(backend).run(dispatcher, make_tracker({}, text="7"), DOMAIN)
    assert responses(dispatcher) == ["utter_help"]  # not one of its answers
    await ActionStrayAnswer(backend).run(dispatcher, make_tracker({}, text="୦"), DOMAIN)
    assert responses(dispatcher)[-1] == "utter_notify_grievance_resolved"
    assert "0" in dispatcher.messages[-1]["numbered_answers"]
    assert client.get(f"/api/v1/cases/{resolved}").json()["state"] == "RESOLVED"


async def test_not_solved_in_words_after_a_rejection_asks_the_verdict_again(backend, dispatcher, client, turn, staff):
    """A rejected complaint's notice offers 0 to reopen it; "no, it is not solved" (deny) asks
    that question again, and 0 reopens it: a word never reopens a case by itself."""
    body = {"category": "garbage", "description": "Dead dog on the road", "ward": "BMC-W12", "citizen_phone": PHONE,
            "channel": "twilio_sms"}
    reference = client.post("/api/v1/certificates", json=complaint_body(**body), headers=turn(PHONE)).json()["reference"]
    client.post(f"/api/v1/cases/{reference}/actions", json={"action": "REJECT", "reason": "Not our area"},
                headers=staff("BMC-SAN-N"))
    tracker = make_tracker({}, text="not solved")
    tracker.latest_message["intent"] = {"name": "deny", "confidence": 0.72}
    await ActionStrayAnswer(backend).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_notify_grievance_rejected"]
    assert dispatcher.messages[0]["numbered_answers"]["0"] == f'/give_feedback{{"reference":"{reference}","solved":"no"}}'
    assert client.get(f"/api/v1/cases/{reference}").json()["state"] == "REJECTED"


async def test_nothing_asked_nothing_to_rate(backend, dispatcher):
    await ActionStrayAnswer(backend).run(dispatcher, make_tracker({}, text="2"), DOMAIN)
    await ActionGiveFeedback(backend).run(dispatcher, make_tracker({}, text="5 star", entities={"rating": "5 star"}), DOMAIN)
    assert responses(dispatcher) == ["utter_help", "utter_feedback_how"]


async def test_a_new_complaint_about_a_resolved_one_offers_to_reopen_it(backend, dispatcher, resolved, client):
    """The issue's words after a resolution: "yeh galat hai, kutta abhi bhi pada hai" opens a
    complaint form, which first asks whether this is about the complaint just resolved; yes reopens it."""
    from actions.service_form import ActionAskServiceReopen, ActionSubmitService, ValidateServiceForm
    from tests.actions.test_interruptions import WITH_FORMS, _said

    validate = ValidateServiceForm(client=backend)
    set_ = {e["name"]: e["value"] for e in await validate.run(dispatcher, opening("yeh galat hai, kutta abhi bhi pada hai"),
                                                             WITH_FORMS)}
    answers = set_["service_answers"]
    assert answers["_reopen_case"] == resolved and "problem" not in answers  # no problem named: the list comes after
    assert answers["_reopen_state"] == "RESOLVED"  # the question says which: resolved, not "resolved or rejected"
    assert responses(dispatcher) == []

    asking = CollectingDispatcher()
    await ActionAskServiceReopen().run(asking, make_tracker(set_, sender=PHONE), DOMAIN)
    said = render(asking.messages[0]["response"], "en", **{k: v for k, v in asking.messages[0].items() if k.endswith(("reference", "_key"))})
    assert said["text"].startswith(f"Your complaint {resolved} was recently marked resolved.")
    # the reopen question comes first (the domain's order, as the form keeps it), before the guess is
    # confirmed; the sender is known to be a citizen, not a field agent: nothing asked of them
    assert set_["doorstep_agent"] == "" and set_["requested_slot"] == "service_reopen"
    assert (await validate.required_slots(WITH_FORMS["forms"]["service_form"]["required_slots"], dispatcher,
                                          make_tracker(set_), WITH_FORMS))[:2] == ["service_code", "service_reopen"]

    unclear = _said(set_, "service_reopen", "hmm", "inform", 1.0)
    assert {e["name"]: e["value"] for e in await validate.get_validation_events(dispatcher, unclear, WITH_FORMS)} == {
        "service_reopen": None, "validation_failures": 1}
    assert responses(dispatcher) == ["utter_confirm_yes_or_no"]
    yes = _said(set_, "service_reopen", "1", "affirm", 1.0)
    reopening = {e["name"]: e["value"] for e in await validate.get_validation_events(dispatcher, yes, WITH_FORMS)}
    assert reopening["service_answers"] == {**answers, "_reopen": "reopen"} and reopening["service_reopen"] is None
    done = make_tracker({**set_, **reopening}, sender=PHONE)
    assert await validate.required_slots(WITH_FORMS["forms"]["service_form"]["required_slots"], dispatcher, done,
                                         WITH_FORMS) == []  # the form ends
    events = await ActionSubmitService(client=backend).run(dispatcher, done, DOMAIN)
    assert responses(dispatcher)[-1] == "utter_grievance_reopened" and SlotSet("service_answers", None) in events
    assert client.get(f"/api/v1/cases/{resolved}").json()["state"] == "PENDING_AT_OFFICIAL"
    assert client.get("/api/v1/cases/GRV-2026-000002").status_code == 404  # and no new complaint was filed


async def test_no_to_the_reopen_is_a_new_complaint(backend, dispatcher, resolved, client):
    """"No, new complaint": the form goes on with the words it was opened with (the guess is
    confirmed next), and files a new one."""
    from actions.service_form import ActionSubmitService, ValidateServiceForm
    from tests.actions.test_interruptions import WITH_FORMS, _said

    validate = ValidateServiceForm(client=backend)
    set_ = {e["name"]: e["value"] for e in await validate.run(dispatcher, opening("the garbage is still lying there"), WITH_FORMS)}
    assert set_["requested_slot"] == "service_reopen"
    no = _said(set_, "service_reopen", "2", "deny", 1.0)
    new = {e["name"]: e["value"] for e in await validate.run(dispatcher, no, WITH_FORMS)}
    assert new["service_answers"]["_reopen"] == "new" and responses(dispatcher) == []
    assert new["requested_slot"] == "service_guess"  # not the reopen question again
    slots = {**set_, **new, "service_answers": {k: v for k, v in new["service_answers"].items() if k not in (
        "_guessed", "_guess_key")} | {"description": "the garbage is still lying there", "ward": "ward 12"}}
    assert await validate.required_slots(WITH_FORMS["forms"]["service_form"]["required_slots"], dispatcher,
                                         make_tracker(slots), WITH_FORMS) == ["service_code"]  # all answered
    opened = [{"event": "active_loop", "name": "service_form", "timestamp": 1763890000.0}]
    await ActionSubmitService(client=backend).run(dispatcher, make_tracker(slots, events=opened, sender=PHONE), DOMAIN)
    assert responses(dispatcher)[-1] == "utter_grievance_filed" and dispatcher.messages[-1]["reference"] != resolved
    assert client.get(f"/api/v1/cases/{resolved}").json()["state"] == "RESOLVED"


async def test_a_new_complaint_about_another_problem_is_not_offered_the_reopen(backend, dispatcher, resolved, client):
    """A pothole after a resolved garbage complaint is a new complaint: no "is this about ...?" first."""
    from actions.service_form import ValidateServiceForm
    from tests.actions.test_interruptions import WITH_FORMS

    validate = ValidateServiceForm(client=backend)
    set_ = {e["name"]: e["value"] for e in await validate.run(dispatcher, opening("big pothole on the main road near the school"),
                                                             WITH_FORMS)}
    answers = set_["service_answers"]
    assert answers["_guess_key"] == "grievance_subcategory.roads.pothole" and "_reopen_case" not in answers, set_
    assert set_["requested_slot"] == "service_guess"
    # the same problem named again is still offered: "garbage is still lying there"
    set_ = {e["name"]: e["value"] for e in await validate.run(dispatcher, opening("the garbage is still lying there"), WITH_FORMS)}
    assert set_["service_answers"]["_reopen_case"] == resolved


async def test_with_no_complaint_to_reopen_the_form_starts_as_usual(backend, dispatcher):
    from actions.service_form import ValidateServiceForm
    from tests.actions.test_interruptions import WITH_FORMS

    tracker = opening("garbage not collected for a week", sender="+919111111112")
    set_ = {e["name"]: e["value"] for e in await ValidateServiceForm(client=backend).run(dispatcher, tracker, WITH_FORMS)}
    assert "_reopen_case" not in set_["service_answers"] and set_["requested_slot"] == "service_guess"


async def test_a_field_agent_s_own_complaint_is_not_offered_for_the_citizen_s(backend, dispatcher, client, turn, staff):
    """Filing for a citizen, the agent's own complaint just resolved is not what the words are about."""
    from actions.service_form import ValidateServiceForm
    from tests.actions.test_interruptions import WITH_FORMS

    agent = "+919437400001"  # Pramila Sahoo's, a field agent of the seed
    body = {"category": "garbage", "description": "Bins overflowing", "ward": "BMC-W12", "citizen_phone": agent,
            "channel": "twilio_whatsapp"}
    own = client.post("/api/v1/certificates", json=complaint_body(**body), headers=turn(agent)).json()["reference"]
    client.post(f"/api/v1/cases/{own}/actions", json={"action": "RESOLVE"}, headers=staff("BMC-SAN-N"))
    validate = ValidateServiceForm(client=backend)
    words = "the garbage is still lying there"
    tracker = opening(words, sender=agent)
    as_a_citizen = await backend.open_verdict(agent, about=words)
    assert as_a_citizen.ok and as_a_citizen.value["reference"] == own  # it would be offered to them as a citizen
    set_ = {e["name"]: e["value"] for e in await validate.run(dispatcher, tracker, WITH_FORMS)}
    assert set_["doorstep_agent"] == "Pramila Sahoo" and "_reopen_case" not in set_["service_answers"]
    assert set_["requested_slot"] == "service_citizen_phone"
