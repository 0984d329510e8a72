"""'Talk to a person' with a dispatcher and tracker against the real backend: the conversation is
opened and promised by a time; in a form, the form ends and the staff are told which service it
was; with the backend down, the citizen is told and nothing is dropped."""
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.handoff import ActionTalkToHuman
from tests.actions.conftest import DOMAIN, make_tracker, responses


async def test_outside_a_form_it_opens_the_conversation_and_says_by_when(backend, dispatcher):
    events = await ActionTalkToHuman(client=backend).run(dispatcher, make_tracker({}, sender="+919800000071"), DOMAIN)
    assert events == [] and responses(dispatcher) == ["utter_handoff_opened"]
    said = dispatcher.messages[0]
    assert said["reference"].startswith("HLP-2026-") and said["due"] == "23-11-2026 17:00"  # 2 hours, in India's time


async def test_in_a_form_the_form_ends_and_the_service_goes_with_it(backend, dispatcher, client, settings):
    tracker = make_tracker({"grievance_category": "garbage", "requested_slot": "grievance_description"},
                           active_loop="grievance_form", sender="+919800000072")
    events = await ActionTalkToHuman(client=backend).run(dispatcher, tracker, DOMAIN)
    assert events[:2] == [ActiveLoop(None), SlotSet("requested_slot", None)]
    assert SlotSet("grievance_category", None) in events
    reference = dispatcher.messages[0]["reference"]
    status = client.get(f"/api/v1/cases/{reference}").json()
    assert (status["service"], status["state"]) == ("handoff", "WAITING")


async def test_with_the_backend_down_the_citizen_is_told_and_the_form_stays(backend_down, dispatcher):
    tracker = make_tracker({"requested_slot": "grievance_description"}, active_loop="grievance_form")
    assert await ActionTalkToHuman(client=backend_down).run(dispatcher, tracker, DOMAIN) == []
    assert responses(dispatcher) == ["utter_service_unavailable"]
