"""Certificate actions with a dispatcher and tracker against the real backend and database: the
form follows the service's definition, documents, the lane, the summary, filing and the retry."""
from rasa_sdk.events import SlotSet

from actions.service_form import (
    CLEARED, ActionAskServiceAnswer, ActionAskServiceConfirmed, ActionAskServiceCode, ActionSubmitService,
    ValidateServiceForm,
)
from actions.retry import ActionRetryPending
from tests.actions.conftest import DOMAIN, applied, make_tracker, responses

FORM = ["service_code", "service_citizen_phone", "service_answer", "service_document", "service_tatkal",
        "service_confirmed"]
ANSWERS = {"_service": "income", "applicant_name": "Sabitri Behera", "guardian_name": "Gopal Behera", "place": "Sarakana",
           "annual_income": "85000", "purpose": "1"}


def _tracker(slots: dict, channel: str = "twilio_whatsapp"):  # noqa: ANN202
    """Every field answered, on a channel that carries files unless told otherwise."""
    return make_tracker({"service_code": "income", "service_answers": ANSWERS, "service_labels": {},
                         "service_documents": {}, **slots}, events=[{"event": "user", "input_channel": channel}])


async def test_the_form_asks_what_the_definition_lists(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    chosen = await validate.validate_service_code("आय", dispatcher, make_tracker({}), DOMAIN)
    assert chosen["service_code"] == "income" and chosen["service_answers"] == {"_service": "income"}
    asked = make_tracker({"service_code": "income", "service_answers": {"_service": "income"}})
    await ActionAskServiceAnswer(client=backend).run(dispatcher, asked, DOMAIN)
    assert responses(dispatcher) == ["cert_ask.applicant_name"]
    answered = await validate.validate_service_answer("Sabitri Behera", dispatcher, asked, DOMAIN)
    assert answered["service_answers"] == {"_service": "income", "applicant_name": "Sabitri Behera"}
    assert answered["service_answer"] is None  # asked again: now for the next field
    on_whatsapp = await validate.required_slots(FORM, dispatcher, _tracker({}), DOMAIN)
    assert on_whatsapp == ["service_code", "service_document", "service_tatkal", "service_confirmed"]
    sms = _tracker({}, channel="twilio_sms")
    assert "service_document" not in await validate.required_slots(FORM, dispatcher, sms, DOMAIN)


async def test_the_menu_is_the_catalog_in_its_order(backend, dispatcher):
    """A service added to catalog/ is offered with no change here; on a call each line is said by itself."""
    await ActionAskServiceCode(client=backend).run(dispatcher, _tracker({}), DOMAIN)
    [menu] = dispatcher.messages
    assert menu["response"] == "utter_ask_certificate_type"
    assert menu["menu"].splitlines() == ["1. Income certificate", "2. Caste certificate", "3. Residence certificate",
                                         "4. Birth certificate", "5. Trade licence (shop, eatery, workshop)",
                                         "6. Water tanker (delivered to your door)"]
    dispatcher.messages.clear()
    await ActionAskServiceCode(client=backend).run(dispatcher, _tracker({}, channel="twilio_voice"), DOMAIN)
    assert [(m["response"], m.get("number")) for m in dispatcher.messages][-2:] == [("service_menu.trade_licence", 5),
                                                                                  ("service_menu.water_tanker", 6)]
    dispatcher.messages.clear()
    refused = await ValidateServiceForm(client=backend).validate_service_code("passport", dispatcher, make_tracker({}), DOMAIN)
    assert refused["service_code"] is None and dispatcher.messages[0]["last"] == 6


async def test_a_wrong_answer_is_asked_again_by_its_type(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    tracker = make_tracker({"service_code": "income", "service_answers": {k: ANSWERS[k] for k in list(ANSWERS)[:4]}})
    result = await validate.validate_service_answer("a lot", dispatcher, tracker, DOMAIN)
    assert result == {"service_answer": None, "validation_failures": 1}
    assert responses(dispatcher) == ["cert_invalid.amount"]


async def test_a_number_out_of_its_bounds_is_told_the_bounds(backend, dispatcher):
    """"5" square feet is a number, so "send a number" would puzzle: the message says from what to what."""
    validate = ValidateServiceForm(client=backend)
    answered = {"_service": "trade_licence", "applicant_name": "Ramesh Sahu", "business_name": "Sahu Store", "trade": "1",
                "place": "Sarakana"}
    tracker = make_tracker({"service_code": "trade_licence", "service_answers": answered})
    result = await validate.validate_service_answer("5", dispatcher, tracker, DOMAIN)
    assert result == {"service_answer": None, "validation_failures": 1}
    [message] = dispatcher.messages
    assert (message["response"], message["min"], message["max"]) == ("cert_invalid.number", 10, 1000000)


async def test_a_certificate_name_inside_a_later_answer_keeps_the_service(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    kept = await validate.validate_service_code("caste", dispatcher, make_tracker({"service_answers": ANSWERS}), DOMAIN)
    assert kept == {"service_code": "income"}


async def test_documents_a_photo_or_later(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    photo = _tracker({})
    photo.latest_message["metadata"] = {"media": [{"url": "https://api.twilio.com/x.jpg", "content_type": "image/jpeg"}]}
    sent = await validate.validate_service_document("", dispatcher, photo, DOMAIN)
    assert sent["service_documents"] == {"aadhaar": "https://api.twilio.com/x.jpg"}
    later = await validate.validate_service_document("बाद में", dispatcher, _tracker({"service_documents": sent["service_documents"]}), DOMAIN)
    assert later["service_documents"] == {"aadhaar": "https://api.twilio.com/x.jpg", "income_proof": "later"}
    nothing = await validate.validate_service_document("hmm", dispatcher, _tracker({}), DOMAIN)
    assert nothing["service_document"] is None and responses(dispatcher)[-1] == "utter_invalid_certificate_document"


async def test_summary_then_filing_and_a_retry_when_the_backend_was_down(backend, backend_down, dispatcher):
    slots = {"service_tatkal": True, "service_documents": {"aadhaar": "later", "income_proof": "later"},
             "service_labels": {"applicant_name": "Sabitri Behera"}, "service_confirmed": True}
    await ActionAskServiceConfirmed(client=backend).run(dispatcher, _tracker(slots), DOMAIN)
    assert responses(dispatcher) == ["utter_certificate_summary", "utter_certificate_fee", "utter_certificate_documents_bring",
                                     "utter_ask_certificate_confirmed"]
    assert dispatcher.messages[1]["fee"] == "100" and "Name: Sabitri Behera" in dispatcher.messages[0]["answers"]
    # kept whole apart from the form (which is cleared for whatever comes next), and filed by "yes"
    kept = applied(_tracker(slots).slots, await ActionSubmitService(client=backend_down).run(dispatcher, _tracker(slots), DOMAIN))
    [filing] = kept["service_pending"]
    assert filing["slots"]["service_tatkal"] is True and filing["slots"]["service_answers"] == ANSWERS
    assert kept["service_answers"] is None and kept["service_code"] is None
    events = await ActionRetryPending(client=backend).run(dispatcher, make_tracker(kept), DOMAIN)
    after = applied(kept, events)
    assert after["service_pending"] is None and after["service_answers"] is None and after["validation_failures"] == 0
    filed = dispatcher.messages[-1]
    assert filed["response"] == "utter_certificate_filed_pay" and filed["reference"].startswith("CRT-2026-")


async def test_correcting_an_application_the_office_sent_back(backend, dispatcher, client, auth, turn, staff):
    body = {"certificate_type": "birth", "citizen_phone": "+919812345678", "answers": {
        "child_name": "Anita Behera", "date_of_birth": "14/08/2026", "place": "ward 12", "mother_name": "Sabitri Behera",
        "father_name": "Raghunath Behera"}}
    reference = client.post("/api/v1/certificates", json=body, headers=turn(body["citizen_phone"])).json()["reference"]
    validate = ValidateServiceForm(client=backend)
    early = await validate.validate_service_reference(reference, dispatcher, make_tracker({}), DOMAIN)
    assert early == {"service_reference": None} and responses(dispatcher) == ["utter_nothing_to_correct"]
    sent_back = client.post(f"/api/v1/certificates/{reference}/actions", headers=staff("BMC-CRT-VER"),
                            json={"action": "SEND_BACK", "reason": "Spelling of the name"})
    assert sent_back.status_code == 200, sent_back.text
    started = await validate.validate_service_reference(reference, dispatcher, make_tracker({}), DOMAIN)
    assert (started["service_code"], started["service_answers"]) == ("birth", {"_service": "birth"})
    assert dispatcher.messages[-1]["response"] == "utter_certificate_correcting"
    assert dispatcher.messages[-1]["reason"] == "Spelling of the name"
    answers = {"_service": "birth", **body["answers"], "child_name": "Aneeta Behera"}
    slots = {"service_reference": reference, "service_code": "birth", "service_answers": answers,
             "service_confirmed": True}
    await ActionSubmitService(client=backend).run(dispatcher, make_tracker(slots), DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_certificate_resubmitted"
    assert client.get(f"/api/v1/cases/{reference}").json()["state"] == "PENDING_VERIFICATION"


async def test_a_location_pin_answers_where_the_tanker_goes(backend, dispatcher):
    """Any service's place question takes a WhatsApp pin: the ward its boundary holds, or "not in any ward"."""
    validate = ValidateServiceForm(client=backend)
    asked = {"service_code": "water_tanker", "service_answers": {"_service": "water_tanker", "booking_name": "Lipika Das",
                                                                         "tanker_size": "1"}}
    tracker = make_tracker(asked)
    tracker.latest_message["metadata"] = {"location": {"latitude": 20.2961, "longitude": 85.8450, "address": None, "label": None}}
    result = await validate.validate_service_answer("", dispatcher, tracker, DOMAIN)
    # kept as the pin's geo URI, which filing checks again like any answer
    assert result["service_answers"]["delivery_place"] == "geo:20.296100,85.845000" and result["validation_failures"] == 0
    assert result["service_labels"]["delivery_place"] == "ward 29, Bhubaneswar"
    tracker.latest_message["metadata"] = {"location": {"latitude": 19.07, "longitude": 72.88}}  # Mumbai
    assert await validate.validate_service_answer("", dispatcher, tracker, DOMAIN) == {
        "service_answer": None, "validation_failures": 1}
    assert responses(dispatcher) == ["utter_pin_outside_wards"]


async def test_a_fee_the_answers_set_is_kept_and_how_to_pay_is_asked_only_when_there_is_one(backend, dispatcher, settings):
    """The tariff's fee comes back with the last answer it depends on (desludging: a slum household
    in Cuttack pays nothing), and the form then skips the question of how to pay."""
    from backend.services.catalog import load_form

    service = load_form(settings.catalog_dir, "desludging").model_dump()
    given = {"_service": "desludging", "name": "Sunita Das", "property_type": "1", "sanitation_type": "septic tank",
             "size": "small", "trips": "1", "place": "Cuttack ward 22", "landmark": "none", "pin": "753001"}
    slots = {"service_code": "desludging", "service_definition": service, "service_labels": {}, "service_documents": {}}
    validate = ValidateServiceForm(client=backend)
    free = await validate.validate_service_answer("हाँ", dispatcher, make_tracker({**slots, "service_answers": given}), DOMAIN)
    assert free["service_answers"]["_fee"] == 0 and free["service_answers"]["slum"] == "हाँ"
    dated = make_tracker({**slots, "service_answers": {**free["service_answers"], "date": "kal"}})
    assert "service_answer" not in await validate.required_slots(FORM, dispatcher, dated, DOMAIN)  # no "how will you pay?"
    paying = await validate.validate_service_answer("no", dispatcher, make_tracker({**slots, "service_answers": given}), DOMAIN)
    assert paying["service_answers"]["_fee"] == 900
    dated = make_tracker({**slots, "service_answers": {**paying["service_answers"], "date": "kal"}})
    assert "service_answer" in await validate.required_slots(FORM, dispatcher, dated, DOMAIN)
    await ActionAskServiceAnswer(client=backend).run(dispatcher, dated, DOMAIN)
    assert responses(dispatcher)[-1] == "utter_ask_desludging_payment"
    # changing an answer the fee depends on forgets the fee, to be worked out again
    assert "_fee" not in (await validate.forget("trips", dated))["service_answers"]
