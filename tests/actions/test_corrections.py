"""Changing an earlier answer in words, in the middle of any service's form or at its summary
(actions/interruptions.py), against the real backend and database: the answer named is forgotten
so the form asks it again, the summary comes back after it, and nothing else is lost."""
import pytest

from common.channels import NUMBERED_ANSWERS

from actions.service_form import FEE_KEY, ValidateServiceForm
from actions.form_validation import typed_recording
from actions.interruptions import asked_which_answer
from tests.actions.conftest import COMPLAINT, asking, complaint, make_tracker, responses
from tests.actions.test_certificate import ANSWERS as INCOME
from tests.actions.test_desludging import WORDS as DESLUDGING, _slots
from tests.actions.test_interruptions import WITH_FORMS, _said

# labels given before they said their language: reworded at the summary (actions/service_form.py LABELS_LANGUAGE)
UNKNOWN = {"_language": "mixed"}

# A desludging request at its summary: every answer given, and the fee they set (2 trips of a house in ward 12)
ANSWERED = {**DESLUDGING, FEE_KEY: 2000}
LABELS = {k: "…" for k in DESLUDGING if not k.startswith("_")}
FEE_SET_BY = ("property_type", "trips", "place", "slum")


async def _at_summary(backend, language: str = "en") -> dict:  # noqa: ANN001
    return await _slots(backend, ANSWERED, service_confirmed=None, language=language)


async def _asking(backend, field: str) -> dict:  # noqa: ANN001
    """Desludging mid-form: the answers before `field`, the question asked."""
    names = list(LABELS)
    return await _slots(backend, {k: v for k, v in DESLUDGING.items() if k == "_service" or names.index(k) < names.index(field)})


async def _income_at_summary(backend) -> dict:  # noqa: ANN001
    """An income certificate's answers at its summary, in a Hindi conversation."""
    income = (await backend.service_definition("income")).value
    return {"service_code": "income", "service_definition": income, "service_answers": INCOME,
            "service_labels": {"purpose": "Scholarship"}, "service_documents": {}, "service_tatkal": False,
            "language": "hi"}


def _set(events: list) -> dict:
    """The slots the events set."""
    return {event["name"]: event["value"] for event in events}


def _without(field: str) -> dict:
    """The summary's answers with `field` forgotten, and the fee with it where the field sets it."""
    gone = {field, FEE_KEY} if field in FEE_SET_BY else {field}
    return {"service_answers": {k: v for k, v in ANSWERED.items() if k not in gone},
            "service_labels": {k: v for k, v in LABELS.items() if k != field}, "service_answer": None}


@pytest.mark.parametrize(("text", "intent", "field"), [
    ("I want to change the name", "correct_answer", "name"),
    ("no, the PIN is wrong", "deny", "pin"),
    ("change the PIN to 12", "correct_answer", "pin"),  # not a PIN: asked again
    ("PIN", "inform", "pin"),  # at the summary, naming it is enough
    ("pin code galat hai", "correct_answer", "pin"),
    ("ପିନ କୋଡ ଭୁଲ ଅଛି", "correct_answer", "pin"),
    ("तारीख बदलनी है", "correct_answer", "date"),
    ("the tank size is wrong", "deny", "size"),  # "size" within "tank size": the longer words win
    ("the address is wrong", "deny", "place"),  # the fee the place set goes with it
])
async def test_a_correction_at_the_summary_forgets_only_that_answer(backend, dispatcher, text, intent, field):
    validate = ValidateServiceForm(client=backend)
    tracker = _said(await _at_summary(backend), "service_confirmed", text, intent)
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_ == {**_without(field), "service_confirmed": None, "validation_failures": 0}
    assert responses(dispatcher) == ["utter_form_correct"]
    assert dispatcher.messages[0]["field"]


