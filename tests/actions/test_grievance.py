"""Grievance actions with a dispatcher and tracker: events and response keys."""
from rasa_sdk.events import SlotSet
from sqlalchemy import func, select

from actions.grievance import (
    FILED_SLOTS,
    ActionAskGrievanceCategoryConfirmed,
    ActionSubmitGrievance,
    ValidateGrievanceForm,
)
from actions.retry import ActionRetryPending
from backend.db import get_session_factory
from backend.models import Case
from tests.actions.conftest import DOMAIN, make_tracker, responses

FILLED = {
    "grievance_category": "drainage",
    "grievance_description": "The drain near the school is overflowing",
    "grievance_ward": "BMC-W05",
}
OPENED = [{"event": "active_loop", "name": "grievance_form", "timestamp": 1763890000.0}]


async def test_category_by_number_word_and_nonsense(backend, dispatcher):
    validate = ValidateGrievanceForm(client=backend)
    tracker = make_tracker({"requested_slot": "grievance_category"})
    assert await validate.validate_grievance_category("3", dispatcher, tracker, DOMAIN) == {
        "grievance_category": "drainage", "grievance_subcategory": None, "grievance_category_confirmed": True,
        "validation_failures": 0}
    # Words are a guess: proposed, to be confirmed, and long enough to be the description too.
    guessed = await validate.validate_grievance_category("ek mara hua kutta pada hai gali mein", dispatcher, tracker, DOMAIN)
    assert guessed == {
        "grievance_category": "garbage", "grievance_subcategory": "dead_animal", "grievance_category_confirmed": None,
        "grievance_description": "ek mara hua kutta pada hai gali mein", "validation_failures": 0}
    short = await validate.validate_grievance_category("Kachra", dispatcher, tracker, DOMAIN)
    assert short["grievance_category"] == "garbage" and "grievance_description" not in short
    rejected = await validate.validate_grievance_category("purple elephant", dispatcher, tracker, DOMAIN)
    assert rejected == {"grievance_category": None, "validation_failures": 1}
    assert responses(dispatcher) == ["utter_invalid_grievance_category"]


async def test_third_failure_offers_a_way_out(backend, dispatcher):
    validate = ValidateGrievanceForm(client=backend)
    tracker = make_tracker({"validation_failures": 2})
    result = await validate.validate_grievance_ward("the moon", dispatcher, tracker, DOMAIN)
    assert result == {"grievance_ward": None, "validation_failures": 3}
    assert responses(dispatcher) == ["utter_invalid_grievance_ward", "utter_still_stuck"]


async def test_description_too_long_or_too_short(backend, dispatcher):
    validate = ValidateGrievanceForm(client=backend)
    tracker = make_tracker({})
    assert (await validate.validate_grievance_description("x" * 10_000, dispatcher, tracker, DOMAIN))[
        "grievance_description"] is None
    assert (await validate.validate_grievance_description("", dispatcher, tracker, DOMAIN))["grievance_description"] is None
    assert responses(dispatcher) == ["utter_grievance_description_too_long", "utter_invalid_grievance_description"]
    assert dispatcher.messages[0]["limit"] == 1000
    ok = await validate.validate_grievance_description("  Drain   blocked  ", dispatcher, tracker, DOMAIN)
    assert ok["grievance_description"] == "Drain blocked"


async def test_ward_by_locality_in_odia(backend, dispatcher):
    validate = ValidateGrievanceForm(client=backend)
    result = await validate.validate_grievance_ward("ନୟାପଲ୍ଲୀ", dispatcher, make_tracker({}), DOMAIN)
    assert result["grievance_ward"] == "BMC-W12"


async def test_submit_files_once_and_clears_the_form(backend, dispatcher, settings):
    submit = ActionSubmitGrievance(client=backend)
    tracker = make_tracker(FILLED, events=OPENED)
    events = await submit.run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_grievance_filed"]
    assert dispatcher.messages[0]["reference"] == "GRV-2026-000001"
    assert dispatcher.messages[0]["category_key"] == "grievance_category.drainage"
    assert events == [SlotSet("grievance_pending", False)] + [SlotSet(s, None) for s in FILED_SLOTS]

    # The same filing retried (say Rasa re-ran the action) does not make a second case.
    await submit.run(dispatcher, tracker, DOMAIN)
    assert dispatcher.messages[1]["reference"] == "GRV-2026-000001"
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case))
        assert session.scalar(select(func.count(Case.id))) == 1
        assert case.citizen_phone == "+919812345678"
        assert case.details["ward"] == "BMC-W05"


async def test_backend_down_keeps_every_answer(backend_down, dispatcher):
    submit = ActionSubmitGrievance(client=backend_down)
    events = await submit.run(dispatcher, make_tracker(FILLED, events=OPENED), DOMAIN)
    assert responses(dispatcher) == ["utter_grievance_kept_for_retry"]
    assert events == [SlotSet("grievance_pending", True)]  # no slot is cleared


async def test_validation_with_backend_down_says_so(backend_down, dispatcher):
    validate = ValidateGrievanceForm(client=backend_down)
    result = await validate.validate_grievance_category("garbage", dispatcher, make_tracker({}), DOMAIN)
    assert result == {"grievance_category": None}
    assert responses(dispatcher) == ["utter_service_unavailable"]


async def test_yes_with_nothing_pending_shows_help(backend, dispatcher):
    events = await ActionRetryPending(client=backend).run(dispatcher, make_tracker(FILLED, events=OPENED), DOMAIN)
    assert (events, responses(dispatcher)) == ([], ["utter_help"])


