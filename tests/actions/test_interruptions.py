"""Interruptions in the middle of any service's form (actions/interruptions.py), against the real
backend and database: each gets its own answer, the slot the message filled is emptied (so the
form asks the same question again), and nothing answered earlier is touched."""
from pathlib import Path

import pytest
import yaml
from rasa_sdk.events import SlotSet

from actions.service_form import ActionSubmitService, ValidateServiceForm
from actions.interruptions import MIN_CONFIDENCE, interruption_of
from tests.actions.conftest import DOMAIN, asking, complaint, make_tracker, responses
from tests.actions.test_desludging import WORDS as DESLUDGING, _slots

# The forms as the bot's domain defines them
WITH_FORMS = {"forms": {name: form for path in sorted((Path(__file__).parents[2] / "bot/domain").glob("*.yml"))
                        for name, form in (yaml.safe_load(path.read_text(encoding="utf-8")).get("forms") or {}).items()}}


def _said(slots: dict, slot: str, text: str, intent: str, confidence: float = 0.9, entities: dict | None = None):  # noqa: ANN202
    """The tracker after `text` (classified as `intent`) filled `slot` of an open form."""
    tracker = make_tracker({**slots, slot: text, "requested_slot": slot}, text=text, entities=entities,
                           events=[{"event": "user", "text": text}, {"event": "slot", "name": slot, "value": text}])
    tracker.latest_message["intent"] = {"name": intent, "confidence": confidence}
    return tracker


@pytest.mark.parametrize(("text", "intent", "confidence", "expected"), [
    ("help", "help", 0.9, "help"),
    ("what is the fee?", "ask_about", 0.8, "ask_about"),
    ('/check_status{"reference":"GRV-2026-000009"}', "check_status", 1.0, "check_status"),
    ("namaste", "greet", MIN_CONFIDENCE, "greet"),
    ("Hari Prasad", "greet", MIN_CONFIDENCE - 0.01, None),  # unsure: taken as the answer
    ("751007", "help", 0.9, None),  # digits are always an answer (a PIN, a number from a list)
    ("2", "list_applications", 0.9, None),
    ("cancel", "cancel", 0.99, None),  # cancel has its own rule, outside the form
    ("Sabitri Behera", "inform", 0.9, None),
    ("Voice message from the caller: https://api.twilio.com/2010-04-01/Recordings/RE04", "check_status", 0.9, None),
])
def test_what_counts_as_an_interruption(text, intent, confidence, expected):
    assert interruption_of({"text": text, "intent": {"name": intent, "confidence": confidence}}) == expected
    with_a_photo = {"text": text, "intent": {"name": intent, "confidence": confidence}, "metadata": {"media": [{"url": "x"}]}}
    assert interruption_of(with_a_photo) == (expected if text.startswith("/") else None)


