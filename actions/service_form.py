"""Every service's form, driven by the service's definition in the backend (catalog/): one question
per field of the service, in its order (a guess from words confirmed first); on WhatsApp one photo or
PDF per document (elsewhere the citizen is told to bring them); the lane where the service has Tatkal;
a summary with the fee, where the service reads its answers back (a complaint is filed at once).
A complaint told as the form opens answers its first question, and may first be offered to reopen
the citizen's own case just closed. What an answer means is the backend's to say; these are thin
adapters."""

import time
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

import locales
from actions import doorstep
from actions.backend_client import UNAVAILABLE, BackendClient
from actions.doorstep import Doorstep
from actions.feedback import give, reopenable
from actions.form_validation import (
    channel_of,
    intent_of,
    language_of,
    photo_of,
    pin_of,
    submission_key,
    typed_recording,
)
from actions.interruptions import InterruptibleFormValidation, asked_which_answer, was_asked_which_answer
from common.channels import CONTINUES_QUESTION, VOICE, WHATSAPP, kind_of
from common.clock import local_moment
from common.money import rupees
from common.places import is_geo_uri
from common.recordings import ANSWERED_IN_WORDS, IN_WORDS
from locales.script import native_digits_to_ascii

WORKING_SLOTS = (
    "service_reference",
    "service_code",
    "service_citizen_phone",
    "service_answers",
    "service_labels",
    "service_documents",
    "service_tatkal",
    "service_confirmed",
)
# Asked by the form, their answers kept in service_answers: whether a guess is right, whether to reopen.
GUESS, REOPEN = "service_guess", "service_reopen"
# service_definition: the service's definition, kept in the conversation from the turn the service
# is chosen, so later turns ask the backend only about the answer itself.
CLEARED = (
    *WORKING_SLOTS, "service_answer", "service_document", doorstep.AGENT, "service_definition", GUESS, REOPEN,
    doorstep.slots_of("service_form")[1],
)  # fmt: skip
# A filing the backend could not take is kept apart from the form, whole (these slots, its definition
# for its own words while the backend is away, and the key that files it once), so a service started
# meanwhile neither loses nor files it; "yes" files it.
KEPT_FOR_RETRY = (*WORKING_SLOTS, doorstep.AGENT, "service_definition")
MAX_KEPT_FOR_RETRY = 5  # filings kept at once (each is a few answers; a citizen rarely has two)
DOCUMENT_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")
ANSWER_REFUSED = "no_match"  # the backend's refusal of an answer (detail.code; detail.field names it)
LABELS_LANGUAGE = "_language"  # in service_labels: the language they are in, or MIXED
MIXED = "mixed"
DAY_TYPES = ("past_date", "future_date")  # kept as the day meant, not the words that said it
SERVICE_KEY = "_service"  # in service_answers: which service the answers belong to (field names never start with _)
FEE_KEY = "_fee"  # in service_answers: the fee the answers set, where they set it (a choice, a tariff)
GUESSED_KEY = "_guessed"  # in service_answers: the field whose answer was guessed from words, to be confirmed
GUESS_WORDS_KEY = "_guess_key"  # ...and the locale key of what was guessed
REOPEN_KEYS = ("_reopen_case", "_reopen_state")  # the citizen's case just closed the opening may be about
REOPEN_KEY = "_reopen"  # "reopen" or "new": the answer to whether it is about that case
UNCHECKED_KEY = "_unchecked"  # in service_answers: the last answer of a form with no summary, checked by its filing
TOLD_WORDS = 3  # a guess from at least this many words also answers the field its words tell (a description)


def reply(service: dict, name: str) -> str:
    """The form's reply, or this service's own words for it (its catalog entry's `replies`)."""
    return (service.get("replies") or {}).get(name, name)


def words(key: str, tracker: Tracker) -> str:
    """A locale key's words in the conversation's language, for its channel (a line inside a reply)."""
    return locales.render(key, language_of(tracker), channel_of(tracker))["text"]


def say_fee(dispatcher: CollectingDispatcher, service: dict, tracker: Tracker) -> None:
    """The fee and the time, in the service's own words: the lane's, or the one the answers set
    (until they are given, that they will set it)."""
    tatkal = bool(tracker.get_slot("service_tatkal"))
    fee = service["tatkal_fee_rupees"] if tatkal else service["fee_rupees"]
    answers = tracker.get_slot("service_answers") or {}
    if _fee_set_by(service) and FEE_KEY not in answers:  # the answers set it, and it is not known yet
        dispatcher.utter_message(response=reply(service, "utter_about_fee_varies"))
        return
    fee = answers.get(FEE_KEY, fee)
    days = service["tatkal_sla_days"] if tatkal else service.get("sla_days")
    # the time, where the service promises one (a visit's day is the citizen's to choose)
    time = {"days": days, "days_said_key": locales.count_key("duration.days", days)} if days else {}
    if fee:
        dispatcher.utter_message(response=reply(service, "utter_certificate_fee"), fee=rupees(fee), **time)
    else:
        dispatcher.utter_message(response=reply(service, "utter_certificate_fee_free"), **time)


