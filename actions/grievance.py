"""Grievance form validation and submission."""
import hashlib
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import UNAVAILABLE, BackendClient
from actions.form_validation import MAX_TEXT_CHARS, CountingFormValidation, channel_of, language_of

FORM_SLOTS = ("grievance_category", "grievance_description", "grievance_ward")


class ValidateGrievanceForm(CountingFormValidation):
    def name(self) -> str:
        return "validate_grievance_form"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def validate_grievance_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if not text:
            return self.failed(dispatcher, tracker, "grievance_category", "utter_invalid_grievance_category")
        result = await self.client.match_category(text)
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {"grievance_category": None}
        if not result.ok:
            return self.failed(dispatcher, tracker, "grievance_category", "utter_invalid_grievance_category")
        return self.accepted("grievance_category", result.value)

    async def validate_grievance_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split())
        if len(text) < 3:
            return self.failed(dispatcher, tracker, "grievance_description", "utter_invalid_grievance_description")
        if len(text) > MAX_TEXT_CHARS:
            return self.failed(
                dispatcher, tracker, "grievance_description", "utter_grievance_description_too_long", limit=MAX_TEXT_CHARS
            )
        return self.accepted("grievance_description", text)

    async def validate_grievance_ward(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if not text:
            return self.failed(dispatcher, tracker, "grievance_ward", "utter_invalid_grievance_ward")
        result = await self.client.match_ward(text)
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {"grievance_ward": None}
        if not result.ok:
            return self.failed(dispatcher, tracker, "grievance_ward", "utter_invalid_grievance_ward")
        return self.accepted("grievance_ward", result.value)


def submission_key(tracker: Tracker) -> str:
    """Same filing, same key: the sender plus the time this form was opened, so a retry never files twice."""
    opened = next(
        (
            e.get("timestamp")
            for e in reversed(tracker.events)
            if e.get("event") == "active_loop" and e.get("name") == "grievance_form"
        ),
        None,
    )
    answers = "|".join(str(tracker.get_slot(s)) for s in FORM_SLOTS)
    return hashlib.sha256(f"{tracker.sender_id}|{opened}|{answers}".encode()).hexdigest()


class ActionSubmitGrievance(Action):
    def name(self) -> str:
        return "action_submit_grievance"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        if not all(tracker.get_slot(s) for s in FORM_SLOTS):
            dispatcher.utter_message(response="utter_help")
            return [SlotSet("grievance_pending", False)]
        result = await self.client.file_grievance(
            category=tracker.get_slot("grievance_category"),
            description=tracker.get_slot("grievance_description"),
            ward=tracker.get_slot("grievance_ward"),
            phone=tracker.sender_id,
            language=language_of(tracker),
            channel=channel_of(tracker),
            idempotency_key=submission_key(tracker),
        )
        if not result.ok:
            # Keep every answer; the citizen says "yes" / "try again" later and the same filing goes in.
            dispatcher.utter_message(response="utter_grievance_kept_for_retry")
            return [SlotSet("grievance_pending", True)]
        dispatcher.utter_message(
            response="utter_grievance_filed",
            reference=result.value.reference,
            category_key=f"grievance_category.{tracker.get_slot('grievance_category')}",
        )
        return [SlotSet("grievance_pending", False)] + [SlotSet(s, None) for s in FORM_SLOTS]
