""" "Stop sending me messages" said in words (the opt_out intent) rather than as the STOP keyword
the channels catch. The words are asked back first (utter_confirm_opt_out, data/rules/core.yml),
because the NLU also hears "stop" in "bus stop" or "Stop Singh"; on "yes" the backend records the
opt-out and queues the confirmation, the last message the number gets until it sends START."""

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient
from common.channels import SMS, text_channel_for

QUESTION = "utter_confirm_opt_out"


def confirmed(tracker: Tracker, question: str = QUESTION) -> bool:
    """The citizen said yes to the question (the opt-out one unless named), in the message right after it."""
    if (tracker.latest_message.get("intent") or {}).get("name") != "affirm":
        return False
    events = iter(reversed(tracker.events))
    if not any(e.get("event") == "user" for e in events):
        return False
    asked = next((e.get("name") for e in events if e.get("event") == "action" and e.get("name") != "action_listen"), None)
    return asked == question


class ActionOptOut(Action):
    def name(self) -> str:
        return "action_opt_out"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        if not confirmed(tracker):  # a rule that reached here without the question: ask, never stop unasked
            dispatcher.utter_message(response=QUESTION)
            return []
        channel = text_channel_for(tracker.get_latest_input_channel()) or SMS
        language = tracker.get_slot("language") or "en"
        result = await self.client.opt_out(tracker.sender_id, channel, language)
        if not result.ok:
            dispatcher.utter_message(response="utter_service_unavailable")
        return []
