"""action_give_feedback and action_list_applications against the real backend and database."""
import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ActionGiveFeedback, ActionStrayAnswer
from actions.status import ActionListApplications
from locales import render
from tests.actions.conftest import DOMAIN, make_tracker, responses

PHONE = "+919812345678"


@pytest.fixture
def resolved(client, auth, turn, staff) -> str:
    body = {"category": "garbage", "description": "Bins overflowing", "ward": "BMC-W12", "citizen_phone": PHONE,
            "channel": "twilio_whatsapp"}  # its notices go to WhatsApp
    reference = client.post("/api/v1/grievances", json=body, headers=turn(body["citizen_phone"])).json()["reference"]
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
    reference = client.post("/api/v1/grievances", json=body, headers=turn(PHONE)).json()["reference"]
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
    from actions.grievance import ActionSubmitGrievance, ValidateGrievanceForm
    from tests.actions.test_interruptions import WITH_FORMS, _said

    validate = ValidateGrievanceForm(client=backend)
    tracker = make_tracker({}, text="yeh galat hai, kutta abhi bhi pada hai", active_loop="grievance_form", sender=PHONE)
    tracker.latest_message["intent"] = {"name": "file_grievance", "confidence": 0.78}
    set_ = {e["name"]: e["value"] for e in await validate.run(dispatcher, tracker, WITH_FORMS)}
    assert set_["grievance_reopen_case"] == resolved and "grievance_category" in set_
    assert set_["grievance_reopen_state"] == "RESOLVED"  # the question says which: resolved, not "resolved or rejected"
    from actions.grievance import ActionAskGrievanceReopen

    asking = CollectingDispatcher()
    await ActionAskGrievanceReopen().run(asking, make_tracker(set_, sender=PHONE), DOMAIN)
    said = render(asking.messages[0]["response"], "en", **{k: v for k, v in asking.messages[0].items() if k.endswith(("reference", "_key"))})
    assert said["text"].startswith(f"Your complaint {resolved} was recently marked resolved.")
    # the reopen question comes first (the domain's order, as the form keeps it), after who the sender
    # is, which is known (a citizen, not a field agent: nothing asked of them)
    assert set_["doorstep_agent"] == ""
    assert (await validate.required_slots(WITH_FORMS["forms"]["grievance_form"]["required_slots"], dispatcher,
                                          make_tracker(set_), WITH_FORMS))[:2] == ["doorstep_agent", "grievance_reopen"]

    yes = _said(set_, "grievance_reopen", "1", "affirm", 1.0)
    assert SlotSet("grievance_reopen", "reopen") in await validate.get_validation_events(dispatcher, yes, WITH_FORMS)
    assert await validate.required_slots(["grievance_reopen", "grievance_category"], dispatcher,
                                         make_tracker({"grievance_reopen": "reopen"}), WITH_FORMS) == []
    done = make_tracker({"grievance_reopen": "reopen", "grievance_reopen_case": resolved}, sender=PHONE)
    events = await ActionSubmitGrievance(client=backend).run(dispatcher, done, DOMAIN)
    assert responses(dispatcher)[-1] == "utter_grievance_reopened" and SlotSet("grievance_reopen_case", None) in events
    assert client.get(f"/api/v1/cases/{resolved}").json()["state"] == "PENDING_AT_OFFICIAL"


async def test_a_new_complaint_about_another_problem_is_not_offered_the_reopen(backend, dispatcher, resolved, client):
    """A pothole after a resolved garbage complaint is a new complaint: no "is this about ...?" first."""
    from actions.grievance import ValidateGrievanceForm
    from tests.actions.test_interruptions import WITH_FORMS

    tracker = make_tracker({}, text="big pothole on the main road near the school", active_loop="grievance_form", sender=PHONE)
    tracker.latest_message["intent"] = {"name": "file_grievance", "confidence": 0.99}
    set_ = {e["name"]: e["value"] for e in await ValidateGrievanceForm(client=backend).run(dispatcher, tracker, WITH_FORMS)}
    assert set_["grievance_category"] == "roads" and "grievance_reopen_case" not in set_, set_
    assert set_["requested_slot"] == "grievance_category_confirmed"
    # the same problem named again is still offered: "garbage is still lying there"
    again = make_tracker({}, text="the garbage is still lying there", active_loop="grievance_form", sender=PHONE)
    again.latest_message["intent"] = {"name": "file_grievance", "confidence": 0.99}
    set_ = {e["name"]: e["value"] for e in await ValidateGrievanceForm(client=backend).run(dispatcher, again, WITH_FORMS)}
    assert set_["grievance_reopen_case"] == resolved


async def test_with_no_complaint_to_reopen_the_form_starts_as_usual(backend, dispatcher):
    from actions.grievance import ValidateGrievanceForm
    from tests.actions.test_interruptions import WITH_FORMS

    tracker = make_tracker({}, text="garbage not collected for a week", active_loop="grievance_form", sender="+919111111112")
    tracker.latest_message["intent"] = {"name": "file_grievance", "confidence": 0.99}
    set_ = {e["name"]: e["value"] for e in await ValidateGrievanceForm(client=backend).run(dispatcher, tracker, WITH_FORMS)}
    assert "grievance_reopen_case" not in set_ and set_["requested_slot"] == "grievance_category_confirmed"
