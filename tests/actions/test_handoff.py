"""'Talk to a person' with a dispatcher and tracker against the real backend: the conversation is
opened and promised by a time; in a form, the form ends and the staff are told which service it
was; with the backend down, the citizen is told and nothing is dropped."""
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from sqlalchemy import select

from actions.handoff import ActionTalkToHuman
from backend.db import get_session_factory
from backend.models import Case
from tests.actions.conftest import DOMAIN, make_tracker, responses
from tests.conftest import turn_headers


ASKED = [{"event": "user", "text": "naali saaf nahi hui, kisi insaan se baat karao",
          "parse_data": {"intent": {"name": "talk_to_human", "confidence": 0.9}}},
         {"event": "action", "name": "utter_confirm_handoff"}, {"event": "user", "text": "haan"}]


def _yes(tracker):
    tracker.latest_message["intent"] = {"name": "affirm", "confidence": 0.97}
    return tracker


async def test_outside_a_form_it_is_asked_back_first(backend, dispatcher, client):
    events = await ActionTalkToHuman(client=backend).run(dispatcher, make_tracker({}, sender="+919800000070"), DOMAIN)
    assert events == [] and responses(dispatcher) == ["utter_confirm_handoff"]
    assert client.post("/api/v1/cases/mine", json={"phone": "+919800000070"},
                       headers=turn_headers("+919800000070")).json() == []  # nothing opened unasked


async def test_outside_a_form_yes_opens_the_conversation_and_says_by_when(backend, dispatcher, client, settings):
    tracker = _yes(make_tracker({}, sender="+919800000071", events=ASKED))
    events = await ActionTalkToHuman(client=backend).run(dispatcher, tracker, DOMAIN)
    assert events == [ActiveLoop(None)] and responses(dispatcher) == ["utter_handoff_opened"]
    said = dispatcher.messages[0]
    assert said["reference"].startswith("HLP-2026-") and said["due"] == "23-11-2026 17:00"  # 2 hours, in India's time
    history = client.get(f"/api/v1/cases/{said['reference']}").json()
    assert history["state"] == "WAITING"
    with get_session_factory(settings.database_url)() as session:  # the staff read first how they asked
        opened = session.scalar(select(Case).where(Case.reference == said["reference"]))
        assert opened.history[0].reason == "naali saaf nahi hui, kisi insaan se baat karao"


async def test_in_a_form_the_form_ends_and_the_service_goes_with_it(backend, dispatcher, client, settings):
    answers = {"_service": "grievance", "problem": "garbage"}
    tracker = make_tracker({"service_code": "grievance", "service_answers": answers, "requested_slot": "service_answer"},
                           active_loop="service_form", sender="+919800000072", text="/talk_to_human")
    events = await ActionTalkToHuman(client=backend).run(dispatcher, tracker, DOMAIN)
    assert events[:2] == [ActiveLoop(None), SlotSet("requested_slot", None)]
    assert SlotSet("service_answers", None) in events and SlotSet("service_code", None) in events
    reference = dispatcher.messages[0]["reference"]
    status = client.get(f"/api/v1/cases/{reference}").json()
    assert (status["service"], status["state"]) == ("handoff", "WAITING")


async def test_half_heard_in_a_form_it_is_not_understood_and_the_question_comes_back(backend, dispatcher):
    """ "insaan ki tarah kaam karo" as a description, heard as "a person" at 0.4: nothing handed over."""
    tracker = make_tracker({"requested_slot": "service_answer"}, active_loop="service_form",
                           text="insaan ki tarah kaam karo")
    tracker.latest_message["intent"] = {"name": "talk_to_human", "confidence": 0.41}
    assert await ActionTalkToHuman(client=backend).run(dispatcher, tracker, DOMAIN) == [FollowupAction("service_form")]
    assert responses(dispatcher) == ["utter_not_understood"]


async def test_with_the_backend_down_the_citizen_is_told_and_the_form_stays(backend_down, dispatcher):
    tracker = make_tracker({"requested_slot": "service_answer"}, active_loop="service_form", text="/talk_to_human")
    assert await ActionTalkToHuman(client=backend_down).run(dispatcher, tracker, DOMAIN) == []
    assert responses(dispatcher) == ["utter_service_unavailable"]
