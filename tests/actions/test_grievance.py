"""A complaint on every service's form (catalog/grievance.yml, actions/service_form.py) with a
dispatcher and tracker against the real backend and database: its questions (the problem, chosen
or guessed from words and confirmed; the description, with a photo; the ward), filing at once with
no summary, a backend that is down, and the words that open the form."""
from pathlib import Path

from rasa_sdk.events import SlotSet
from sqlalchemy import func, select

from actions.service_form import (
    CLEARED,
    KEPT_FOR_RETRY,
    ActionAskServiceAnswer,
    ActionAskServiceGuess,
    ActionSubmitService,
    ValidateServiceForm,
)
from actions.backend_client import BackendClient
from actions.retry import ActionRetryPending
from backend.db import get_session_factory
from backend.models import Case
from locales import render
from tests.actions.conftest import COMPLAINT, DOMAIN, applied, asking, complaint, make_tracker, opening, responses
from tests.actions.test_interruptions import WITH_FORMS
from tests.backend.test_media import JPEG, media_host, settings  # noqa: F401 (the media host, photos under the test's folder)

FORM = WITH_FORMS["forms"]["service_form"]["required_slots"]
OPENED = [{"event": "active_loop", "name": "service_form", "timestamp": 1763890000.0}]
DEAD_DOG = "ek mara hua kutta pada hai gali mein"


def _set(events: list) -> dict:
    return {e["name"]: e["value"] for e in events}


