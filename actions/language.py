"""The conversation's language: remembered per phone number, or chosen explicitly. Reading it from the
citizen's own writing runs in the Rasa process (bot/in_process_actions.py); the rules of both are in
locales.detect, and these actions only apply them."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient
from locales import LANGUAGES
from locales.detect import detect, language_named


def _intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def _text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def named_language(tracker: Tracker) -> str | None:
    """The language the latest message asks for, from the NLU's entity or the words themselves."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == "language":
            value = str(entity.get("value", ""))
            named = value if value in LANGUAGES else language_named(value)  # button payloads carry codes
            if named:
                return named
    return language_named(_text(tracker))


class ActionChangeLanguage(Action):
    """'change language', 'ଓଡ଼ିଆରେ କୁହନ୍ତୁ', 'hindi me baat karo': switch and remember for this
    phone number; with no language named, offer the choice."""

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    def name(self) -> str:
        return "action_change_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        language = named_language(tracker)
        if language is None:
            dispatcher.utter_message(response="utter_choose_language")
            return []
        # The choice is kept in the conversation even if the backend cannot store it right now.
        await self.client.choose_language(tracker.sender_id, language)
        latin = detect(_text(tracker)).latin_script and language != "en"
        # Rendered in the new language: the slot change below is applied only after this action.
        dispatcher.utter_message(response="utter_language_changed", reply_language=language)
        return [
            SlotSet("language", language),
            SlotSet("language_chosen", True),
            SlotSet("reply_in_latin_script", latin),
        ]


class ActionSessionStart(Action):
    """Rasa's session start, plus the language this phone number chose on any channel before."""

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        events: list[dict] = [SessionStarted()]
        if domain.get("session_config", {}).get("carry_over_slots_to_new_session", True):
            events += [
                SlotSet(name, value) for name, value in tracker.slots.items() if value is not None and name != "requested_slot"
            ]
        chosen = await self.client.chosen_language(tracker.sender_id)
        if chosen.ok and chosen.value in LANGUAGES:
            events += [SlotSet("language", chosen.value), SlotSet("language_chosen", True)]
        events.append(ActionExecuted("action_listen"))
        return events
