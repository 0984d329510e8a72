"""Paying for a request or an application: "I want to pay" / "pay FSM-2026-000001" gets a valid
link for the case waiting for payment, a fresh one when the last expired."""

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import UNAVAILABLE, BackendClient
from common.clock import local_moment
from common.money import rupees


class ActionMakePayment(Action):
    """ "I want to pay" / "pay FSM-2026-000001": a valid link for the request waiting for payment,
    a fresh one when the last expired."""

    def name(self) -> str:
        return "action_make_payment"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        reference = next(tracker.get_latest_entity_values("reference"), None)
        result = await self.client.payment_link(phone=tracker.sender_id, reference=reference)
        if result.ok:
            link = result.value
            dispatcher.utter_message(
                response="utter_payment_link",
                reference=link["reference"],
                fee=rupees(link["fee_rupees"]),
                payment_url=link["payment_url"],
                upi_link=link["upi_link"],
                expires=local_moment(link["expires_at"]) if link["expires_at"] else "",
            )
        elif result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
        else:
            dispatcher.utter_message(response="utter_nothing_to_pay")
        return []
