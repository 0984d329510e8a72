""""Stop sending me messages" said in words (the opt_out intent) rather than as the STOP keyword
the channels catch: the backend records it and queues the confirmation, which is the last message
the number gets until it sends START."""
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient


class ActionOptOut(Action):
    def name(self) -> str:
        return "action_opt_out"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        channel = "whatsapp" if "whatsapp" in (tracker.get_latest_input_channel() or "") else "sms"
        language = tracker.get_slot("language") or "en"
        result = await self.client.opt_out(tracker.sender_id, channel, language)
        if not result.ok:
            dispatcher.utter_message(response="utter_service_unavailable")
        return []
