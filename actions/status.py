"""Status of a case by its reference number."""

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient
from actions.form_validation import LOCAL_TIME, CountingFormValidation, language_of

MAX_REFERENCE_CHARS = 40
MAX_LISTED = 5  # the newest; more would flood a feature phone


class ValidateStatusForm(CountingFormValidation):
    def name(self) -> str:
        return "validate_status_form"

    async def validate_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        # Whether the number exists is the backend's answer; here only obvious non-numbers are re-asked.
        if not text or len(text) > MAX_REFERENCE_CHARS or not any(ch.isdigit() for ch in text):
            return self.failed(dispatcher, tracker, "reference", "utter_invalid_reference")
        return self.accepted("reference", text)


def _due_date(iso: str | None) -> str:
    return datetime.fromisoformat(iso).astimezone(LOCAL_TIME).strftime("%d-%m-%Y") if iso else ""


def say_case(
    dispatcher: CollectingDispatcher,
    *,
    reference: str,
    service: str,
    state: str,
    holder: str,
    due: str,
    vehicle: str | None = None,
    disposal: dict | None = None,
    plain: str | None = None,
) -> None:
    """A case in plain words: where it is, who holds it, by when; for desludging the vehicle on its
    way, and once done where the waste went (SUJOG's point)."""
    state_key = f"case_state.{service}.{state}"
    if disposal:
        disposed = datetime.fromisoformat(disposal["at"]).astimezone(LOCAL_TIME)
        dispatcher.utter_message(
            response="utter_desludging_status_disposed",
            reference=reference,
            state_key=state_key,
            volume=disposal["volume_litres"],
            plant=disposal["plant"],
            disposed_on=disposed.strftime("%d-%m-%Y"),
            disposed_at=disposed.strftime("%H:%M"),
        )
    elif vehicle:
        dispatcher.utter_message(
            response="utter_desludging_status_vehicle", reference=reference, state_key=state_key, vehicle=vehicle, due=due
        )
    else:
        said = "utter_case_status_waits_for_you" if holder == "citizen" else "utter_case_status"
        dispatcher.utter_message(
            response=plain or (said if due else "utter_case_status_no_due"),
            reference=reference,
            state_key=state_key,
            holder_key=f"case_holder.{holder}",
            due=due,
        )


class ActionCheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        await tell_status(self.client, dispatcher, tracker, str(tracker.get_slot("reference") or "").strip())
        return [SlotSet("reference", None)]


async def tell_status(client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, reference: str) -> None:
    """The status of one of the sender's cases (the same answer asked alone or in the middle of a form)."""
    result = await client.case_status(reference, language_of(tracker), phone=tracker.sender_id)
    if result.ok:
        case = result.value
        say_case(
            dispatcher,
            reference=case.reference,
            service=case.service,
            state=case.state,
            holder=case.holder,
            due=_due_date(case.sla_due_at),
            vehicle=case.vehicle,
            disposal=case.disposal,
        )
    elif result.error in ("unknown_reference", "not_found"):
        dispatcher.utter_message(response="utter_unknown_reference", reference=reference)
    else:
        dispatcher.utter_message(response="utter_service_unavailable")


class ActionListApplications(Action):
    """ "My complaints": each of the phone's cases in plain words, who holds it and by when."""

    def name(self) -> str:
        return "action_list_applications"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        await list_cases(self.client, dispatcher, tracker)
        return []


async def list_cases(client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The sender's newest cases (the same answer asked alone or in the middle of a form)."""
    result = await client.my_cases(tracker.sender_id, language_of(tracker))
    if not result.ok:
        dispatcher.utter_message(response="utter_service_unavailable")
        return
    if not result.value:
        dispatcher.utter_message(response="utter_no_cases")
        return
    dispatcher.utter_message(response="utter_my_cases", count=len(result.value))
    for case in result.value[:MAX_LISTED]:
        say_case(
            dispatcher,
            reference=case["reference"],
            service=case["service"],
            state=case["state"],
            holder=case["holder"],
            due=_due_date(case.get("sla_due_at")),
            vehicle=case.get("vehicle"),
            disposal=case.get("disposal"),
            plain="utter_my_case",
        )