async def test_category_by_number_word_and_nonsense(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    tracker = make_tracker({**await complaint(backend, asking("problem")), "requested_slot": "service_answer"})
    chosen = await validate.validate_service_answer("3", dispatcher, tracker, DOMAIN)
    assert chosen == {"service_answer": None, "validation_failures": 0,
                      "service_answers": {"_service": "grievance", "problem": "3"},
                      "service_labels": {"problem": "drainage", "_language": "en"}}  # chosen: no guess to confirm
    # Words are a guess: proposed, to be confirmed, and long enough to be the description too.
    guessed = await validate.validate_service_answer(DEAD_DOG, dispatcher, tracker, DOMAIN)
    assert guessed["service_answers"] == {
        "_service": "grievance", "problem": DEAD_DOG, "_guessed": "problem",
        "_guess_key": "grievance_subcategory.garbage.dead_animal", "description": DEAD_DOG}
    assert guessed["service_labels"]["problem"] == "garbage" and guessed["validation_failures"] == 0
    # a category's own word alone is the citizen's choice
    short = await validate.validate_service_answer("Kachra", dispatcher, tracker, DOMAIN)
    assert short["service_answers"] == {"_service": "grievance", "problem": "Kachra"}
    assert short["service_labels"]["problem"] == "garbage"
    rejected = await validate.validate_service_answer("purple elephant", dispatcher, tracker, DOMAIN)
    assert rejected == {"service_answer": None, "validation_failures": 1}
    assert responses(dispatcher) == ["utter_invalid_grievance_category"]
    # the guess is asked about before the next question, the number is not
    assert await validate.required_slots(FORM, dispatcher, make_tracker({**tracker.slots, **guessed}), WITH_FORMS) == [
        "service_code", "service_guess", "service_answer"]
    assert await validate.required_slots(FORM, dispatcher, make_tracker({**tracker.slots, **chosen}), WITH_FORMS) == [
        "service_code", "service_answer"]


async def test_the_last_answer_is_checked_by_the_filing_and_a_third_failure_offers_a_way_out(backend, dispatcher, settings):
    """The ward, asked last with no summary to follow, costs no call of its own: the filing checks it
    (one call in that turn). Refused there, it is said in the ward question's own words and asked
    again, the other answers kept; a third failure also says how to get out."""
    from rasa_sdk.events import FollowupAction

    validate = ValidateServiceForm(client=backend)
    slots = await complaint(backend, asking("ward"), validation_failures=2)
    tracker = make_tracker(slots, active_loop="service_form")
    kept = await validate.validate_service_answer("the moon", dispatcher, tracker, DOMAIN)
    assert kept == {"service_answer": None,
                    "service_answers": {**asking("ward"), "ward": "the moon", "_unchecked": "ward"}}
    assert responses(dispatcher) == []
    # a backend that is down would show it: no call was made
    down = ValidateServiceForm(client=BackendClient(base_url="http://127.0.0.1:9", timeout=1.0))
    offline = await down.validate_service_answer("the moon", dispatcher, make_tracker(slots), DOMAIN)
    assert offline == kept and responses(dispatcher) == []
    events = await ActionSubmitService(client=backend).run(dispatcher, make_tracker({**slots, **kept}, events=OPENED), DOMAIN)
    assert responses(dispatcher) == ["utter_invalid_grievance_ward", "utter_still_stuck"]
    assert SlotSet("validation_failures", 3) in events and FollowupAction("service_form") in events
    assert SlotSet("service_answers", asking("ward")) in events  # asked again, the rest kept
    with get_session_factory(settings.database_url)() as session:
        assert session.scalars(select(Case)).all() == []


async def test_description_too_long_or_too_short(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    tracker = make_tracker(await complaint(backend, asking("description")))
    assert (await validate.validate_service_answer("x" * 10_000, dispatcher, tracker, DOMAIN)) == {
        "service_answer": None, "validation_failures": 1}
    assert (await validate.validate_service_answer("", dispatcher, tracker, DOMAIN)) == {
        "service_answer": None, "validation_failures": 1}
    assert responses(dispatcher) == ["utter_grievance_description_too_long", "utter_invalid_grievance_description"]
    assert dispatcher.messages[0]["limit"] == 1000
    ok = await validate.validate_service_answer("  Drain   blocked  ", dispatcher, tracker, DOMAIN)
    assert ok["service_labels"]["description"] == "Drain blocked" and ok["validation_failures"] == 0
    assert ok["service_answers"] == {**asking("description"), "description": "Drain   blocked"}  # read again at filing


async def test_ward_by_locality_in_odia(backend, dispatcher, settings):
    validate = ValidateServiceForm(client=backend)
    tracker = make_tracker(await complaint(backend, asking("ward")))
    result = await validate.validate_service_answer("ନୟାପଲ୍ଲୀ", dispatcher, tracker, DOMAIN)
    assert result["service_answers"]["ward"] == "ନୟାପଲ୍ଲୀ"
    # the last answer: nothing more to ask, no summary, the complaint is filed, in the ward the locality is in
    answered = make_tracker({**tracker.slots, **result}, events=OPENED)
    assert await validate.required_slots(FORM, dispatcher, answered, WITH_FORMS) == ["service_code"]
    events = await ActionSubmitService(client=backend).run(dispatcher, answered, DOMAIN)
    assert responses(dispatcher) == ["utter_grievance_filed"] and SlotSet("validation_failures", 0) in events
    with get_session_factory(settings.database_url)() as session:
        assert session.scalar(select(Case)).details["ward"] == "BMC-W12"


async def test_submit_files_once_and_clears_the_form(backend, dispatcher, settings):
    submit = ActionSubmitService(client=backend)
    tracker = make_tracker(await complaint(backend), events=OPENED)
    events = await submit.run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_grievance_filed"]
    assert dispatcher.messages[0]["reference"] == "GRV-2026-000001"
    assert dispatcher.messages[0]["answer_problem"] == "drainage"
    assert events == [SlotSet("service_pending", None), *[SlotSet(s, None) for s in CLEARED], SlotSet("validation_failures", 0)]

    # The same filing retried (say Rasa re-ran the action) does not make a second case.
    await submit.run(dispatcher, tracker, DOMAIN)
    assert dispatcher.messages[1]["reference"] == "GRV-2026-000001"
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case))
        assert session.scalar(select(func.count(Case.id))) == 1
        assert case.citizen_phone == "+919812345678"
        assert (case.details["category"], case.details["ward"]) == ("drainage", "BMC-W05")
        assert case.details["description"] == COMPLAINT["description"]


async def test_the_filed_reply_is_said_with_its_reference(backend, dispatcher):
    """Every variable of the action's message is rendered (its *_key ones too), as bot/locale_nlg.py
    does: one with no words in a language would turn the reply into utter_default, without the number."""
    await ActionSubmitService(client=backend).run(dispatcher, make_tracker(await complaint(backend), events=OPENED), DOMAIN)
    [message] = dispatcher.messages
    variables = {k: v for k, v in message.items() if k != "response"}
    said = render(message["response"], "en", "twilio_whatsapp", **variables)
    assert said["text"].startswith("Your complaint about drainage is registered. Your reference number is GRV-2026-000001.")
    for language in ("hi", "or"):
        assert "GRV-2026-000001" in render(message["response"], language, "twilio_whatsapp", **variables)["text"]