async def test_yes_with_a_kept_grievance_files_it(backend, dispatcher):
    tracker = make_tracker({**FILLED, "grievance_pending": True}, events=OPENED)
    events = await ActionRetryPending(client=backend).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_grievance_filed"]
    assert SlotSet("grievance_pending", False) in events


def _with_metadata(tracker, **metadata):
    tracker.latest_message["metadata"] = metadata
    return tracker


async def test_a_location_pin_answers_the_ward_question(backend, dispatcher):
    validate = ValidateGrievanceForm(backend)
    pin = _with_metadata(make_tracker({}, active_loop="grievance_form"), location={"latitude": 20.2961, "longitude": 85.8450})
    assert await validate.validate_grievance_ward("", dispatcher, pin, DOMAIN) == {"grievance_ward": "BMC-W29", "validation_failures": 0}
    far = _with_metadata(make_tracker({}, active_loop="grievance_form"), location={"latitude": 19.07, "longitude": 72.88})
    result = await validate.validate_grievance_ward("", dispatcher, far, DOMAIN)
    assert result["grievance_ward"] is None and dispatcher.messages[-1]["response"] == "utter_pin_outside_wards"


async def test_a_photo_is_kept_and_the_words_still_asked_for(backend, dispatcher):
    validate = ValidateGrievanceForm(backend)
    photo = {"media": [{"url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "content_type": "image/jpeg"}]}
    silent = _with_metadata(make_tracker({}, active_loop="grievance_form"), **photo)
    assert await validate.validate_grievance_description("", dispatcher, silent, DOMAIN) == {
        "grievance_description": None, "grievance_photo": photo["media"][0]["url"]}
    assert dispatcher.messages[-1]["response"] == "utter_photo_kept_describe"
    captioned = _with_metadata(make_tracker({}, text="Overflowing drain", active_loop="grievance_form"), **photo)
    result = await validate.validate_grievance_description("Overflowing drain", dispatcher, captioned, DOMAIN)
    assert result == {"grievance_description": "Overflowing drain", "validation_failures": 0, "grievance_photo": photo["media"][0]["url"]}


async def test_the_guess_is_confirmed_or_refused(backend, dispatcher):
    validate = ValidateGrievanceForm(client=backend)

    def answering(intent):
        tracker = make_tracker({"grievance_category": "garbage", "grievance_subcategory": "dead_animal"}, active_loop="grievance_form")
        tracker.latest_message["intent"] = {"name": intent}
        return tracker

    assert await validate.validate_grievance_category_confirmed("haan", dispatcher, answering("affirm"), DOMAIN) == {
        "grievance_category_confirmed": True, "validation_failures": 0}
    assert await validate.validate_grievance_category_confirmed("no", dispatcher, answering("deny"), DOMAIN) == {
        "grievance_category": None, "grievance_subcategory": None, "grievance_category_confirmed": None}
    unclear = await validate.validate_grievance_category_confirmed("maybe later", dispatcher, answering("inform"), DOMAIN)
    assert unclear["grievance_category_confirmed"] is None and responses(dispatcher) == ["utter_confirm_yes_or_no"]


async def test_the_confirmation_question_names_the_guess(dispatcher):
    tracker = make_tracker({"grievance_category": "garbage", "grievance_subcategory": "dead_animal"})
    await ActionAskGrievanceCategoryConfirmed().run(dispatcher, tracker, DOMAIN)
    assert dispatcher.messages[0]["response"] == "utter_confirm_grievance_category"
    assert dispatcher.messages[0]["problem_key"] == "grievance_subcategory.garbage.dead_animal"


async def test_an_opening_message_that_says_what_is_wrong_goes_straight_to_the_guess(backend, dispatcher):
    """The issue's Odia first message names the problem: its guess is offered at once (and the words
    are the description); a bare "I want to complain" leads to the list, with no "not understood"."""
    from tests.actions.test_interruptions import WITH_FORMS

    validate = ValidateGrievanceForm(client=backend)
    said = "ମୋ ଗଳିରେ ତିନି ଦିନ ହେବ ଅଳିଆ ଉଠାଯାଇନାହିଁ"
    tracker = make_tracker({}, text=said, active_loop="grievance_form")
    tracker.latest_message["intent"] = {"name": "file_grievance", "confidence": 0.95}
    set_ = {e["name"]: e["value"] for e in await validate.run(dispatcher, tracker, WITH_FORMS)}
    assert (set_["grievance_category"], set_["grievance_subcategory"], set_["grievance_category_confirmed"]) == (
        "garbage", "not_collected", None)
    assert set_["grievance_description"] == said and responses(dispatcher) == []

    tracker = make_tracker({}, text="I want to file a complaint", active_loop="grievance_form")
    tracker.latest_message["intent"] = {"name": "file_grievance", "confidence": 0.98}
    set_ = {e["name"]: e["value"] for e in await validate.run(dispatcher, tracker, WITH_FORMS)}
    assert not set_.get("grievance_category") and responses(dispatcher) == []

    # a long first message (people write them) is guessed from its beginning, and all of it is the description
    long = "The garbage in our lane has not been collected for ten days and " + "the smell is terrible, " * 12
    tracker = make_tracker({}, text=long.strip(), active_loop="grievance_form")
    tracker.latest_message["intent"] = {"name": "file_grievance", "confidence": 0.97}
    set_ = {e["name"]: e["value"] for e in await validate.run(dispatcher, tracker, WITH_FORMS)}
    assert len(long) > 250 and set_["grievance_category"] == "garbage" and set_["grievance_description"] == " ".join(long.split())
