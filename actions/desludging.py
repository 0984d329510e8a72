"""Desludging request form (DIGIT FSM / SUJOG FSSM over chat): thin adapters. What an answer means
is the catalog engine's to say (catalog/desludging.yml, POST /api/v1/certificates/services/desludging/answers/<field>);
the fee and the filing are the backend's."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import doorstep
from actions.backend_client import UNAVAILABLE, ApiResult, BackendClient
from actions.doorstep import Doorstep
from actions.form_validation import channel_of, language_of, pin_of, submission_key, typed_recording
from actions.interruptions import InterruptibleFormValidation, asked_which_answer
from common.clock import local_day, local_moment
from common.money import indian_grouping, rupees
from common.recordings import recording_url
from locales import count_key
from locales.script import native_digits_to_ascii

# The questions, in the order asked; the correction menu numbers them the same way (1 = name ...).
ANSWER_SLOTS = (
    "desludging_name",
    "desludging_property_type",
    "desludging_sanitation_type",
    "desludging_size",
    "desludging_trips",
    "desludging_place",
    "desludging_landmark",
    "desludging_pin",
    "desludging_slum",
    "desludging_date",
    "desludging_payment",
)
SERVICE = "desludging"  # its form's questions in the catalog (catalog/desludging.yml)
# Slots answered by the catalog's engine, and the field name the catalog knows them by.
MATCHED = {slot: slot.removeprefix("desludging_") for slot in ANSWER_SLOTS if slot != "desludging_slum"}
FILED_SLOTS = (
    *ANSWER_SLOTS,
    "desludging_place_label",
    "desludging_confirmed",
    "desludging_correcting",
    "desludging_correction",
    "desludging_fee",
    *doorstep.slots_of("desludging_form"),
)
PRICED_SLOTS = {"desludging_place", "desludging_property_type", "desludging_trips", "desludging_slum"}
FEE = "desludging_fee"  # {"for": what the fee depends on, "rupees": the fee}: quoted once, not at every look


def _answers(tracker: Tracker) -> dict[str, Any]:
    return {slot: tracker.get_slot(slot) for slot in ANSWER_SLOTS}


def _priced(answers: dict[str, Any]) -> list | None:
    """What the fee depends on, once all of it is known; None before that."""
    place = answers["desludging_place"]
    if not (
        isinstance(place, dict)
        and answers["desludging_property_type"]
        and answers["desludging_trips"]
        and answers["desludging_slum"] is not None
    ):
        return None
    return [
        place["tariff_area"],
        answers["desludging_property_type"],
        int(answers["desludging_trips"]),
        bool(answers["desludging_slum"]),
    ]


def kept_fee(answers: dict[str, Any], kept: Any) -> ApiResult[float] | None:
    """The fee quoted earlier in the conversation, if it is for these answers."""
    priced = _priced(answers)
    if priced is not None and isinstance(kept, dict) and kept.get("for") == priced:
        return ApiResult(value=kept["rupees"])
    return None


async def quote(client: BackendClient, answers: dict[str, Any], kept: Any = None) -> ApiResult[float] | None:
    """The fee for the answers so far, once everything it depends on is known; None before that."""
    priced = _priced(answers)
    if priced is None:
        return None
    known = kept_fee(answers, kept)
    if known is not None:
        return known
    tariff_area, property_type, trips, slum = priced
    return await client.desludging_quote(tariff_area=tariff_area, property_type=property_type, trips=trips, slum=slum)


class ValidateDesludgingForm(InterruptibleFormValidation, Doorstep):
    form = "desludging_form"
    summary_slots = ("desludging_confirmed", "desludging_correction")
    answer_slots = ANSWER_SLOTS

    def name(self) -> str:
        return "validate_desludging_form"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def about(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """The fee once what it depends on is known; until then, what it depends on."""
        fee = kept_fee(_answers(tracker), tracker.get_slot(FEE))
        if fee is None:
            dispatcher.utter_message(response="utter_about_desludging")
        elif fee.value:
            dispatcher.utter_message(response="utter_desludging_fee", fee=rupees(fee.value))
        else:
            dispatcher.utter_message(response="utter_desludging_fee_free")

    async def forget(self, field: str, tracker: Tracker) -> dict[str, Any]:
        place = {"desludging_place_label": None} if field == "desludging_place" else {}
        return {field: None, **place, "desludging_correction": None, "desludging_correcting": False}

    async def take(self, field: str, said: str, tracker: Tracker) -> dict[str, Any] | None:
        if field not in MATCHED or typed_recording(tracker, said):
            return None
        result = await self.client.certificate_answer(SERVICE, MATCHED[field], said, language_of(tracker))
        if not result.ok:
            return None
        place = {"desludging_place_label": result.value["label"]} if field == "desludging_place" else {}
        return {**await self.forget(field, tracker), field: result.value["value"], **place}

    async def which_answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """At the summary, the numbered list of answers; before it, their names."""
        if tracker.get_slot("requested_slot") in self.summary_slots:
            return {"desludging_confirmed": None, "desludging_correcting": True}
        return await super().which_answer(dispatcher, tracker)

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """No payment question when there is nothing to pay; the correction menu only when asked for."""
        slots = [*self.doorstep_slots(tracker), *self.own_slots(domain_slots)]
        fee = kept_fee(_answers(tracker), tracker.get_slot(FEE))
        if fee is None and not PRICED_SLOTS & set(tracker.slots_to_validate()):
            # No fee kept (a conversation begun before the slot existed). While answers it depends on
            # await their check, the check quotes it (get_validation_events), so not here.
            fee = await quote(self.client, _answers(tracker))
        if fee is not None and fee.ok and fee.value == 0:
            slots.remove("desludging_payment")
        if not tracker.get_slot("desludging_correcting"):
            slots.remove("desludging_correction")
        return slots

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        """The answers checked, and the fee quoted once when what it depends on is newly complete
        (the questions left, the summary and the filing all read it from the slot)."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        answers = _answers(tracker) | {e["name"]: e["value"] for e in events if e.get("name") in ANSWER_SLOTS}
        priced = _priced(answers)
        if priced is None or kept_fee(answers, tracker.get_slot(FEE)) is not None:
            return events
        fee = await self.client.desludging_quote(tariff_area=priced[0], property_type=priced[1], trips=priced[2], slum=priced[3])
        return [*events, SlotSet(FEE, {"for": priced, "rupees": fee.value})] if fee.ok else events

    async def _matched(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        pin = pin_of(tracker) if slot == "desludging_place" else None  # a WhatsApp location pin answers where
        text = pin or str(value or "").strip()
        if not text or typed_recording(tracker, text):
            return self.failed(dispatcher, tracker, slot, f"utter_invalid_{slot}")
        result = await self.client.certificate_answer(SERVICE, MATCHED[slot], text, language_of(tracker))
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {slot: None}
        if not result.ok:
            return self.failed(dispatcher, tracker, slot, "utter_pin_outside_wards" if pin else f"utter_invalid_{slot}")
        events = self.accepted(slot, result.value["value"])
        if slot == "desludging_place":
            events["desludging_place_label"] = result.value["label"]
        return events

    async def validate_desludging_slum(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes or no: a button's payload, else the number or words the catalog's engine reads (a guessed
        intent would take "yesterday" for yes, and a free service with it)."""
        text = str(value or "").strip()
        if text.startswith("/"):
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            if intent in ("affirm", "deny"):
                return self.accepted("desludging_slum", intent == "affirm")
        result = await self.client.certificate_answer(SERVICE, "slum", text, language_of(tracker)) if text else None
        if result is not None and result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {"desludging_slum": None}
        if result is None or not result.ok:
            return self.failed(dispatcher, tracker, "desludging_slum", "utter_invalid_desludging_slum")
        return self.accepted("desludging_slum", result.value["value"] == "yes")

    async def validate_desludging_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "affirm":
            return self.accepted("desludging_confirmed", True)
        if intent == "deny":  # "change an answer": the menu of answers comes next
            return {"desludging_confirmed": None, "desludging_correcting": True, "validation_failures": 0}
        return self.failed(dispatcher, tracker, "desludging_confirmed", "utter_invalid_desludging_confirmed")

    async def validate_desludging_correction(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The number of the answer to change: it is forgotten, so the form asks it again, then
        shows the summary again."""
        text = native_digits_to_ascii(str(value or "")).strip().rstrip(".")
        if not text.isdigit() or not 1 <= int(text) <= len(ANSWER_SLOTS):
            return self.failed(dispatcher, tracker, "desludging_correction", "utter_invalid_desludging_correction")
        return {
            ANSWER_SLOTS[int(text) - 1]: None,
            "desludging_correction": None,
            "desludging_correcting": False,
            "validation_failures": 0,
        }


def _make_validator(slot: str):  # noqa: ANN202
    async def validate(self, value, dispatcher, tracker, domain):  # noqa: ANN001, ANN202
        return await self._matched(slot, value, dispatcher, tracker)

    return validate


for _slot in MATCHED:  # one validate_<slot> per matched question, as Rasa SDK looks them up by name
    setattr(ValidateDesludgingForm, f"validate_{_slot}", _make_validator(_slot))


class ActionAskDesludgingConfirmed(Action):
    """The form's last question: every answer read back, the fee, then "shall I file it?"."""

    def name(self) -> str:
        return "action_ask_desludging_confirmed"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        if asked_which_answer(tracker):
            return []
        answers = _answers(tracker)
        fee = await quote(self.client, answers, tracker.get_slot(FEE))
        if fee is None or not fee.ok:
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        payment = answers["desludging_payment"] if fee.value else "free"
        dispatcher.utter_message(
            response="utter_desludging_summary",
            name=answers["desludging_name"],
            name_key="answer.voice_message" if recording_url(answers["desludging_name"]) else None,
            property_key=f"desludging_property.{answers['desludging_property_type']}",
            sanitation_key=f"desludging_sanitation.{answers['desludging_sanitation_type']}",
            size=indian_grouping(int(answers["desludging_size"])),  # "2,000", as the sizes offered say it
            trips=answers["desludging_trips"],
            trips_said_key=count_key("count.trips", int(answers["desludging_trips"])),
            place=tracker.get_slot("desludging_place_label") or "",
            landmark=answers["desludging_landmark"] or None,
            landmark_key=_landmark_key(answers["desludging_landmark"]),
            pin=answers["desludging_pin"],
            slum_key="answer.yes" if answers["desludging_slum"] else "answer.no",
            date=local_day(answers["desludging_date"]),
            payment_key=f"desludging_payment.{payment}",
        )
        if fee.value:
            dispatcher.utter_message(response="utter_desludging_fee", fee=rupees(fee.value))
        else:
            dispatcher.utter_message(response="utter_desludging_fee_free")
        dispatcher.utter_message(response="utter_ask_desludging_confirmed")
        return []


def _landmark_key(landmark: str | None) -> str | None:
    """The words a summary says for the landmark in place of its value: none given, or a call's recording."""
    if not landmark:
        return "answer.none"
    return "answer.voice_message" if recording_url(landmark) else None


def _expires(iso: str | None) -> str:
    return local_moment(iso) if iso else ""


class ActionSubmitDesludging(Action):
    def name(self) -> str:
        return "action_submit_desludging"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        answers = _answers(tracker)
        if not tracker.get_slot("desludging_confirmed") or not isinstance(answers["desludging_place"], dict):
            dispatcher.utter_message(response="utter_help")
            return [SlotSet("desludging_pending", False)]
        place = answers["desludging_place"]
        request = {
            "applicant_name": answers["desludging_name"],
            "citizen_phone": doorstep.citizen_phone(tracker, "desludging_form"),
            "property_type": answers["desludging_property_type"],
            "sanitation_type": answers["desludging_sanitation_type"],
            "size_litres": int(answers["desludging_size"]),
            "trips": int(answers["desludging_trips"]),
            "slum": bool(answers["desludging_slum"]),
            "preferred_date": answers["desludging_date"],
            "pay_before": answers["desludging_payment"] == "before",
            "pin": answers["desludging_pin"],
            "landmark": answers["desludging_landmark"] or "",
            "ward": place.get("ward"),
            "gram_panchayat": place.get("gram_panchayat"),
            "village": place.get("village"),
            "language": language_of(tracker),
            "channel": channel_of(tracker),
        }
        key = submission_key(tracker, "desludging_form", ANSWER_SLOTS)
        result = await self.client.file_desludging(request=request, idempotency_key=key)
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_desludging_kept_for_retry")
            return [SlotSet("desludging_pending", True)]
        if not result.ok:  # the backend refused an answer the form let through (a day that passed at midnight...)
            dispatcher.utter_message(response="utter_desludging_refused")  # the form shows the summary again
            return [
                SlotSet("desludging_pending", False),
                SlotSet("desludging_confirmed", None),
                FollowupAction("desludging_form"),
            ]
        filed = result.value
        if filed.get("payment_url"):
            dispatcher.utter_message(
                response="utter_desludging_filed_pay",
                reference=filed["reference"],
                fee=rupees(filed["fee_rupees"]),
                payment_url=filed["payment_url"],
                upi_link=filed["upi_link"],
                expires=_expires(filed.get("payment_expires_at")),
            )
        else:
            dispatcher.utter_message(response="utter_desludging_filed", reference=filed["reference"])
        return [SlotSet("desludging_pending", False)] + [SlotSet(s, None) for s in FILED_SLOTS]


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
                expires=_expires(link["expires_at"]),
            )
        elif result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
        else:
            dispatcher.utter_message(response="utter_nothing_to_pay")
        return []