def carries_media(tracker: Tracker) -> bool:
    return kind_of(channel_of(tracker)) == WHATSAPP


# Definitions change only when the backend is redeployed. The form's own comes with the choice of
# service and stays in the service_definition slot; fetched (and kept here a minute) only for a
# conversation that has none, such as one begun before it existed. The menu is kept the same way.
DEFINITION_SECONDS = 60.0
_definitions: dict[tuple[str, str], tuple[float, Any]] = {}  # a definition, or the menu (code "")


async def _service(client: BackendClient, tracker: Tracker) -> dict | None:
    code = tracker.get_slot("service_code")
    if not code:
        return None
    kept = tracker.get_slot("service_definition")
    if isinstance(kept, dict) and kept.get("code") == code:
        return kept
    if (tracker.get_slot("service_answers") or {}).get(SERVICE_KEY) != code:
        return None  # the citizen's words before validate_service_code has read them: no service yet
    cached = _definitions.get((client.base_url, code))
    if cached and time.monotonic() - cached[0] < DEFINITION_SECONDS:
        return cached[1]
    result = await client.service_definition(code)
    if not result.ok:
        return None
    _definitions[(client.base_url, code)] = (time.monotonic(), result.value)
    return result.value


async def _menu(client: BackendClient) -> list[dict] | None:
    """The catalog's applications in menu order (kept a minute, like a definition)."""
    cached = _definitions.get((client.base_url, ""))
    if cached and time.monotonic() - cached[0] < DEFINITION_SECONDS:
        return cached[1]
    result = await client.certificate_services()
    if not result.ok:
        return None
    _definitions[(client.base_url, "")] = (time.monotonic(), result.value)
    return result.value


def _asked(service: dict, tracker: Tracker) -> list[dict]:
    """The fields the form asks: all but how to pay when there is nothing to pay (an answer given
    before a correction made it free is then no longer one)."""
    free = (tracker.get_slot("service_answers") or {}).get(FEE_KEY) == 0
    return [f for f in service["fields"] if not (free and f.get("ask_when") == "fee")]


def _next_field(service: dict, tracker: Tracker) -> dict | None:
    """The first field asked and not answered yet."""
    answers = tracker.get_slot("service_answers") or {}
    return next((f for f in _asked(service, tracker) if f["name"] not in answers), None)


def _kept(field_type: str | None, said: str, checked: dict) -> str:
    """What the form keeps of an answer: the citizen's words, read again at filing, except a day,
    kept as the day meant ("tomorrow" filed after midnight is not another day)."""
    return str(checked["value"]) if field_type in DAY_TYPES else said


def _with_answer(
    service: dict, answers: dict, labels: dict, field: str, kept: str, checked: dict, language: str
) -> tuple[dict, dict]:
    """The answers and their words with this one, and the fee it set. Made free, how to pay is no
    answer any more: a correction that makes it paid again asks it again, never restores it. The
    words remember their language ("mixed" once the citizen changed it), for the summary."""
    worded = labels.get(LABELS_LANGUAGE)
    same = worded == language or not any(not k.startswith("_") and k != field for k in labels)
    answers = {**answers, field: kept}
    labels = {**labels, field: checked["label"], LABELS_LANGUAGE: language if same else MIXED}
    if answers.get(GUESSED_KEY) == field:  # chosen now, no longer a guess
        answers = {k: v for k, v in answers.items() if k not in (GUESSED_KEY, GUESS_WORDS_KEY)}
    if checked.get("guessed"):  # read from the words: asked whether it is right; words that say enough tell the rest
        answers |= {GUESSED_KEY: field, GUESS_WORDS_KEY: checked.get("key") or ""}
        told = _field(service, field).get("guess_also_answers")
        if told and len(kept.split()) >= TOLD_WORDS and len(kept) <= (_field(service, told).get("max_length") or 0):
            words_said = " ".join(kept.split())
            answers, labels = {**answers, told: words_said}, {**labels, told: words_said}
    if checked.get("fee_rupees") is not None:
        answers[FEE_KEY] = checked["fee_rupees"]
    if answers.get(FEE_KEY) == 0:
        unasked = {f["name"] for f in service["fields"] if f.get("ask_when") == "fee"}
        answers = {k: v for k, v in answers.items() if k not in unasked}
        labels = {k: v for k, v in labels.items() if k not in unasked}
    return answers, labels