async def test_backend_down_keeps_every_answer_apart_from_the_form(backend, backend_down, dispatcher, settings):
    """A complaint the backend could not take is kept whole, with the key that files it once; the
    form is free for another service meanwhile, which neither loses nor files it; "yes" files it."""
    slots = await complaint(backend)
    events = await ActionSubmitService(client=backend_down).run(dispatcher, make_tracker(slots, events=OPENED), DOMAIN)
    assert responses(dispatcher) == ["utter_grievance_kept_for_retry"]
    kept = applied(slots, events)
    [filing] = kept["service_pending"]
    assert filing["slots"]["service_code"] == "grievance" and filing["slots"]["service_answers"] == COMPLAINT
    assert all(kept[s] is None for s in CLEARED)
    # a birth certificate asked for and filed meanwhile: its own case; the complaint still waits
    birth = {"service_code": "birth", "service_confirmed": True, "service_documents": {},
             "service_answers": {"_service": "birth", "child_name": "Anita Behera", "date_of_birth": "14/08/2026",
                                 "place": "ward 12", "mother_name": "Sabitri Behera", "father_name": "Raghunath Behera"}}
    filed = applied(kept, await ActionSubmitService(client=backend).run(dispatcher, make_tracker({**kept, **birth}), DOMAIN))
    assert responses(dispatcher)[-1] == "utter_certificate_filed", dispatcher.messages[-1]
    assert filed["service_pending"] == [filing]
    # "yes": the complaint as it was given, filed once even when tried again (the same key)
    for _ in range(2):
        events = await ActionRetryPending(client=backend).run(dispatcher, make_tracker(filed), DOMAIN)
        assert responses(dispatcher)[-1] == "utter_grievance_filed" and applied(filed, events)["service_pending"] is None
    with get_session_factory(settings.database_url)() as session:
        assert sorted(c.reference[:3] for c in session.scalars(select(Case))) == ["CRT", "GRV"]


async def test_validation_with_backend_down_says_so(backend, backend_down, dispatcher):
    validate = ValidateServiceForm(client=backend_down)
    tracker = make_tracker(await complaint(backend, asking("problem")))
    result = await validate.validate_service_answer("garbage", dispatcher, tracker, DOMAIN)
    assert result == {"service_answer": None}
    # and as the form opens on the complaint's words: the service cannot be chosen yet
    opened = await validate.validate_service_code("grievance", dispatcher, opening("kachra nahi uthaya"), DOMAIN)
    assert opened == {"service_code": None}
    assert responses(dispatcher) == ["utter_service_unavailable", "utter_service_unavailable"]


async def test_yes_with_nothing_pending_shows_help(backend, dispatcher):
    tracker = make_tracker(await complaint(backend), events=OPENED)
    events = await ActionRetryPending(client=backend).run(dispatcher, tracker, DOMAIN)
    assert (events, responses(dispatcher)) == ([], ["utter_help"])


async def test_yes_files_what_was_kept_and_an_answer_refused_then_brings_its_form_back(backend, backend_down, dispatcher, settings):
    """Two filings kept: the first is filed; the second's ward, checked only now, is refused, so its
    form comes back with its other answers and asks the ward again."""
    from rasa_sdk.events import FollowupAction

    kept = {k: v for k, v in (await complaint(backend)).items() if k in KEPT_FOR_RETRY}
    first = {"key": "k1", "slots": kept}
    second = {"key": "k2", "slots": {**kept, "service_answers": {**COMPLAINT, "ward": "the moon", "_unchecked": "ward"}}}
    tracker = make_tracker({"service_pending": [first, second]})
    events = await ActionRetryPending(client=backend).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_grievance_filed", "utter_invalid_grievance_ward"]
    after = applied(tracker.slots, events)
    assert after["service_pending"] is None and FollowupAction("service_form") in events
    assert after["service_code"] == "grievance" and after["service_answers"] == asking("ward")
    with get_session_factory(settings.database_url)() as session:
        assert len(session.scalars(select(Case)).all()) == 1
    # with the backend still away, "yes" says so once and keeps every filing
    events = await ActionRetryPending(client=backend_down).run(dispatcher, make_tracker({"service_pending": [first, second]}), DOMAIN)
    assert responses(dispatcher)[2:] == ["utter_grievance_kept_for_retry"]
    assert [k["key"] for k in applied({}, events)["service_pending"]] == ["k1", "k2"]


