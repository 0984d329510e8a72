"""Status of a case by its reference number."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, CaseStatus
from actions.form_validation import CountingFormValidation, language_of
from common.clock import local_day, local_time

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


def say_case(dispatcher: CollectingDispatcher, case: CaseStatus) -> None:
    """A case in plain words: where it is and who holds it; by when the office promised it, or the
    day the visit is booked for (never the office's internal deadline shown as the visit); for
    desludging the vehicle on its way, and once done where the waste went (SUJOG's point); a case
    no one has to act on says since when. The same line in "my requests"."""
    said: dict[str, Any] = {"reference": case.reference, "state_key": f"case_state.{case.service}.{case.state}"}
    if case.disposal:
        disposed = case.disposal["at"]
        response = "utter_desludging_status_disposed"
        said |= {
            "volume": case.disposal["volume_litres"], "plant": case.disposal["plant"],
            "disposed_on": local_day(disposed), "disposed_at": local_time(disposed),
        }  # fmt: skip
    elif case.holder == "done":
        response, said["settled"] = "utter_case_status_settled", local_day(case.settled_at)
    elif case.vehicle:
        response = "utter_desludging_status_vehicle"
        said |= {"vehicle": case.vehicle, "visit_day": local_day(case.visit_on)}
        said["visit_note_key"] = "case_visit.asked" if case.visit_on else None
    else:
        said["holder_key"] = f"case_holder.{case.holder}"
        if case.visit_on:
            response, said["visit_day"] = "utter_case_status_visit", local_day(case.visit_on)
        elif not case.sla_due_at:
            response = "utter_case_status_no_due"
        else:
            # The next step is the citizen's own (to pay, to correct): the date is theirs.
            response = "utter_case_status_waits_for_you" if case.holder == "citizen" else "utter_case_status"
            said["due"] = local_day(case.sla_due_at)
    dispatcher.utter_message(response=response, **said)


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
        say_case(dispatcher, result.value)
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
        say_case(dispatcher, case)