def _field(service: dict, name: str) -> dict:
    return next((f for f in service["fields"] if f["name"] == name), {})


def _opening_words(tracker: Tracker) -> str | None:
    """The words that opened the form, where they may say more than the service's name ("the
    garbage in my street has not been picked up for three days"); not a button's intent."""
    text = str(tracker.latest_message.get("text") or "").strip()
    opening = tracker.get_slot("requested_slot") is None and not (tracker.get_slot("service_answers") or {})
    return text if opening and text and not text.startswith("/") else None


def _opening(service: dict, said: str, choice: dict, tracker: Tracker) -> dict[str, Any]:
    """Words that open the form answer its first question where they can (else it is asked, with no
    complaint about the words); where the service reopens, words that may be about the citizen's own
    case just closed first ask whether to reopen it (the backend offers no field agent's own)."""
    answers: dict[str, Any] = {SERVICE_KEY: service["code"]}
    labels: dict[str, str] = {}
    first, checked = service["fields"][0], choice.get("first_answer")
    if checked:
        kept = _kept(first["type"], said, checked)
        answers, labels = _with_answer(service, answers, labels, first["name"], kept, checked, language_of(tracker))
    offer = choice.get("reopen")
    if offer and reopenable(offer):
        answers |= dict(zip(REOPEN_KEYS, (offer["reference"], offer["state"]), strict=True))
    photo = photo_of(tracker)  # sent with the words: kept with the first answer that keeps one (the description)
    keeps = next((f["name"] for f in service["fields"] if f.get("with_photo")), None)
    documents = {keeps: photo} if photo and keeps else {}
    return {"service_answers": answers, "service_labels": labels, "service_documents": documents}


def _checked_by_filing(service: dict, field: dict, tracker: Tracker) -> bool:
    """Whether this answer is the last thing a form with no summary asks, so that its filing checks it
    (one call in that turn, not two); not a guess to confirm, nor a text that keeps a photo."""
    if service.get("confirm", True) or field["type"] == "category" or field.get("with_photo"):
        return False
    if service.get("tatkal_fee_rupees") is not None or (carries_media(tracker) and _next_document(service, tracker)):
        return False
    answers = tracker.get_slot("service_answers") or {}
    return not any(f["name"] not in answers for f in _asked(service, tracker) if f["name"] != field["name"])


def _fee_set_by(service: dict) -> list[str]:
    """The fields whose answers set the fee (a definition kept from before fee_set_by names its fee_from)."""
    return service.get("fee_set_by") or [f for f in [service.get("fee_from")] if f]


def _given(tracker: Tracker) -> dict[str, str]:
    """The citizen's words per field so far (the backend reads the fee from those that set it)."""
    return {k: v for k, v in (tracker.get_slot("service_answers") or {}).items() if not k.startswith("_")}


def _next_document(service: dict, tracker: Tracker) -> dict | None:
    documents = tracker.get_slot("service_documents") or {}
    return next((d for d in service.get("documents") or [] if d["code"] not in documents), None)