@pytest.mark.parametrize(("text", "field", "said", "label"), [
    ("change the name to Pradeep Rout", "name", "Pradeep Rout", "Pradeep Rout"),
    ("the PIN should be 751002", "pin", "751002", "751002"),
    ("naam Ramesh Kumar kar do", "name", "Ramesh Kumar", "Ramesh Kumar"),
    ("ତାରିଖ ଆସନ୍ତାକାଲି କରନ୍ତୁ", "date", "2026-11-24", "24-11-2026"),  # tomorrow, kept as the day meant
])
async def test_a_correction_that_gives_the_new_answer_takes_it(backend, dispatcher, text, field, said, label):
    validate = ValidateServiceForm(client=backend)
    tracker = _said(await _at_summary(backend), "service_confirmed", text, "correct_answer")
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_ == {"service_answers": {**ANSWERED, field: said}, "service_labels": {**LABELS, field: label, **UNKNOWN},
                    "service_answer": None, "service_confirmed": None, "validation_failures": 0}
    assert responses(dispatcher) == ["utter_form_corrected"]


async def test_a_certificate_correction_that_gives_the_new_answer_keeps_every_other(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    slots = await _income_at_summary(backend)
    tracker = _said(slots, "service_confirmed", "income dedh lakh kar do", "correct_answer")
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_["service_answers"] == {**INCOME, "annual_income": "dedh lakh"}
    assert set_["service_labels"]["purpose"] == "Scholarship" and "1,50,000" in set_["service_labels"]["annual_income"]
    assert set_["service_confirmed"] is None and responses(dispatcher) == ["utter_form_corrected"]


async def test_the_answer_is_named_in_the_language_of_the_chat(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    await validate.get_validation_events(dispatcher, _said(await _at_summary(backend, "hi"), "service_confirmed",
                                                           "change the address", "correct_answer"), WITH_FORMS)
    assert set(dispatcher.messages[0]["field"]) & set("अआइईउएओकखगघचजटडतदनपबभमयरलवशसह")


async def test_yes_and_cancel_at_the_summary_are_never_corrections(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    for text, intent in (("yes, the name and PIN are right", "affirm"), ("cancel", "cancel")):
        tracker = _said(await _at_summary(backend), "service_confirmed", text, intent)
        set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
        assert "utter_form_correct" not in responses(dispatcher) and "service_answers" not in set_, set_
        assert set_["service_confirmed"] is (True if intent == "affirm" else None)  # yes files it
        dispatcher.messages.clear()


@pytest.mark.parametrize("text", ["something is wrong, I want to change it", "/correct_answer"])  # words, or the summary's button
async def test_a_correction_naming_no_answer_at_the_summary_opens_the_numbered_list(backend, dispatcher, text):
    validate = ValidateServiceForm(client=backend)
    tracker = _said(await _at_summary(backend), "service_confirmed", text, "correct_answer")
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_ == {"service_confirmed": None}
    assert responses(dispatcher) == ["utter_form_correct_which"]
    assert dispatcher.messages[0]["fields"].splitlines() == [
        "1. Name", "2. Property", "3. To empty", "4. Size", "5. Trips", "6. Place", "7. Landmark", "8. PIN", "9. Slum household",
        "10. Day", "11. Payment"]
    assert dispatcher.messages[0][NUMBERED_ANSWERS]["8"] == '/correct_answer{"answer_name":"pin"}'
    dispatcher.messages.clear()
    # the number picks the answer, which is asked again; nothing else goes
    chosen = _said(await _at_summary(backend), "service_confirmed", '/correct_answer{"answer_name":"pin"}', "correct_answer",
                   1.0, entities={"answer_name": "pin"})
    set_ = _set(await validate.get_validation_events(dispatcher, chosen, WITH_FORMS))
    assert set_ == {**_without("pin"), "service_confirmed": None, "validation_failures": 0}
    assert responses(dispatcher) == ["utter_form_correct"]


async def test_a_free_request_offers_no_payment_to_change(backend, dispatcher):
    """A slum household served free is never asked how to pay, so "which answer?" does not list it."""
    validate = ValidateServiceForm(client=backend)
    free = {**{k: v for k, v in ANSWERED.items() if k != "payment"}, "slum": "1", FEE_KEY: 0}
    tracker = _said(await _slots(backend, free), "service_confirmed", "I want to change an answer", "correct_answer")
    await validate.get_validation_events(dispatcher, tracker, WITH_FORMS)
    assert dispatcher.messages[0]["fields"].splitlines()[-1] == "10. Day"


async def test_mid_form_only_a_correction_naming_an_earlier_answer_changes_it(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    so_far = await _asking(backend, "sanitation_type")  # the name and the property given
    tracker = _said(so_far, "service_answer", "i want to change my name", "correct_answer")
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_ == {"service_answer": None, "service_answers": {"_service": "desludging", "property_type": "1"},
                    "service_labels": {"property_type": "…"}, "service_confirmed": None, "validation_failures": 0}
    assert responses(dispatcher) == ["utter_form_correct"]
    dispatcher.messages.clear()
    # an answer not given yet cannot be changed: the words are the answer to the question asked
    tracker = _said(so_far, "service_answer", "the date is wrong", "correct_answer")
    assert _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS)) == {
        "service_answer": None, "validation_failures": 1}
    assert responses(dispatcher) == ["utter_invalid_desludging_sanitation_type"]


async def test_a_complaint_saying_wrong_is_the_description(backend, dispatcher):
    """The model hears "the bill amount is wrong" as a correction; naming no answer given, it is
    the description asked for."""
    validate = ValidateServiceForm(client=backend)
    slots = await complaint(backend, {"_service": "grievance", "problem": "4"})  # water supply, chosen by its number
    tracker = _said(slots, "service_answer", "the water bill amount is wrong", "correct_answer", 1.0)
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_["service_answers"] == {"_service": "grievance", "problem": "4", "description": "the water bill amount is wrong"}
    assert set_["service_labels"]["problem"] == "water supply"
    assert responses(dispatcher) == []


async def test_a_correction_naming_no_answer_at_a_summary_asks_which(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    income = (await backend.service_definition("income")).value
    slots = {"service_code": "income", "service_definition": income, "service_answers": INCOME,
             "service_labels": {}, "service_documents": {}, "service_tatkal": False}
    tracker = _said(slots, "service_confirmed", "something is not right, I want to change it", "correct_answer")
    assert _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS)) == {"service_confirmed": None}
    assert responses(dispatcher) == ["utter_form_correct_which"]
    fields = dispatcher.messages[0]["fields"]
    assert fields.startswith("1. Name\n2. ") and "4. Yearly income (Rs)" in fields, fields
    # each number picks its answer (a key on a call): the channel sends the choice back as its payload
    assert dispatcher.messages[0][NUMBERED_ANSWERS]["2"] == '/correct_answer{"answer_name":"guardian_name"}'


async def test_the_numbered_choice_of_which_answer_asks_that_answer_again(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    slots = await _income_at_summary(backend)
    chosen = '/correct_answer{"answer_name":"guardian_name"}'
    tracker = _said(slots, "service_confirmed", chosen, "correct_answer", 1.0, entities={"answer_name": "guardian_name"})
    changed = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert "guardian_name" not in changed["service_answers"] and changed["service_answers"]["applicant_name"]
    assert responses(dispatcher) == ["utter_form_correct"]


async def test_on_a_call_each_answer_is_offered_by_its_key(backend, dispatcher):
    """Keypad-only callers (Odia) pick the answer by a key; each choice is said by itself, its label
    by its locale key (recorded per label in Odia)."""
    validate = ValidateServiceForm(client=backend)
    slots = {**await _income_at_summary(backend), "language": "or"}
    tracker = _said(slots, "service_confirmed", "/correct_answer", "correct_answer", 1.0)
    tracker.events[0]["input_channel"] = "twilio_voice"
    await validate.get_validation_events(dispatcher, tracker, WITH_FORMS)
    assert responses(dispatcher) == ["utter_form_correct_which_keys", *["utter_form_correct_option"] * 5]
    assert [m.get("field_key") for m in dispatcher.messages[1:3]] == ["cert_label.applicant_name", "cert_label.guardian_name"]
    assert set(dispatcher.messages[-1][NUMBERED_ANSWERS]) == {"1", "2", "3", "4", "5"}


async def test_a_plain_answer_that_names_a_field_is_still_the_answer(backend, dispatcher):
    """Mid-form, only the model's correct_answer makes words a correction: a landmark "near the
    ward office" is a landmark."""
    validate = ValidateServiceForm(client=backend)
    so_far = await _asking(backend, "landmark")
    tracker = _said(so_far, "service_answer", "near the ward office", "inform")
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_["service_answers"] == {**so_far["service_answers"], "landmark": "near the ward office"}
    assert set_["service_labels"]["place"] == "…" and set_["service_labels"]["landmark"] == "near the ward office"
    assert responses(dispatcher) == []


async def test_a_certificate_correction_forgets_the_answer_and_the_fee_it_set(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    slots = await _income_at_summary(backend)
    tracker = _said(slots, "service_confirmed", "pita ka naam galat hai, badalna hai", "correct_answer")
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_["service_answers"] == {k: v for k, v in INCOME.items() if k != "guardian_name"}
    assert set_["service_labels"] == {"purpose": "Scholarship"} and set_["service_confirmed"] is None
    assert responses(dispatcher) == ["utter_form_correct"]
    dispatcher.messages.clear()

    tanker = (await backend.service_definition("water_tanker")).value
    booked = {"_service": "water_tanker", "booking_name": "Ravi", "tanker_size": "l10000", "_fee": 900}
    slots = {"service_code": "water_tanker", "service_definition": tanker, "service_answers": booked,
             "service_labels": {"tanker_size": "10,000 litres"}}
    tracker = _said(slots, "service_answer", "change the tanker size", "correct_answer")
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_["service_answers"] == {"_service": "water_tanker", "booking_name": "Ravi"}  # the fee went with the size
    assert set_["service_labels"] == {}


async def test_a_grievance_category_changed_takes_its_guess_with_it(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    told = "nali jam hai school ke paas"  # a blocked drain, guessed from the words and confirmed
    slots = await complaint(backend, {"_service": "grievance", "problem": told, "description": COMPLAINT["description"]})
    assert slots["service_labels"]["problem"] == "drainage"
    tracker = _said(slots, "service_answer", "wrong category, it is about water", "correct_answer")
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_ == {"service_answer": None, "service_answers": {"_service": "grievance", "description": COMPLAINT["description"]},
                    "service_labels": {"description": COMPLAINT["description"], "_language": "en"},
                    "service_confirmed": None, "validation_failures": 0}
    assert responses(dispatcher) == ["utter_form_correct"]
    dispatcher.messages.clear()
    # while the guess is asked about: the guess goes with the answer, and so does its question
    guessed = await complaint(backend, {**asking("description"), "problem": told, "_guessed": "problem",
                                        "_guess_key": "grievance_subcategory.drainage.blocked"})
    tracker = _said(guessed, "service_guess", "wrong category, it is about water", "correct_answer")
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_ == {"service_guess": None, "service_answers": {"_service": "grievance"},
                    "service_labels": {"_language": "en"}, "service_answer": None, "service_confirmed": None,
                    "validation_failures": 0}
    assert responses(dispatcher) == ["utter_form_correct"]
    after = make_tracker({**guessed, **set_})
    assert await validate.required_slots(WITH_FORMS["forms"]["service_form"]["required_slots"], dispatcher, after,
                                         WITH_FORMS) == ["service_code", "service_answer"]


async def test_words_naming_the_question_asked_are_its_answer(backend, dispatcher):
    """"mera naam Manoj Behera hai" at the name question, even if heard as a correction."""
    certificate = ValidateServiceForm(client=backend)
    tracker = _said(await _asking(backend, "name"), "service_answer", "mera naam Manoj Behera hai", "correct_answer")
    set_ = _set(await certificate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_["service_answers"] == {"_service": "desludging", "name": "mera naam Manoj Behera hai"}
    assert responses(dispatcher) == []
    income = (await backend.service_definition("income")).value
    slots = {"service_code": "income", "service_definition": income, "service_answers": {"_service": "income"}}
    tracker = _said(slots, "service_answer", "naam Manoj Behera hai", "correct_answer")
    events = await certificate.get_validation_events(dispatcher, tracker, WITH_FORMS)
    assert _set(events)["service_answers"]["applicant_name"] and responses(dispatcher) == []


@pytest.mark.parametrize("back", ["back", "पीछे जाओ", "ପଛକୁ", "peeche jao"])
async def test_back_asks_the_answer_given_last_again(backend, dispatcher, back):
    validate = ValidateServiceForm(client=backend)
    so_far = await _asking(backend, "sanitation_type")  # the name and the property given
    tracker = _said(so_far, "service_answer", back, "affirm")  # the model is unsure what "back" is
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_ == {"service_answer": None, "service_answers": {"_service": "desludging", "name": "Sabitri Behera"},
                    "service_labels": {"name": "…"}, "service_confirmed": None, "validation_failures": 0}
    assert responses(dispatcher) == ["utter_form_correct"]


async def test_a_change_with_its_value_heard_as_yes_at_the_summary_is_a_change(backend, dispatcher):
    """The model heard "चक्कर तीन कर दो" (make it three trips) as yes (0.61): it is not filed with two."""
    validate = ValidateServiceForm(client=backend)
    tracker = _said(await _at_summary(backend, "hi"), "service_confirmed", "चक्कर तीन कर दो", "affirm")
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_["service_answers"] == {**ANSWERED, "trips": "तीन", FEE_KEY: 3000}  # and the fee of three trips
    assert set_["service_labels"]["trips"] == "3" and set_["service_confirmed"] is None
    assert responses(dispatcher) == ["utter_form_corrected"]


@pytest.mark.parametrize(("text", "language", "field", "said", "label", "fee"), [
    ("make it three trips", "en", "trips", "three", "3", 3000),  # the value before the answer's name
    ("teen chakkar kar do", "hi", "trips", "teen", "3", 3000),
    # "place", not "ward", is the name
    ("change the place to ward 12 Bhubaneswar", "en", "place", "ward 12 Bhubaneswar", "ward 12, Bhubaneswar", 2000),
])
async def test_a_value_before_its_name_or_a_place_is_taken(backend, dispatcher, text, language, field, said, label, fee):
    """Seen in the play-test: these asked the question again instead of taking the value."""
    validate = ValidateServiceForm(client=backend)
    tracker = _said(await _at_summary(backend, language), "service_confirmed", text, "correct_answer")
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_["service_answers"] == {**ANSWERED, field: said, FEE_KEY: fee}, set_
    assert set_["service_labels"] == {**LABELS, field: label, **UNKNOWN}
    assert set_["service_confirmed"] is None and responses(dispatcher) == ["utter_form_corrected"]


async def test_back_at_the_first_question_is_not_an_answer(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    tracker = _said(await _asking(backend, "name"), "service_answer", "peeche jao", "inform")
    assert _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS)) == {"service_answer": None}
    assert responses(dispatcher) == ["utter_form_continue"]


async def test_i_dont_know_in_hindi_names_no_answer(backend, dispatcher):
    """"पता" is also the address: "मुझे नहीं पता" at the summary opened the address question again."""
    validate = ValidateServiceForm(client=backend)
    tracker = _said(await _at_summary(backend, "hi"), "service_confirmed", "मुझे नहीं पता", "deny")
    set_ = _set(await validate.get_validation_events(dispatcher, tracker, WITH_FORMS))
    assert set_ == {"service_confirmed": None, "validation_failures": 1}  # every answer kept; the summary's question again
    assert responses(dispatcher) == ["utter_invalid_desludging_confirmed"]


def test_the_summary_waits_while_which_answer_is_asked():
    """The summary is not said again over the numbered choice (its own numbers would replace it);
    a new message ends the wait."""
    asked = [{"event": "user", "text": "3"}, {"event": "bot", "metadata": {"utter_action": "utter_form_correct_which"}}]
    assert asked_which_answer(make_tracker({}, events=asked))
    answered = [*asked, {"event": "user", "text": "2"}, {"event": "bot", "metadata": {"utter_action": "utter_form_correct"}}]
    assert not asked_which_answer(make_tracker({}, events=answered))
    assert not asked_which_answer(make_tracker({}, events=[{"event": "user", "text": "hi"}, {"event": "bot", "text": "x"}]))


@pytest.mark.parametrize(("channel", "typed"), [("twilio_whatsapp", True), ("twilio_sms", True), ("twilio_voice", False)])
def test_a_recording_link_counts_only_from_a_call(channel, typed):
    text = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"
    tracker = make_tracker({}, text=text, events=[{"event": "user", "text": text, "input_channel": channel}])
    assert typed_recording(tracker, text) is typed
    assert not typed_recording(tracker, "Ravi Kumar")
