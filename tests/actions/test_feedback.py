"""action_give_feedback and action_list_applications against the real backend and database."""
import pytest

from actions.feedback import ActionGiveFeedback, ActionStrayAnswer
from actions.status import ActionListApplications
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
    assert responses(dispatcher) == ["utter_my_cases", "utter_my_case"]
    listed = dispatcher.messages[1]
    assert (listed["reference"], listed["state_key"], listed["holder_key"]) == (
        resolved, "case_state.grievance.RESOLVED", "case_holder.done")


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


async def test_nothing_asked_nothing_to_rate(backend, dispatcher):
    await ActionStrayAnswer(backend).run(dispatcher, make_tracker({}, text="2"), DOMAIN)
    await ActionGiveFeedback(backend).run(dispatcher, make_tracker({}, text="5 star", entities={"rating": "5 star"}), DOMAIN)
    assert responses(dispatcher) == ["utter_help", "utter_feedback_how"]
