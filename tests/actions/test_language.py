"""Language actions: an explicit choice, remembered per phone number (detection on every message runs in
the Rasa process: its rule is tested in tests/locales/test_detect.py)."""
from rasa_sdk.events import SlotSet

from actions.language import ActionChangeLanguage, ActionSessionStart
from tests.actions.conftest import DOMAIN, make_tracker, responses


def tracker_for(text: str, intent: str = "inform", entities: list | None = None, **slots):
    tracker = make_tracker(slots, text=text)
    tracker.latest_message = {"text": text, "intent": {"name": intent}, "entities": entities or []}
    return tracker


async def test_change_language_is_remembered_for_the_phone(client, turn, backend, dispatcher):
    tracker = tracker_for("ଓଡ଼ିଆରେ କୁହନ୍ତୁ", intent="change_language")
    events = await ActionChangeLanguage(client=backend).run(dispatcher, tracker, DOMAIN)
    assert SlotSet("language", "or") in events and SlotSet("language_chosen", True) in events
    assert dispatcher.messages[0]["response"] == "utter_language_changed"
    assert dispatcher.messages[0]["reply_language"] == "or"
    stored = client.post("/api/v1/citizens/language/lookup", json={"phone": tracker.sender_id}, headers=turn(tracker.sender_id))
    assert stored.json() == {"language": "or"}

    new_session = await ActionSessionStart(client=backend).run(dispatcher, make_tracker({}), DOMAIN)
    assert SlotSet("language", "or") in new_session and SlotSet("language_chosen", True) in new_session
    assert new_session[0]["event"] == "session_started" and new_session[-1]["name"] == "action_listen"


async def test_button_payload_carries_the_code(backend, dispatcher):
    tracker = tracker_for('/change_language{"language":"hi"}', intent="change_language",
                          entities=[{"entity": "language", "value": "hi"}])
    events = await ActionChangeLanguage(client=backend).run(dispatcher, tracker, DOMAIN)
    assert SlotSet("language", "hi") in events


async def test_no_language_named_offers_the_menu(backend, dispatcher):
    events = await ActionChangeLanguage(client=backend).run(dispatcher, tracker_for("change language", "change_language"), DOMAIN)
    assert events == [] and responses(dispatcher) == ["utter_choose_language"]


async def test_backend_down_still_switches_and_starts_sessions(backend_down, dispatcher):
    events = await ActionChangeLanguage(client=backend_down).run(
        dispatcher, tracker_for("hindi me baat karo", "change_language"), DOMAIN)
    assert SlotSet("language", "hi") in events
    session = await ActionSessionStart(client=backend_down).run(dispatcher, make_tracker({"language": "or"}), DOMAIN)
    assert SlotSet("language", "or") in session  # carried over from the last session
