"""What the citizen hears when a message is not understood: says why when the message was empty
or too long to be a command, and acknowledges a photo or location sent without words."""

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.interruptions import surely_meant
from common.limits import MAX_TEXT_CHARS


class ActionNotUnderstood(Action):
    def name(self) -> str:
        return "action_not_understood"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        metadata = latest.get("metadata") or {}
        if not text.strip() and (metadata.get("media") or metadata.get("location")):
            # A photo or a WhatsApp pin with no words: say it arrived (it stays in the tracker).
            kind = "attachment.photo" if metadata.get("media") else "attachment.location"
            dispatcher.utter_message(response="utter_attachment_received", attachment_key=kind)
        elif not text.strip():
            dispatcher.utter_message(response="utter_empty_message")
        elif len(text) > MAX_TEXT_CHARS:
            dispatcher.utter_message(response="utter_message_too_long")
        else:
            dispatcher.utter_message(response="utter_not_understood")
        return []


class ActionGoodbye(Action):
    """Goodbye, when the words surely are one; a guess ("asdkjh qwe zzzz" is goodbye at 0.27) is
    not understood, so the conversation is not ended on nonsense."""

    def name(self) -> str:
        return "action_goodbye"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        dispatcher.utter_message(
            response="utter_goodbye" if surely_meant(tracker.latest_message or {}) else "utter_not_understood"
        )
        return []