class ValidateServiceForm(InterruptibleFormValidation, Doorstep):
    form = "service_form"
    summary_slots = ("service_confirmed",)

    def name(self) -> str:
        return "validate_service_form"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def consent_purpose(self, tracker: Tracker) -> str:
        """A field agent's consent is to the chosen service's kind of filing (an application, a visit, a septic tank request)."""
        service = await _service(self.client, tracker)
        return str((service or {}).get("workflow") or "certificate")

    async def answered(self, tracker: Tracker) -> list[str]:
        service = await _service(self.client, tracker)
        if service is None:
            return []
        answers = tracker.get_slot("service_answers") or {}
        return [f["name"] for f in _asked(service, tracker) if f["name"] in answers]

    async def asking(self, tracker: Tracker) -> str | None:
        service = await _service(self.client, tracker)
        field = _next_field(service, tracker) if service and tracker.get_slot("requested_slot") == "service_answer" else None
        return field["name"] if field else None

    async def forget(self, field: str, tracker: Tracker) -> dict[str, Any]:
        """The field's answer and its words go; so does the fee its choice set."""
        service = await _service(self.client, tracker) or {}
        answers = tracker.get_slot("service_answers") or {}
        gone = {field, FEE_KEY} if field in _fee_set_by(service) else {field}
        if answers.get(GUESSED_KEY) == field:
            gone |= {GUESSED_KEY, GUESS_WORDS_KEY}
        if answers.get(UNCHECKED_KEY) == field:
            gone.add(UNCHECKED_KEY)
        answers = {k: v for k, v in answers.items() if k not in gone}
        labels = {k: v for k, v in (tracker.get_slot("service_labels") or {}).items() if k != field}
        return {"service_answers": answers, "service_labels": labels, "service_answer": None}

    async def take(self, field: str, said: str, tracker: Tracker) -> dict[str, Any] | None:
        service = await _service(self.client, tracker)
        if service is None:
            return None
        if typed_recording(tracker, said):
            return None
        result = await self.client.service_answer(service["code"], field, said, language_of(tracker), _given(tracker))
        if not result.ok:
            return None
        kind = next((f["type"] for f in service["fields"] if f["name"] == field), None)
        kept = await self.forget(field, tracker)
        answers, labels = _with_answer(
            service,
            kept["service_answers"],
            kept["service_labels"],
            field,
            _kept(kind, said, result.value),
            result.value,
            language_of(tracker),
        )
        return {**kept, "service_answers": answers, "service_labels": labels}

    def label_key(self, field: str) -> str | None:
        return f"cert_label.{field}"

    async def about(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """The chosen service's fee and time (in its own words, as its summary says them) and its
        documents; before a service is chosen, where each one's are told."""
        service = await _service(self.client, tracker)
        if service is None:
            dispatcher.utter_message(response="utter_about_services")
            return
        say_fee(dispatcher, service, tracker)
        if service.get("documents"):
            documents = ", ".join(words(d["key"], tracker) for d in service["documents"])
            dispatcher.utter_message(response="utter_about_documents", documents=documents)

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """The definition decides: a question while a field is unanswered, a document request while
        one is missing (only where the channel can carry a file), the lane only where Tatkal exists."""
        correcting = ["service_reference"] if tracker.get_slot("service_reference") else []
        service = await _service(self.client, tracker)
        if service is None:  # no type yet, or the backend is down: its question says so
            return [*correcting, "service_code", "service_answer"]
        slots = [*correcting, "service_code"]
        if tracker.get_slot(doorstep.AGENT):  # at the doorstep: the applicant's mobile, and their consent
            slots += [self.phone_slot, self.code_slot]
        answers = tracker.get_slot("service_answers") or {}
        if answers.get(REOPEN_KEYS[0]):  # about their case just closed? Reopening it ends the form
            if answers.get(REOPEN_KEY) == "reopen":
                return []
            slots += [] if answers.get(REOPEN_KEY) else [REOPEN]
        if answers.get(GUESSED_KEY):
            slots.append(GUESS)
        if _next_field(service, tracker):
            slots.append("service_answer")
        if carries_media(tracker) and _next_document(service, tracker):
            slots.append("service_document")
        if service.get("tatkal_fee_rupees") is not None and not correcting:  # a correction keeps its lane
            slots.append("service_tatkal")
        return [*slots, "service_confirmed"] if service.get("confirm", True) else slots

    async def validate_service_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Correcting an application the office sent back: its service, and what the office said."""
        reference = str(value or "").strip()
        result = await self.client.certificate_correction(reference, tracker.sender_id)
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {"service_reference": None}
        if not result.ok:  # not theirs, or not sent back: said so, and a plain application starts
            dispatcher.utter_message(response="utter_nothing_to_correct", reference=reference)
            return {"service_reference": None}
        code = result.value["certificate_type"]
        dispatcher.utter_message(response="utter_certificate_correcting", reference=reference, reason=result.value["reason"])
        return {
            "service_reference": reference,
            "service_code": code,
            "service_definition": result.value.get("service"),
            "service_answers": {SERVICE_KEY: code},
            "service_labels": {},
            "service_documents": {},
            doorstep.AGENT: "",
        }

    async def validate_service_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answers = tracker.get_slot("service_answers") or {}
        asked = tracker.get_slot("requested_slot") not in (None, "service_code")
        if answers.get(SERVICE_KEY) and (asked or len(answers) > 1):
            # A service's name inside a later answer ("my income is ...") never changes the service.
            return {"service_code": answers[SERVICE_KEY]}
        # One call: the service, its definition, whether the sender files at the doorstep for someone
        # else, and what the words that opened the form answer.
        said = _opening_words(tracker)
        result = await self.client.choose_service(str(value or ""), tracker.sender_id, said, language_of(tracker))
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {"service_code": None}
        if not result.ok:  # refused on purpose (an answer it cannot read): asked again, counted as a try
            last = max((s["number"] for s in await _menu(self.client) or []), default=1)
            return self.failed(dispatcher, tracker, "service_code", "utter_invalid_certificate_type", last=last)
        service, agent = result.value["service"], result.value["agent"]
        if service is None:
            return self.failed(dispatcher, tracker, "service_code", "utter_invalid_certificate_type", last=result.value["last"])
        code = service["code"]
        chosen = {
            **self.accepted("service_code", code),
            "service_definition": service,
            "service_answers": {SERVICE_KEY: code},
            "service_labels": {},
            "service_documents": {},
            doorstep.AGENT: agent["name"] if agent else "",
        }
        if said and service.get("opened_by_words"):
            return {**chosen, **_opening(service, said, result.value, tracker)}
        return chosen

    async def validate_service_reopen(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes: the case is reopened (the form ends, action_submit_service reopens it); no: a new one."""
        intent = intent_of(tracker)
        if intent not in ("affirm", "deny"):
            return self.failed(dispatcher, tracker, REOPEN, "utter_confirm_yes_or_no")
        answers = {**(tracker.get_slot("service_answers") or {}), REOPEN_KEY: "reopen" if intent == "affirm" else "new"}
        return {REOPEN: None, "service_answers": answers, "validation_failures": 0}

    async def validate_service_guess(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes: the guess is the answer; no: its question is asked (the words it told stay told)."""
        answers = tracker.get_slot("service_answers") or {}
        intent = intent_of(tracker)
        if intent == "affirm":
            kept = {k: v for k, v in answers.items() if k not in (GUESSED_KEY, GUESS_WORDS_KEY)}
            return {GUESS: None, "service_answers": kept, "validation_failures": 0}
        if intent == "deny":
            return {GUESS: None, **await self.forget(str(answers.get(GUESSED_KEY)), tracker), "validation_failures": 0}
        said = str(value or "").strip()  # "नाली जाम है": the answer itself, read again (a new guess is asked again)
        taken = await self.take(str(answers.get(GUESSED_KEY)), said, tracker) if said and not said.startswith("/") else None
        if taken is not None:
            return {**taken, GUESS: None, "validation_failures": 0}
        return self.failed(dispatcher, tracker, GUESS, "utter_confirm_yes_or_no")

    async def validate_service_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to the field being asked; the form then asks the next field's question."""
        service = await _service(self.client, tracker)
        field = _next_field(service, tracker) if service else None
        if service is None or field is None:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {"service_answer": None}
        pin = pin_of(tracker) if field["type"] == "place" else None  # a WhatsApp location pin answers where
        text = pin or str(value or "").strip()
        photo = photo_of(tracker) if field.get("with_photo") else None
        documents = {**(tracker.get_slot("service_documents") or {}), **({field["name"]: photo} if photo else {})}
        kept_photo = {"service_documents": documents} if photo else {}  # a photo is kept whatever the words
        result = None  # a recording link typed on WhatsApp or SMS is not a call's answer
        if text and not typed_recording(tracker, text) and _checked_by_filing(service, field, tracker):
            answers = {**(tracker.get_slot("service_answers") or {}), field["name"]: text, UNCHECKED_KEY: field["name"]}
            return {"service_answer": None, "service_answers": answers, **kept_photo}
        if not typed_recording(tracker, text):
            result = await self.client.service_answer(service["code"], field["name"], text, language_of(tracker), _given(tracker))
        if result is not None and result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {"service_answer": None}
        if photo and (result is None or not result.ok) and not typed_recording(tracker, text) and not pin:
            if not (result is not None and result.error == "too_long" and field.get("too_long")):
                dispatcher.utter_message(response="utter_photo_kept_describe")
                return {"service_answer": None, **kept_photo}
        if result is None or not result.ok:
            refusal = self.refused(dispatcher, tracker, field, text, result.error if result else None)
            return {**refusal, **kept_photo}
        answers, labels = _with_answer(
            service,
            tracker.get_slot("service_answers") or {},
            tracker.get_slot("service_labels") or {},
            field["name"],
            _kept(field["type"], text, result.value),
            result.value,
            language_of(tracker),
        )
        return {
            "service_answer": None,
            "validation_failures": 0,
            "service_answers": answers,
            "service_labels": labels,
            **kept_photo,
        }

    def refused(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, field: dict, said: str, error: str | None
    ) -> dict[str, Any]:
        """Says why an answer to the field is refused, in the field's own words: a pin outside the
        wards, a text over its limit, else the field's message with the bounds it was out of (a
        definition kept in the conversation from before the backend sent "invalid" has its type's)."""
        if is_geo_uri(said):
            return self.failed(dispatcher, tracker, "service_answer", "utter_pin_outside_wards")
        if error == "too_long" and field.get("too_long"):
            return self.failed(dispatcher, tracker, "service_answer", field["too_long"], limit=field.get("max_length"))
        bounds = {"min": field.get("min"), "max": field.get("max"), "days": field.get("max_days_ahead")}
        refused = field.get("invalid") or f"cert_invalid.{field['type']}"
        return self.failed(dispatcher, tracker, "service_answer", refused, **bounds)

    async def validate_service_document(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A photo or PDF sent now, or "later" to bring it to the office."""
        service = await _service(self.client, tracker)
        document = _next_document(service, tracker) if service else None
        if document is None:
            return {"service_document": None}
        media = (tracker.latest_message.get("metadata") or {}).get("media") or []
        sent = next((m["url"] for m in media if str(m.get("content_type", "")).split(";")[0] in DOCUMENT_TYPES), None)
        if sent is None:
            later = await self.client.certificate_other_answer("later", str(value or ""))
            if later.error == UNAVAILABLE:
                dispatcher.utter_message(response="utter_service_unavailable")
                return {"service_document": None}
            if not later.ok:
                return self.failed(
                    dispatcher,
                    tracker,
                    "service_document",
                    "utter_invalid_certificate_document",
                    document_key=document["key"],
                )
        else:
            dispatcher.utter_message(response="utter_certificate_document_received", document_key=document["key"])
        documents = {**(tracker.get_slot("service_documents") or {}), document["code"]: sent or "later"}
        return {"service_document": None, "service_documents": documents, "validation_failures": 0}

    async def validate_service_tatkal(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if isinstance(value, bool):  # the lane chosen before, checked again as the form comes back to its summary
            return {"service_tatkal": value}
        result = await self.client.certificate_other_answer("lane", str(value or ""))
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {"service_tatkal": None}
        if not result.ok:
            return self.failed(dispatcher, tracker, "service_tatkal", "utter_invalid_certificate_tatkal")
        return self.accepted("service_tatkal", result.value["value"] == "tatkal")

    async def validate_service_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if intent_of(tracker) == "affirm":
            return self.accepted("service_confirmed", True)
        if was_asked_which_answer(tracker) and native_digits_to_ascii(str(value or "")).strip().isdigit():
            # a number not on the list of answers just offered: the list again, not the summary
            return {"service_confirmed": None, **await self.which_answer(dispatcher, tracker)}
        service = await _service(self.client, tracker) or {}
        return self.failed(dispatcher, tracker, "service_confirmed", reply(service, "utter_invalid_certificate_confirmed"))


async def _labels_now(client: BackendClient, service: dict, tracker: Tracker) -> tuple[dict, list[dict]]:
    """The answers' words in the conversation's language: worded again (one call, only then) when
    the citizen changed language since giving them."""
    labels = tracker.get_slot("service_labels") or {}
    if not service or labels.get(LABELS_LANGUAGE, language_of(tracker)) == language_of(tracker):
        return labels, []
    reworded = await client.service_labels(service["code"], _given(tracker), language_of(tracker))
    if not reworded.ok:
        return labels, []
    labels = {**reworded.value, LABELS_LANGUAGE: language_of(tracker)}
    return labels, [SlotSet("service_labels", labels)]


class _WithService(Action, ABC):
    """An action that needs the service's definition from the backend."""

    @abstractmethod  # abstract, so the action server does not register the base class itself
    def name(self) -> str: ...

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()


class ActionAskServiceCode(_WithService):
    """The menu of applications, from the catalog: a new service adds its own line. On a call each
    line is said by itself (its Odia words are recorded per service)."""

    def name(self) -> str:
        return "action_ask_service_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        menu = await _menu(self.client)
        if not menu:
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        language, channel = language_of(tracker), channel_of(tracker)
        if kind_of(channel) == VOICE:
            dispatcher.utter_message(response="utter_ask_certificate_type", menu="")
            for service in menu:
                dispatcher.utter_message(
                    response=f"service_menu.{service['code']}", number=service["number"], **{f"_{CONTINUES_QUESTION}": True}
                )
            return []
        title = lambda code: locales.render(f"service_menu.{code}", language, channel)["text"]  # noqa: E731
        lines = "\n".join(f"{s['number']}. {title(s['code'])}" for s in menu)
        dispatcher.utter_message(response="utter_ask_certificate_type", menu=lines)
        return []


class ActionAskServiceCitizenPhone(Action):
    """A field agent is asked for the applicant's mobile, and told they file as that agent."""

    def name(self) -> str:
        return "action_ask_service_citizen_phone"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        dispatcher.utter_message(response="utter_ask_certificate_citizen_phone", agent=tracker.get_slot(doorstep.AGENT) or "")
        return []


class ActionAskServiceAnswer(_WithService):
    """The question of the next unanswered field, in the words its definition names."""

    def name(self) -> str:
        return "action_ask_service_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        service = await _service(self.client, tracker)
        field = _next_field(service, tracker) if service else None
        if field is None:
            dispatcher.utter_message(response="utter_service_unavailable")
        else:  # an answer in words is recorded on a call the assistant cannot hear (Odia)
            dispatcher.utter_message(response=field["prompt"], **{f"_{ANSWERED_IN_WORDS}": field["type"] in IN_WORDS})
        return []


class ActionAskServiceDocument(_WithService):
    def name(self) -> str:
        return "action_ask_service_document"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        service = await _service(self.client, tracker)
        document = _next_document(service, tracker) if service else None
        if document is None:
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        dispatcher.utter_message(response="utter_ask_certificate_document", document_key=document["key"])
        return []


class ActionAskServiceTatkal(_WithService):
    def name(self) -> str:
        return "action_ask_service_tatkal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        service = await _service(self.client, tracker)
        if service is None:
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        dispatcher.utter_message(
            response="utter_ask_certificate_tatkal",
            fee=rupees(service["fee_rupees"]),
            days=service["sla_days"],
            days_said_key=locales.count_key("duration.days", service["sla_days"]),
            tatkal_fee=rupees(service["tatkal_fee_rupees"]),
            tatkal_days=service["tatkal_sla_days"],
            tatkal_days_said_key=locales.count_key("duration.tatkal_days", service["tatkal_sla_days"]),
        )
        return []


class ActionAskServiceReopen(Action):
    """Whether the words that opened the form are about the citizen's case just closed (by its number)."""

    def name(self) -> str:
        return "action_ask_service_reopen"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        service = tracker.get_slot("service_definition") or {}
        reference, state = ((tracker.get_slot("service_answers") or {}).get(k) for k in REOPEN_KEYS)
        marked = f"reopen_marked.{str(state or '').lower()}"
        dispatcher.utter_message(response=service.get("reopens") or "utter_help", reference=reference, marked_key=marked)
        return []


class ActionAskServiceGuess(Action):
    """Whether the answer read from the citizen's words is right, naming it (its field's guess_prompt)."""

    def name(self) -> str:
        return "action_ask_service_guess"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        service = tracker.get_slot("service_definition") or {}
        answers = tracker.get_slot("service_answers") or {}
        prompt = _field(service, str(answers.get(GUESSED_KEY))).get("guess_prompt") if service.get("fields") else None
        dispatcher.utter_message(response=prompt or "utter_help", answer_key=answers.get(GUESS_WORDS_KEY) or "")
        return []


class ActionAskServiceConfirmed(_WithService):
    """Every answer read back under its label, the fee and time, the documents to bring, then "submit?"."""

    def name(self) -> str:
        return "action_ask_service_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        if asked_which_answer(tracker):
            return []
        service = await _service(self.client, tracker)
        if service is None:
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        labels, events = await _labels_now(self.client, service, tracker)  # how to pay, not asked when free, has none
        fields = [f["name"] for f in _asked(service, tracker) if f["name"] in labels]
        lines = "\n".join(f"{words('cert_label.' + name, tracker)}: {labels[name]}" for name in fields)
        dispatcher.utter_message(
            response=reply(service, "utter_certificate_summary"), certificate_key=f"certificate.{service['code']}", answers=lines
        )
        if tracker.get_slot(doorstep.AGENT):
            dispatcher.utter_message(
                response="utter_certificate_for_citizen",
                agent=tracker.get_slot(doorstep.AGENT),
                mobile=tracker.get_slot("service_citizen_phone"),
            )
        say_fee(dispatcher, service, tracker)
        documents = tracker.get_slot("service_documents") or {}
        to_bring = [
            words(d["key"], tracker) for d in service.get("documents") or [] if documents.get(d["code"], "later") == "later"
        ]
        if to_bring:
            dispatcher.utter_message(response="utter_certificate_documents_bring", documents=", ".join(to_bring))
        dispatcher.utter_message(response=reply(service, "utter_ask_certificate_confirmed"))
        return events


def kept_for_retry(tracker: Tracker) -> list[dict]:
    """The filings the backend could not take, oldest first: {"key", "slots"} each."""
    kept = tracker.get_slot("service_pending")
    return [k for k in kept if isinstance(k, dict) and k.get("key")] if isinstance(kept, list) else []


def _settled(tracker: Tracker, key: str) -> SlotSet:
    """This filing is no longer waiting for a retry (filed, or refused); the others still are."""
    return SlotSet("service_pending", [k for k in kept_for_retry(tracker) if k["key"] != key] or None)


def _keep_for_retry(tracker: Tracker, key: str) -> list[dict]:
    """Keeps this filing for "yes", apart from the form, which is cleared for whatever comes next."""
    filing = {"key": key, "slots": {s: tracker.get_slot(s) for s in KEPT_FOR_RETRY}}
    kept = kept_for_retry(tracker)
    kept = [filing if k["key"] == key else k for k in kept] if any(k["key"] == key for k in kept) else [*kept, filing]
    return [SlotSet("service_pending", kept[-MAX_KEPT_FOR_RETRY:]), *[SlotSet(s, None) for s in CLEARED]]


class ActionSubmitService(_WithService):
    def name(self) -> str:
        return "action_submit_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        return await self.file(dispatcher, tracker, submission_key(tracker, "service_form", WORKING_SLOTS))

    async def file(self, dispatcher: CollectingDispatcher, tracker: Tracker, key: str) -> list[dict]:
        """Files what the form's slots hold, once per key (a retry of a kept filing passes its own)."""
        code = tracker.get_slot("service_code")
        answers = tracker.get_slot("service_answers") or {}
        service = await _service(self.client, tracker)
        cleared = [_settled(tracker, key)] + [SlotSet(s, None) for s in CLEARED]
        if code and answers.get(REOPEN_KEY) == "reopen":  # the form ended in reopening their case
            return [*await give(self.client, dispatcher, tracker, str(answers[REOPEN_KEYS[0]]), False, None), *cleared]
        if not code or ((service or {}).get("confirm", True) and not tracker.get_slot("service_confirmed")):
            dispatcher.utter_message(response="utter_help")
            return []
        documents = {k: v for k, v in (tracker.get_slot("service_documents") or {}).items() if v != "later"}
        given = {k: v for k, v in answers.items() if not k.startswith("_")}
        if service is not None:  # not how to pay, where a correction made it free
            given = {f["name"]: given[f["name"]] for f in _asked(service, tracker) if f["name"] in given}
        application = {
            "certificate_type": code,
            "documents": documents,
            "answers": given,
            "tatkal": bool(tracker.get_slot("service_tatkal")),
            "citizen_phone": tracker.sender_id,
            "language": language_of(tracker),
            "channel": channel_of(tracker),
        }
        if tracker.get_slot(doorstep.AGENT):  # at the doorstep: for the citizen whose mobile was given
            application |= {"citizen_phone": tracker.get_slot("service_citizen_phone")}
        reference = tracker.get_slot("service_reference")
        if reference:  # a correction of an application the office sent back
            result = await self.client.resubmit_certificate(
                reference=reference, phone=tracker.sender_id, answers=application["answers"], documents=documents
            )
            if result.error == UNAVAILABLE:
                dispatcher.utter_message(response="utter_certificate_kept_for_retry")
                return _keep_for_retry(tracker, key)
            response = "utter_certificate_resubmitted" if result.ok else "utter_nothing_to_correct"
            dispatcher.utter_message(response=response, reference=reference)
            return cleared
        result = await self.client.apply_certificate(application=application, idempotency_key=key)
        service = service or {}
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response=reply(service, "utter_certificate_kept_for_retry"))
            return _keep_for_retry(tracker, key)
        if result.error == ANSWER_REFUSED:  # an answer the form let through (a day that passed): the summary again
            again = [_settled(tracker, key), SlotSet("service_confirmed", None)]
            form = ValidateServiceForm(self.client)
            if not service.get("confirm", True) and result.field and result.field in given:  # no summary: asked again
                if answers.get(UNCHECKED_KEY) == result.field:  # the last answer, checked only now
                    refusal = form.refused(dispatcher, tracker, _field(service, result.field), given[result.field], None)
                    again += [SlotSet("validation_failures", refusal["validation_failures"])]
                else:
                    label = words(f"cert_label.{result.field}", tracker)
                    dispatcher.utter_message(response="utter_form_answer_refused", field=label)
                forgotten = await form.forget(result.field, tracker)
                again += [SlotSet(k, v) for k, v in forgotten.items()]
            else:
                dispatcher.utter_message(response=reply(service, "utter_certificate_answer_refused"))
            return [*again, FollowupAction("service_form")]
        if not result.ok:  # refused for another reason (a consent that lapsed): nothing is kept to be filed again
            dispatcher.utter_message(response="utter_certificate_refused")
            return cleared
        filed = result.value
        if filed.get("payment_url"):
            expires = filed.get("payment_expires_at")
            dispatcher.utter_message(
                response=reply(service, "utter_certificate_filed_pay"),
                reference=filed["reference"],
                certificate_key=f"certificate.{code}",
                fee=rupees(filed["fee_rupees"]),
                payment_url=filed["payment_url"],
                upi_link=filed["upi_link"],
                expires=local_moment(expires) if expires else "",
            )
        else:
            labels, _ = await _labels_now(self.client, service, tracker)  # a reply may name an answer: {answer_<field>}
            dispatcher.utter_message(
                response=reply(service, "utter_certificate_filed"),
                reference=filed["reference"],
                certificate_key=f"certificate.{code}",
                office=filed["office_label"],
                # the last answer of a form with no summary has no words of the backend's yet: the citizen's
                **{f"answer_{name}": labels.get(name, said) for name, said in given.items()},
            )
        return [*cleared, SlotSet("validation_failures", 0)]  # its last answer was checked only now
