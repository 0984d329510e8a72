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
from common.channels import NUMBERED_ANSWERS
from common.limits import MAX_TEXT_CHARS
from locales.script import native_digits_to_ascii

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


def _stars(tracker: Tracker) -> str | None:
    """The rating in the message: the payload's, or a number of stars said in words ("5 star")."""
    said = next(tracker.get_latest_entity_values("rating"), None)
    digits = [c for c in native_digits_to_ascii(str(said or "")) if c.isdigit()]
    return digits[0] if digits else None  # "5 stars", "rating 5", "5 out of 5"


class ActionGiveFeedback(Action):
    """The verdict with its case and rating (a notice's numbered answer), or in words: "I want to
    rate", "rate FSM-…", "5 star". Words alone answer the verdict still open, whatever was said
    since it was asked; without a rating the question is asked again with its numbered answers."""

    def name(self) -> str:
        return "action_give_feedback"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        reference = next(tracker.get_latest_entity_values("reference"), None)
        rating = _stars(tracker)
        solved = next(tracker.get_latest_entity_values("solved"), "yes") != "no"
        if reference and (rating or not solved):  # all said: a notice's numbered answer, or "rate FSM-… 5 star"
            return await give(self.client, dispatcher, tracker, str(reference), solved, rating)
        offer = await self.client.open_verdict(tracker.sender_id, reference)
        if offer.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        if not offer.ok:
            dispatcher.utter_message(response="utter_feedback_how")  # nothing asked of them now
            return []
        if rating and rating in offer.value["menu"]:
            return await give(self.client, dispatcher, tracker, offer.value["reference"], True, rating)
        ask_again(dispatcher, offer.value)
        return []


def reopenable(offer: dict) -> bool:
    """Whether an open verdict's numbered answers include "not solved" (it reopens the case)."""
    return any('"solved":"no"' in payload.replace(" ", "") for payload in offer.get("menu", {}).values())


def ask_again(dispatcher: CollectingDispatcher, offer: dict) -> None:
    """The notice that asked for the verdict, said again with the numbered answers it offered."""
    dispatcher.utter_message(response=offer["key"], **{NUMBERED_ANSWERS: offer["menu"]}, **offer["variables"])


async def give(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, reference: str, solved: bool, rating: str | None
) -> list[dict]:
    result = await client.give_feedback(
        reference=reference, phone=tracker.sender_id, solved=solved, rating=int(rating) if solved and rating else None
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


# A bare number within this many hours of a verdict's question is taken as meant for it.
STRAY_NUMBER_HOURS = 24.0


class ActionStrayAnswer(Action):
    """A number or word that answers no question asked. A number of the verdict asked for today
    (its notice was followed by other messages, so its menu is gone), or a "no" ("not solved") to a
    verdict that can reopen the case, asks that question again with its numbered answers, so the
    next number answers it: a number or a word never rates or reopens a case by itself. Anything
    else: help."""

    def name(self) -> str:
        return "action_stray_answer"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        number = native_digits_to_ascii(str(tracker.latest_message.get("text") or "")).strip().rstrip(".")
        denied = (tracker.latest_message.get("intent") or {}).get("name") == "deny"
        if number.isdigit() or denied:
            offer = await self.client.open_verdict(tracker.sender_id, asked_within_hours=STRAY_NUMBER_HOURS)
            if offer.ok and (number in offer.value["menu"] if number.isdigit() else reopenable(offer.value)):
                ask_again(dispatcher, offer.value)
                return []
        dispatcher.utter_message(response="utter_help")
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