async def test_help_at_the_description_keeps_the_category(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    tracker = _said(await complaint(backend, asking("description")), "service_answer", "help", "help")
    assert await validate.get_validation_events(dispatcher, tracker, WITH_FORMS) == [SlotSet("service_answer", None)]
    assert responses(dispatcher) == ["utter_form_continue"]


async def _asked_first(backend) -> dict:  # noqa: ANN001
    """Desludging's first question (the name) asked, nothing answered yet."""
    return await _slots(backend, {"_service": "desludging"})


async def test_a_greeting_is_not_a_name(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    tracker = _said(await _asked_first(backend), "service_answer", "namaste ji", "greet")
    assert await validate.get_validation_events(dispatcher, tracker, WITH_FORMS) == [SlotSet("service_answer", None)]
    assert responses(dispatcher) == ["utter_form_greet"]


async def test_the_same_words_again_are_the_answer(backend, dispatcher):
    """A name the model hears as a greeting is answered once; said again, it is the name."""
    validate = ValidateServiceForm(client=backend)
    tracker = _said(await _asked_first(backend), "service_answer", "Ram Narayan Sharma", "greet")
    tracker.events.insert(0, {"event": "user", "text": "ram narayan  sharma"})
    set_ = {e["name"]: e["value"] for e in await validate.get_validation_events(dispatcher, tracker, WITH_FORMS)}
    assert set_["service_answers"] == {"_service": "desludging", "name": "Ram Narayan Sharma"}
    assert responses(dispatcher) == []


async def test_help_said_twice_is_still_help(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    tracker = _said(await complaint(backend, asking("description")), "service_answer", "help", "help")
    tracker.events.insert(0, {"event": "user", "text": "help"})
    assert await validate.get_validation_events(dispatcher, tracker, WITH_FORMS) == [SlotSet("service_answer", None)]
    assert responses(dispatcher) == ["utter_form_continue"]


async def test_a_service_named_in_a_question_does_not_change_the_service(backend, dispatcher):
    """"documents for an income certificate?" at the tanker's size question: the question is asked
    again and the service chosen stays (the entity the words also filled goes back)."""
    certificate = ValidateServiceForm(client=backend)
    tanker = (await backend.service_definition("water_tanker")).value
    chosen = {"service_code": "water_tanker", "service_definition": tanker,
              "service_answers": {"_service": "water_tanker", "booking_name": "Ravi"}}
    tracker = _said(chosen, "service_answer", "documents for an income certificate?", "ask_about")
    tracker.events = [{"event": "slot", "name": "service_code", "value": "water_tanker"}, *tracker.events,
                      {"event": "slot", "name": "service_code", "value": "income"}]
    tracker.slots["service_code"] = "income"
    assert await certificate.get_validation_events(dispatcher, tracker, WITH_FORMS) == [
        SlotSet("service_answer", None), SlotSet("service_code", "water_tanker")]


async def test_an_answer_that_is_not_an_interruption_is_validated_as_usual(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    tracker = _said(await _asked_first(backend), "service_answer", "Sabitri Behera", "inform")
    assert await validate.get_validation_events(dispatcher, tracker, WITH_FORMS) == [
        SlotSet("service_answer", None), SlotSet("validation_failures", 0),
        SlotSet("service_answers", {"_service": "desludging", "name": "Sabitri Behera"}),
        SlotSet("service_labels", {"name": "Sabitri Behera", "_language": "en"})]
    assert responses(dispatcher) == []


async def test_status_of_a_number_in_the_middle_of_a_form(backend, dispatcher):
    filed = make_tracker(await complaint(backend), events=[{"event": "active_loop", "name": "service_form",
                                                             "timestamp": 1763890001.0}])
    await ActionSubmitService(client=backend).run(dispatcher, filed, DOMAIN)
    assert responses(dispatcher) == ["utter_grievance_filed"]
    reference = dispatcher.messages[-1]["reference"]
    dispatcher.messages.clear()
    validate = ValidateServiceForm(client=backend)
    payload = f'/check_status{{"reference":"{reference}"}}'
    named = await _slots(backend, {"_service": "desludging", "name": "Sabitri Behera"})  # the property type asked
    tracker = _said(named, "service_answer", payload, "check_status", 1.0, entities={"reference": reference})
    assert await validate.get_validation_events(dispatcher, tracker, WITH_FORMS) == [SlotSet("service_answer", None)]
    assert responses(dispatcher) == ["utter_case_status", "utter_form_continue"]
    assert dispatcher.messages[0]["reference"] == reference
    dispatcher.messages.clear()
    # "status" without a number: the sender's cases
    tracker = _said(await _asked_first(backend), "service_answer", "what is the status", "check_status")
    await validate.get_validation_events(dispatcher, tracker, WITH_FORMS)
    assert responses(dispatcher) == ["utter_my_cases", "utter_case_status", "utter_form_continue"]


async def test_the_fee_question_is_answered_by_each_service(backend, dispatcher):
    certificate = ValidateServiceForm(client=backend)
    tracker = _said(await _asked_first(backend), "service_answer", "fees kitna hai", "ask_about")
    assert await certificate.get_validation_events(dispatcher, tracker, WITH_FORMS) == [SlotSet("service_answer", None)]
    assert responses(dispatcher) == ["utter_about_desludging", "utter_form_continue"]  # not known yet: what it depends on
    dispatcher.messages.clear()
    # the place, property, trips and slum answered: the fee they set, at the day's question
    before_date = {k: v for k, v in DESLUDGING.items() if k not in ("date", "payment")}
    tracker = _said(await _slots(backend, {**before_date, "_fee": 2000}), "service_answer", "fees kitna hai", "ask_about")
    assert await certificate.get_validation_events(dispatcher, tracker, WITH_FORMS) == [SlotSet("service_answer", None)]
    assert responses(dispatcher) == ["utter_desludging_fee", "utter_form_continue"]
    assert dispatcher.messages[0]["fee"] == "2,000"
    dispatcher.messages.clear()
    free = await _slots(backend, {**before_date, "slum": "1", "_fee": 0})  # a slum household, served free in this town
    await certificate.get_validation_events(dispatcher, _said(free, "service_answer", "is it free?", "ask_about"), WITH_FORMS)
    assert responses(dispatcher) == ["utter_desludging_fee_free", "utter_form_continue"]
    dispatcher.messages.clear()

    income = (await backend.service_definition("income")).value
    chosen = {"service_code": "income", "service_definition": income, "service_answers": {"_service": "income"}}
    tracker = _said(chosen, "service_answer", "what is the fee?", "ask_about")
    assert await certificate.get_validation_events(dispatcher, tracker, WITH_FORMS) == [SlotSet("service_answer", None)]
    assert responses(dispatcher) == ["utter_certificate_fee", "utter_about_documents", "utter_form_continue"]
    assert dispatcher.messages[0]["fee"] == str(income["fee_rupees"])
    dispatcher.messages.clear()
    # The tanker's charge depends on the size: before it is chosen, said so; in the service's own words after.
    tanker = (await backend.service_definition("water_tanker")).value
    chosen = {"service_code": "water_tanker", "service_definition": tanker, "service_answers": {"_service": "water_tanker"}}
    await certificate.get_validation_events(dispatcher, _said(chosen, "service_answer", "kitna paisa", "ask_about"), WITH_FORMS)
    assert responses(dispatcher) == ["utter_about_fee_varies", "utter_form_continue"]
    dispatcher.messages.clear()
    sized = {**chosen, "service_answers": {"_service": "water_tanker", "booking_name": "Ravi", "tanker_size": "l10000", "_fee": 900}}
    await certificate.get_validation_events(dispatcher, _said(sized, "service_answer", "kitna paisa", "ask_about"), WITH_FORMS)
    assert responses(dispatcher) == ["visit_reply.fee", "utter_form_continue"]
    assert dispatcher.messages[0]["fee"] == "900"
    dispatcher.messages.clear()
    # Before any service is chosen
    await certificate.get_validation_events(dispatcher, _said({}, "service_code", "fee kya hai", "ask_about"), WITH_FORMS)
    assert responses(dispatcher) == ["utter_about_services", "utter_form_continue"]
    dispatcher.messages.clear()

    # A complaint is free, whichever question is asked
    for field in ("problem", "ward"):
        tracker = _said(await complaint(backend, asking(field)), "service_answer", "is it free?", "ask_about")
        assert await certificate.get_validation_events(dispatcher, tracker, WITH_FORMS) == [SlotSet("service_answer", None)]
        assert responses(dispatcher) == ["utter_about_grievance", "utter_form_continue"]
        dispatcher.messages.clear()