def _with_metadata(tracker, **metadata):
    tracker.latest_message["metadata"] = metadata
    return tracker


async def test_a_location_pin_answers_the_ward_question(backend, dispatcher, settings):
    validate = ValidateServiceForm(backend)
    slots = await complaint(backend, asking("ward"))
    pin = _with_metadata(make_tracker(slots, active_loop="service_form"), location={"latitude": 20.2961, "longitude": 85.8450})
    result = await validate.validate_service_answer("", dispatcher, pin, DOMAIN)
    assert result["service_answers"]["ward"] == "geo:20.296100,85.845000"
    # a pin outside every ward: refused by the filing, which checks the last answer
    far = _with_metadata(make_tracker(slots, active_loop="service_form"), location={"latitude": 19.07, "longitude": 72.88})
    outside = await validate.validate_service_answer("", dispatcher, far, DOMAIN)
    await ActionSubmitService(client=backend).run(dispatcher, make_tracker({**slots, **outside}, events=OPENED), DOMAIN)
    assert responses(dispatcher) == ["utter_pin_outside_wards"]
    # the pin is filed as the ward it falls in
    pinned = {**slots, "service_answers": result["service_answers"]}
    await ActionSubmitService(client=backend).run(dispatcher, make_tracker(pinned, events=OPENED), DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_grievance_filed"
    with get_session_factory(settings.database_url)() as session:
        assert session.scalar(select(Case)).details["ward"] == "BMC-W29"


async def test_a_photo_is_kept_and_the_words_still_asked_for(backend, dispatcher, settings, media_host):
    validate = ValidateServiceForm(backend)
    url = f"{media_host}/photo.jpg"
    photo = {"media": [{"url": url, "content_type": "image/jpeg"}]}
    slots = await complaint(backend, asking("description"))
    silent = _with_metadata(make_tracker(slots, active_loop="service_form"), **photo)
    assert await validate.validate_service_answer("", dispatcher, silent, DOMAIN) == {
        "service_answer": None, "service_documents": {"description": url}}
    assert dispatcher.messages[-1]["response"] == "utter_photo_kept_describe"
    captioned = _with_metadata(make_tracker(slots, text="Overflowing drain", active_loop="service_form"), **photo)
    result = await validate.validate_service_answer("Overflowing drain", dispatcher, captioned, DOMAIN)
    assert result == {"service_answer": None, "validation_failures": 0,
                      "service_answers": {**asking("description"), "description": "Overflowing drain"},
                      "service_labels": {**slots["service_labels"], "description": "Overflowing drain"},
                      "service_documents": {"description": url}}
    # a photo with too long a caption: told the limit (a try), the photo kept
    long = "The drain is blocked. " * 50
    pasted = _with_metadata(make_tracker(slots, text=long, active_loop="service_form"), **photo)
    refused = await validate.validate_service_answer(long, dispatcher, pasted, DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_grievance_description_too_long"
    assert dispatcher.messages[-1]["limit"] == 1000
    assert refused["service_documents"] == {"description": url} and refused["validation_failures"] == 1
    # words given after the photo keep it
    kept = make_tracker({**slots, "service_documents": {"description": url}}, text="Overflowing drain")
    later = await validate.validate_service_answer("Overflowing drain", dispatcher, kept, DOMAIN)
    assert later["service_answers"]["description"] == "Overflowing drain"
    assert "service_documents" not in later  # the photo kept stays
    # filed with the complaint, whose photo is then fetched and attached
    filed = {**slots, **result, "service_answers": {**result["service_answers"], "ward": "ward 5"}}
    await ActionSubmitService(client=backend).run(dispatcher, make_tracker(filed, events=OPENED), DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_grievance_filed"
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case))
        assert "photo_error" not in case.details, case.details
        assert (Path(settings.media_dir) / case.details["photo"]).read_bytes() == JPEG


async def test_the_guess_is_confirmed_or_refused(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    guessed = {"_service": "grievance", "problem": DEAD_DOG, "_guessed": "problem",
               "_guess_key": "grievance_subcategory.garbage.dead_animal", "description": DEAD_DOG}
    slots = await complaint(backend, guessed)

    def answering(intent):
        tracker = make_tracker({**slots, "requested_slot": "service_guess"}, active_loop="service_form")
        tracker.latest_message["intent"] = {"name": intent}
        return tracker

    kept = {"_service": "grievance", "problem": DEAD_DOG, "description": DEAD_DOG}
    assert await validate.validate_service_guess("haan", dispatcher, answering("affirm"), DOMAIN) == {
        "service_guess": None, "service_answers": kept, "validation_failures": 0}
    # wrong guess: back to the list (the words stay as the description)
    refused = await validate.validate_service_guess("no", dispatcher, answering("deny"), DOMAIN)
    assert refused == {"service_guess": None, "service_answers": {"_service": "grievance", "description": DEAD_DOG},
                       "service_labels": {"description": DEAD_DOG, "_language": "en"}, "service_answer": None,
                       "validation_failures": 0}
    after = make_tracker({**slots, **refused})
    assert await validate.required_slots(FORM, dispatcher, after, WITH_FORMS) == ["service_code", "service_answer"]
    await ActionAskServiceAnswer(client=backend).run(dispatcher, after, DOMAIN)
    assert responses(dispatcher) == ["utter_ask_grievance_category"]
    unclear = await validate.validate_service_guess("maybe later", dispatcher, answering("inform"), DOMAIN)
    assert unclear == {"service_guess": None, "validation_failures": 1}
    assert responses(dispatcher)[-1] == "utter_confirm_yes_or_no"


async def test_the_confirmation_question_names_the_guess(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    slots = await complaint(backend, asking("problem"))
    guessed = await validate.validate_service_answer(DEAD_DOG, dispatcher, make_tracker(slots), DOMAIN)
    await ActionAskServiceGuess().run(dispatcher, make_tracker({**slots, **guessed}), DOMAIN)
    assert dispatcher.messages[0]["response"] == "utter_confirm_grievance_category"
    assert dispatcher.messages[0]["answer_key"] == "grievance_subcategory.garbage.dead_animal"
    said = render(dispatcher.messages[0]["response"], "en", answer_key=dispatcher.messages[0]["answer_key"])
    assert said["text"] == "It sounds like a dead animal. Is that right?"


async def test_an_opening_message_that_says_what_is_wrong_goes_straight_to_the_guess(backend, dispatcher):
    """The issue's Odia first message names the problem: its guess is offered at once (and the words
    are the description); a bare "I want to complain" leads to the list, with no "not understood"."""
    validate = ValidateServiceForm(client=backend)
    said = "ମୋ ଗଳିରେ ତିନି ଦିନ ହେବ ଅଳିଆ ଉଠାଯାଇନାହିଁ"
    set_ = _set(await validate.run(dispatcher, opening(said), WITH_FORMS))
    assert (set_["service_code"], set_["doorstep_agent"], set_["requested_slot"]) == ("grievance", "", "service_guess")
    assert set_["service_answers"] == {"_service": "grievance", "problem": said, "_guessed": "problem",
                                           "_guess_key": "grievance_subcategory.garbage.not_collected", "description": said}
    assert responses(dispatcher) == []

    set_ = _set(await validate.run(dispatcher, opening("I want to file a complaint"), WITH_FORMS))
    assert set_["service_answers"] == {"_service": "grievance"} and set_["requested_slot"] == "service_answer"
    assert responses(dispatcher) == []
    # a button's intent says nothing about the problem
    set_ = _set(await validate.run(dispatcher, opening("/file_grievance"), WITH_FORMS))
    assert set_["service_answers"] == {"_service": "grievance"} and responses(dispatcher) == []

    # a long first message (people write them) is guessed from its beginning, and all of it is the description
    long = "The garbage in our lane has not been collected for ten days and " + "the smell is terrible, " * 12
    set_ = _set(await validate.run(dispatcher, opening(long.strip()), WITH_FORMS))
    answers = set_["service_answers"]
    assert len(long) > 250 and answers["_guessed"] == "problem" and answers["_guess_key"] == "grievance_category.garbage"
    assert answers["description"] == " ".join(long.split()) and set_["requested_slot"] == "service_guess"


async def test_an_answer_refused_at_filing_is_asked_again(backend, dispatcher, settings):
    """With no summary to show again, the answer the filing refused is named, forgotten and asked
    again; the others are kept and nothing is filed."""
    from rasa_sdk.events import FollowupAction

    slots = await complaint(backend, {**COMPLAINT, "ward": "the moon"}, labels={"problem": "drainage", "ward": "the moon"})
    events = await ActionSubmitService(client=backend).run(dispatcher, make_tracker(slots, events=OPENED), DOMAIN)
    assert responses(dispatcher) == ["utter_form_answer_refused"] and dispatcher.messages[0]["field"] == "Ward"
    assert FollowupAction("service_form") in events and SlotSet("service_pending", None) in events
    assert SlotSet("service_answers", {k: v for k, v in COMPLAINT.items() if k != "ward"}) in events
    assert SlotSet("service_labels", {"problem": "drainage"}) in events
    with get_session_factory(settings.database_url)() as session:
        assert session.scalars(select(Case)).all() == []


async def test_a_service_named_inside_a_complaint_never_changes_it(backend, dispatcher):
    """ "koi nahi aaya" (nobody came) read as आय (income) mid-form: the complaint stays a complaint,
    its answers kept; only at the menu, or as the form opens, is a service chosen."""
    validate = ValidateServiceForm(client=backend)
    slots = await complaint(backend, asking("problem"), requested_slot="service_answer")
    tracker = make_tracker({**slots, "service_code": "income"}, text="kachra uthane koi nahi aaya",
                           events=[{"event": "slot", "name": "service_code", "value": "income"}])
    assert await validate.validate_service_code("income", dispatcher, tracker, DOMAIN) == {"service_code": "grievance"}
    assert responses(dispatcher) == []


async def test_a_photo_sent_with_the_opening_complaint_is_kept_with_its_description(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    tracker = _with_metadata(opening("garbage dumped on the road near the school"),
                             media=[{"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg"}])
    set_ = _set(await validate.run(dispatcher, tracker, WITH_FORMS))
    assert set_["service_documents"] == {"description": "https://api.twilio.com/media/ME1"}
    assert set_["service_answers"]["description"] == "garbage dumped on the road near the school"


async def test_the_problem_said_again_at_the_guess_is_its_answer(backend, dispatcher):
    """A wrong guess answered with the right problem ("नाली जाम है", the drain is blocked), not yes
    or no: read again as the problem (a number chooses it; words are a new guess, asked again)."""
    validate = ValidateServiceForm(client=backend)
    guessed = {"_service": "grievance", "problem": "नाली का पानी सड़क पर बह रहा है", "_guessed": "problem",
               "_guess_key": "grievance_category.water_supply"}
    slots = await complaint(backend, guessed, requested_slot="service_guess")
    tracker = make_tracker(slots, text="3", active_loop="service_form")
    tracker.latest_message["intent"] = {"name": "inform", "confidence": 0.9}
    chosen = await validate.validate_service_guess("3", dispatcher, tracker, DOMAIN)
    assert chosen["service_guess"] is None and chosen["service_answers"]["problem"] == "3"
    assert "_guessed" not in chosen["service_answers"] and chosen["service_labels"]["problem"] == "drainage"
    tracker = make_tracker(slots, text="नाली जाम है", active_loop="service_form")
    tracker.latest_message["intent"] = {"name": "inform", "confidence": 0.9}
    again = await validate.validate_service_guess("नाली जाम है", dispatcher, tracker, DOMAIN)
    assert again["service_answers"]["_guess_key"] == "grievance_subcategory.drainage.blocked" and responses(dispatcher) == []
    tracker = make_tracker(slots, text="qwerty", active_loop="service_form")
    tracker.latest_message["intent"] = {"name": "inform", "confidence": 0.9}
    assert (await validate.validate_service_guess("qwerty", dispatcher, tracker, DOMAIN))["service_guess"] is None
    assert responses(dispatcher) == ["utter_confirm_yes_or_no"]
