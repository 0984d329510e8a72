"""The citizen's verdict on a resolved grievance. It arrives as the payload of the numbered answer
the resolution message offered (/give_feedback{"reference": ..., "rating": "4"} or "solved": "no");
the backend decides what it means (close with a rating, or reopen within 10 days)."""
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import UNAVAILABLE, BackendClient

REPLIES = {
    "closed": "utter_feedback_thanks",
    "reopened": "utter_grievance_reopened",
    "window_closed": "utter_feedback_too_late",
    "wrong_state": "utter_feedback_already_given",
    "not_owner": "utter_unknown_reference",
    "unknown_reference": "utter_unknown_reference",
    "not_found": "utter_unknown_reference",
    UNAVAILABLE: "utter_service_unavailable",
}


class ActionGiveFeedback(Action):
    def name(self) -> str:
        return "action_give_feedback"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        reference = next(tracker.get_latest_entity_values("reference"), None)
        rating = next(tracker.get_latest_entity_values("rating"), None)
        solved = next(tracker.get_latest_entity_values("solved"), "yes") != "no"
        if not reference or (solved and not str(rating or "").isdigit()):
            dispatcher.utter_message(response="utter_feedback_how")  # said in words, not as an answer
            return []
        result = await self.client.give_feedback(
            reference=reference, phone=tracker.sender_id, solved=solved, rating=int(rating) if solved else None
        )
        outcome = result.value if result.ok else result.error
        dispatcher.utter_message(response=REPLIES.get(outcome, "utter_default"), reference=reference)
        return []
