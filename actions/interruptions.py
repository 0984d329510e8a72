"""What people say in the middle of a form that is not its answer: a status question, "my
applications", help, a greeting, a question about the service ("what is the fee?"). Each gets its
own answer, and the question is asked again with every earlier answer kept: the form's slot filled
by the message is emptied, so the form asks for it once more. One table for every service's form;
a form says only what it alone knows (`about`: its fee, its time, its documents)."""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient
from actions.form_validation import CountingFormValidation
from actions.status import list_cases, tell_status
from common.references import find_reference
from locales.script import match_key

# Below this the words are more likely an answer that happens to look like a question (a name, a
# place, a description), and are taken as the answer. Measured on the forms' answers and on the
# held-out set: tests/nlu/test_interruptions.py.
MIN_CONFIDENCE = 0.5
INTERRUPTIONS = ("check_status", "list_applications", "help", "greet", "ask_about")


def interruption_of(message: dict[str, Any]) -> str | None:
    """The interruption a message is, or None when it is (taken as) an answer."""
    intent = message.get("intent") or {}
    name, text = intent.get("name"), str(message.get("text") or "")
    if name not in INTERRUPTIONS:
        return None
    if text.startswith("/"):  # an intent the channel set itself (STATUS and a number, a menu button)
        return name
    metadata = message.get("metadata") or {}
    if "://" in text or metadata.get("media") or metadata.get("location"):
        return None  # a photo, a place pin or a call's recording answers the question
    if float(intent.get("confidence") or 0.0) < MIN_CONFIDENCE or not any(c.isalpha() for c in text):
        return None  # a number or a PIN is always an answer
    return name


def _said_again(tracker: Tracker) -> bool:
    """The same words as the message before: after a greeting's answer and the question again, a
    citizen who repeats themselves meant it as the answer (a name like "Ram Narayan" heard as a
    greeting is never asked for forever). Help or a status asked twice is still help or a status."""
    said = [match_key(str(e.get("text") or "")) for e in tracker.events if e.get("event") == "user"]
    return len(said) >= 2 and said[-1] == said[-2]


def _before_this_message(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest message set it."""
    events = list(tracker.events)
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    return next(
        (e.get("value") for e in reversed(events[:last_user]) if e.get("event") == "slot" and e.get("name") == slot), None
    )


def _reference(tracker: Tracker) -> str | None:
    entity = next(tracker.get_latest_entity_values("reference"), None)
    if entity:
        return str(entity)
    found = find_reference(str(tracker.latest_message.get("text") or ""))
    return found[0] if found else None


class InterruptibleFormValidation(CountingFormValidation):
    """A service's form: its answers are validated as usual, unless the message interrupts."""

    client: BackendClient

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        interruption = interruption_of(tracker.latest_message)
        if interruption == "greet" and _said_again(tracker):
            interruption = None
        form_slots = set(self.domain_slots(domain))
        filled = [slot for slot in tracker.slots_to_validate() if slot in form_slots]
        if interruption is None or not filled:
            return await super().get_validation_events(dispatcher, tracker, domain)
        await self.answer(interruption, dispatcher, tracker)
        # The question asked is asked again; anything else the message set (a service's name in
        # "documents for an income certificate?") goes back to what it was.
        asked = tracker.get_slot("requested_slot")
        return [SlotSet(slot, None if slot == asked else _before_this_message(tracker, slot)) for slot in filled]

    async def answer(self, interruption: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        if interruption == "check_status":
            reference = _reference(tracker)
            if reference:
                await tell_status(self.client, dispatcher, tracker, reference)
            else:
                await list_cases(self.client, dispatcher, tracker)
        elif interruption == "list_applications":
            await list_cases(self.client, dispatcher, tracker)
        elif interruption == "ask_about":
            await self.about(dispatcher, tracker)
        elif interruption == "greet":
            dispatcher.utter_message(response="utter_form_greet")
            return
        dispatcher.utter_message(response="utter_form_continue")  # help: how to go on or leave

    async def about(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """What this service costs, how long it takes and what it needs, said mid-form."""
        raise NotImplementedError
