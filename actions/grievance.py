"""Grievance form validation and submission."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import doorstep
from actions.backend_client import UNAVAILABLE, BackendClient
from actions.doorstep import Doorstep
from actions.feedback import give, reopenable
from actions.form_validation import channel_of, language_of, pin_of, submission_key
from actions.interruptions import InterruptibleFormValidation
from common.limits import MAX_ANSWER_CHARS, MAX_TEXT_CHARS

SERVICE = "grievance"  # its questions in the catalog (catalog/grievance.yml), answered by its engine
FORM_SLOTS = ("grievance_category", "grievance_description", "grievance_ward")
# Cleared with the form once filed.
REOPEN = "grievance_reopen"  # "reopen" / "new": the answer to "is this about your complaint …?"
REOPEN_CASE = "grievance_reopen_case"  # the citizen's resolved or rejected complaint it may be about
REOPEN_STATE = "grievance_reopen_state"  # which of the two it was, for the question's words
FILED_SLOTS = (
    *FORM_SLOTS,
    "grievance_category_confirmed",
    "grievance_subcategory",
    "grievance_photo",
    REOPEN,
    REOPEN_CASE,
    REOPEN_STATE,
    *doorstep.slots_of("grievance_form"),
)


class ValidateGrievanceForm(InterruptibleFormValidation, Doorstep):
    answer_slots = FORM_SLOTS
    form = "grievance_form"

    def name(self) -> str:
        return "validate_grievance_form"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def about(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(response="utter_about_grievance")

    async def forget(self, field: str, tracker: Tracker) -> dict[str, Any]:
        if field == "grievance_category":  # the guess and its confirmation go with it
            return {field: None, "grievance_subcategory": None, "grievance_category_confirmed": None}
        return {field: None}

    async def extract_grievance_category(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The message that opened the form, when it already says what is wrong ("ମୋ ଗଳିରେ ତିନି ଦିନ
        ହେବ ଅଳିଆ ଉଠାଯାଇନାହିଁ"), is read as the category's answer: the guess is offered at once."""
        opening = tracker.get_slot("requested_slot") is None and not tracker.get_slot("grievance_category")
        text = str(tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return {"grievance_category": text} if opening and intent == "file_grievance" and text[:1] != "/" else {}

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """The reopen question only when a complaint of theirs may be reopened; nothing more once
        the citizen chose to reopen it (action_submit_grievance reopens it)."""
        if tracker.get_slot(REOPEN) == "reopen":
            return []
        own = [slot for slot in self.own_slots(domain_slots) if slot != REOPEN or tracker.get_slot(REOPEN_CASE)]
        return [*self.doorstep_slots(tracker), *own]

    async def validate_grievance_reopen(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in ("affirm", "deny"):
            return self.accepted(REOPEN, "reopen" if intent == "affirm" else "new")
        return self.failed(dispatcher, tracker, REOPEN, "utter_confirm_yes_or_no")

    async def validate_grievance_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A number from the list is the citizen's choice. Words are a guess: the bot proposes the
        (sub)category and asks (grievance_category_confirmed); the words also serve as the description.
        An opening message that names no problem ("I want to complain") just leads to the list."""
        text = str(value or "").strip()
        opening = tracker.get_slot("requested_slot") is None
        if not text:
            return self.failed(dispatcher, tracker, "grievance_category", "utter_invalid_grievance_category")
        # a long first message is guessed from its beginning (what it is about is said first)
        result = await self.client.certificate_answer(SERVICE, "problem", text[:MAX_ANSWER_CHARS], language_of(tracker))
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {"grievance_category": None}
        reopen = await self._reopen_offer(tracker, text) if opening else {}
        if not result.ok and opening:
            return {"grievance_category": None, **reopen}
        if not result.ok:
            return self.failed(dispatcher, tracker, "grievance_category", "utter_invalid_grievance_category")
        match = result.value["value"]
        slots = {**self.accepted("grievance_category", match["code"]), "grievance_subcategory": match.get("subcategory")}
        if match["how"] != "words":
            return {**slots, "grievance_category_confirmed": True, **reopen}
        if len(text.split()) >= 3 and len(text) <= MAX_TEXT_CHARS:
            slots["grievance_description"] = " ".join(text.split())
        return {**slots, "grievance_category_confirmed": None, **reopen}

    async def _reopen_offer(self, tracker: Tracker, said: str) -> dict[str, Any]:
        """A complaint of theirs just resolved or rejected, which the words that opened the form may
        well be about ("yeh galat hai, kutta abhi bhi pada hai"): the form first asks whether to
        reopen it. Not when the words name another problem (garbage is no reopened pothole)."""
        if tracker.get_slot(doorstep.AGENT):  # filing for someone else: the agent's own complaints are not it
            return {}
        offer = await self.client.open_verdict(tracker.sender_id, about=said[:MAX_TEXT_CHARS])
        if not (offer.ok and reopenable(offer.value)):
            return {}
        return {REOPEN_CASE: offer.value["reference"], REOPEN_STATE: offer.value["state"]}

    async def validate_grievance_category_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "affirm":
            return self.accepted("grievance_category_confirmed", True)
        if intent == "deny":  # wrong guess: back to the list (the words stay as the description)
            return {"grievance_category": None, "grievance_subcategory": None, "grievance_category_confirmed": None}
        return self.failed(dispatcher, tracker, "grievance_category_confirmed", "utter_confirm_yes_or_no")

    async def validate_grievance_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split())
        photo = _photo_url(tracker)
        kept = {"grievance_photo": photo} if photo else {}  # a photo is kept whatever the words
        if photo and len(text) < 3:
            dispatcher.utter_message(response="utter_photo_kept_describe")
            return {"grievance_description": None, **kept}
        if len(text) < 3:
            return self.failed(dispatcher, tracker, "grievance_description", "utter_invalid_grievance_description")
        if len(text) > MAX_TEXT_CHARS:
            return {
                **self.failed(
                    dispatcher, tracker, "grievance_description", "utter_grievance_description_too_long", limit=MAX_TEXT_CHARS
                ),
                **kept,
            }
        return {**self.accepted("grievance_description", text), **kept}

    async def validate_grievance_ward(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        pin = pin_of(tracker)  # a WhatsApp location pin: the ward whose boundary holds it
        text = pin or str(value or "").strip()
        if not text:
            return self.failed(dispatcher, tracker, "grievance_ward", "utter_invalid_grievance_ward")
        result = await self.client.certificate_answer(SERVICE, "ward", text, language_of(tracker))
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {"grievance_ward": None}
        if not result.ok:
            return self.failed(
                dispatcher, tracker, "grievance_ward", "utter_pin_outside_wards" if pin else "utter_invalid_grievance_ward"
            )
        return self.accepted("grievance_ward", result.value["value"]["ward"])


def _photo_url(tracker: Tracker) -> str | None:
    """The first image of the latest message, as the channel passed it on (metadata.media)."""
    media = (tracker.latest_message.get("metadata") or {}).get("media") or []
    return next((m["url"] for m in media if str(m.get("content_type", "")).startswith("image/")), None)


class ActionSubmitGrievance(Action):
    def name(self) -> str:
        return "action_submit_grievance"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        if tracker.get_slot(REOPEN) == "reopen":  # the form ended in reopening their complaint
            events = await give(self.client, dispatcher, tracker, str(tracker.get_slot(REOPEN_CASE)), False, None)
            return [*events, SlotSet("grievance_pending", False), *[SlotSet(s, None) for s in FILED_SLOTS]]
        if not all(tracker.get_slot(s) for s in FORM_SLOTS):
            dispatcher.utter_message(response="utter_help")
            return [SlotSet("grievance_pending", False)]
        result = await self.client.file_grievance(
            category=tracker.get_slot("grievance_category"),
            description=tracker.get_slot("grievance_description"),
            ward=tracker.get_slot("grievance_ward"),
            phone=doorstep.citizen_phone(tracker, "grievance_form"),
            language=language_of(tracker),
            channel=channel_of(tracker),
            idempotency_key=submission_key(tracker, "grievance_form", FORM_SLOTS),
            photo_url=tracker.get_slot("grievance_photo"),
            subcategory=tracker.get_slot("grievance_subcategory"),
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
        return [SlotSet("grievance_pending", False)] + [SlotSet(s, None) for s in FILED_SLOTS]


class ActionAskGrievanceReopen(Action):
    """The form's question for grievance_reopen: their complaint just resolved or rejected, by number."""

    def name(self) -> str:
        return "action_ask_grievance_reopen"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        dispatcher.utter_message(
            response="utter_ask_grievance_reopen",
            reference=tracker.get_slot(REOPEN_CASE),
            marked_key=f"reopen_marked.{str(tracker.get_slot(REOPEN_STATE) or '').lower()}",
        )
        return []


class ActionAskGrievanceCategoryConfirmed(Action):
    """The form's question for grievance_category_confirmed: the guessed problem, in words."""

    def name(self) -> str:
        return "action_ask_grievance_category_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        category, subcategory = tracker.get_slot("grievance_category"), tracker.get_slot("grievance_subcategory")
        problem = f"grievance_subcategory.{category}.{subcategory}" if subcategory else f"grievance_category.{category}"
        dispatcher.utter_message(response="utter_confirm_grievance_category", problem_key=problem)
        return []
