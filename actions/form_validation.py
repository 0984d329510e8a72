"""Base for form validation: counts failed answers so a stuck citizen is offered a way out."""
from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

MAX_FAILURES_BEFORE_HELP = 3
MAX_TEXT_CHARS = 1000


class CountingFormValidation(FormValidationAction):
    @abstractmethod  # abstract, so the action server does not register the base class itself
    def name(self) -> str: ...

    def failed(self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, response: str, **kwargs: Any):
        """Reject the answer for `slot`, say why, and after repeated failures say how to get out."""
        failures = int(tracker.get_slot("validation_failures") or 0) + 1
        dispatcher.utter_message(response=response, **kwargs)
        if failures >= MAX_FAILURES_BEFORE_HELP:
            dispatcher.utter_message(response="utter_still_stuck")
        return {slot: None, "validation_failures": failures}

    @staticmethod
    def accepted(slot: str, value: Any) -> dict[str, Any]:
        return {slot: value, "validation_failures": 0}


def channel_of(tracker: Tracker) -> str:
    return (tracker.get_latest_input_channel() or "rest")[:16]


def language_of(tracker: Tracker) -> str:
    return tracker.get_slot("language") or "en"
