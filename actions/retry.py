""" "Yes" outside a form: files what the backend could not take earlier (each filing kept whole, with
the key that files it once), else shows help."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient
from actions.service_form import ActionSubmitService, kept_for_retry


class ActionRetryPending(Action):
    def name(self) -> str:
        return "action_retry_pending"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        kept = kept_for_retry(tracker)
        if not kept:
            dispatcher.utter_message(response="utter_help")
            return []
        submit, events, now = ActionSubmitService(self.client), [], tracker.copy()
        for filing in kept:  # oldest first; each is filed as the form held it
            restored = [SlotSet(name, value) for name, value in filing["slots"].items()]
            now.slots.update(filing["slots"])
            filed = await submit.file(dispatcher, now, filing["key"])
            events += [*restored, *filed]
            now.slots.update({e["name"]: e["value"] for e in filed if e.get("event") == "slot"})
            if any(e.get("event") == "followup" for e in filed):  # an answer asked again: its form comes back first
                break
            if any(k["key"] == filing["key"] for k in kept_for_retry(now)):  # kept again: the backend is still away
                break
        return events
