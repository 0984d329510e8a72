"""The citizen's verdict: on a resolved grievance, or the rating of a completed desludging visit.
It arrives as the payload of the numbered answer the notice offered (/give_feedback{"reference":
..., "rating": "4"} or "solved": "no"); the backend decides what it means (close with a rating,
reopen within 10 days, or ask for a comment because a low rating must say why)."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import UNAVAILABLE, BackendClient
from actions.form_validation import CountingFormValidation
from common.limits import MAX_TEXT_CHARS

REPLIES = {
    "closed": "utter_feedback_thanks",
    "completed": "utter_desludging_rated",
    "reopened": "utter_grievance_reopened",
    "window_closed": "utter_feedback_too_late",
    "wrong_state": "utter_feedback_already_given",
    "not_owner": "utter_unknown_reference",
    "not_your_case": "utter_unknown_reference",  # another number's case: said as if unknown
    "unknown_reference": "utter_unknown_reference",
    "not_found": "utter_unknown_reference",
    UNAVAILABLE: "utter_service_unavailable",
}
NEEDS_COMMENT = "required_below_3"


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
            reference=reference,
            phone=tracker.sender_id,
            solved=solved,
            rating=int(rating) if solved and rating is not None else None,
        )
        outcome = result.value if result.ok else result.error
        if outcome == NEEDS_COMMENT:  # the comment form asks what went wrong, then rates with it
            return [
                SlotSet("feedback_reference", reference),
                SlotSet("feedback_rating", str(rating)),
                FollowupAction("feedback_comment_form"),
            ]
        dispatcher.utter_message(response=REPLIES.get(outcome or "", "utter_default"), reference=reference)
        return []


class ValidateFeedbackCommentForm(CountingFormValidation):
    def name(self) -> str:
        return "validate_feedback_comment_form"

    async def validate_feedback_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split())
        if not 2 <= len(text) <= MAX_TEXT_CHARS:
            return self.failed(dispatcher, tracker, "feedback_comment", "utter_invalid_feedback_comment")
        return self.accepted("feedback_comment", text)


class ActionSubmitFeedbackComment(Action):
    def name(self) -> str:
        return "action_submit_feedback_comment"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        reference, rating = tracker.get_slot("feedback_reference"), tracker.get_slot("feedback_rating")
        cleared = [SlotSet(s, None) for s in ("feedback_reference", "feedback_rating", "feedback_comment")]
        if not reference or not str(rating or "").isdigit():
            dispatcher.utter_message(response="utter_feedback_how")
            return cleared
        result = await self.client.give_feedback(
            reference=reference,
            phone=tracker.sender_id,
            solved=True,
            rating=int(rating),
            comment=tracker.get_slot("feedback_comment"),
        )
        outcome = result.value if result.ok else result.error
        dispatcher.utter_message(response=REPLIES.get(outcome or "", "utter_default"), reference=reference)
        return cleared
