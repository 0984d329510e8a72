"""Base for form validation: counts failed answers so a stuck citizen is offered a way out."""

import hashlib
from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from common.channels import VOICE, kind_of
from common.limits import MAX_CHANNEL_NAME_CHARS
from common.places import geo_uri
from common.recordings import recording_url

MAX_FAILURES_BEFORE_HELP = 3


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
    return (tracker.get_latest_input_channel() or "rest")[:MAX_CHANNEL_NAME_CHARS]


def typed_recording(tracker: Tracker, text: str) -> bool:
    """A call's recording link in a message that did not come from a call: typed, so not an answer
    (only the voice channel records; the office could never issue a document on it)."""
    return recording_url(text) is not None and kind_of(channel_of(tracker)) != VOICE


def pin_of(tracker: Tracker) -> str | None:
    """The location pin the latest message carries (WhatsApp), as a geo URI: a place question's answer
    that is checked again, like any other, when the request is filed."""
    location = (tracker.latest_message.get("metadata") or {}).get("location")
    return geo_uri(location["latitude"], location["longitude"]) if location else None


def photo_of(tracker: Tracker) -> str | None:
    """The first image of the latest message, as the channel passed it on (metadata.media)."""
    media = (tracker.latest_message.get("metadata") or {}).get("media") or []
    return next((m["url"] for m in media if str(m.get("content_type", "")).startswith("image/")), None)


def intent_of(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def language_of(tracker: Tracker) -> str:
    return tracker.get_slot("language") or "en"


def submission_key(tracker: Tracker, form: str, slots: tuple[str, ...]) -> str:
    """Same filing, same key: the sender, when the form was opened and its answers, so a retry never files twice."""
    opened = next(
        (e.get("timestamp") for e in reversed(tracker.events) if e.get("event") == "active_loop" and e.get("name") == form),
        None,
    )
    answers = "|".join(str(tracker.get_slot(s)) for s in slots)
    return hashlib.sha256(f"{tracker.sender_id}|{opened}|{answers}".encode()).hexdigest()
