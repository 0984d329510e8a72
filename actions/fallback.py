"""What the citizen hears when a message is not understood: says why when the message was empty
or too long to be a command."""
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

MAX_COMMAND_CHARS = 1000  # keep in step with MessageGuard's max_command_chars in config.yml


class ActionNotUnderstood(Action):
    def name(self) -> str:
        return "action_not_understood"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        text = (tracker.latest_message or {}).get("text") or ""
        if not text.strip():
            dispatcher.utter_message(response="utter_empty_message")
        elif len(text) > MAX_COMMAND_CHARS:
            dispatcher.utter_message(response="utter_message_too_long")
        else:
            dispatcher.utter_message(response="utter_not_understood")
        return []
