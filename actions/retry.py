""" "Yes" outside a form: files what the backend could not take earlier (the answers were kept in
slots), else shows help."""

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient
from actions.service_form import ActionSubmitService


class ActionRetryPending(Action):
    def name(self) -> str:
        return "action_retry_pending"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        if tracker.get_slot("service_pending"):
            return await ActionSubmitService(self.client).run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_help")
        return []
