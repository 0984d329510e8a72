"""Voice without traps, through the running bot and Twilio's voice webhook, per language: a key
that is not one of the choices, silence, words the bot does not understand and "help" each get
their own short answer and then the question asked before, with the same keys working. The words
expected are read from locales/, so a reworded prompt does not break the table."""

import re

import pytest

from common.channels import TWILIO_VOICE
from common.recordings import recording_url
from locales import render
from locales.voice_audio import voice_template
from tests.e2e.conftest import case_in_database
from tests.e2e.test_certificate import _office

LANGUAGE_KEY = {"en": "1", "hi": "2", "or": "3"}
NOT_UNDERSTOOD = {"en": "purple elephant banana", "hi": "बैंगनी हाथी केला"}  # Odia calls are keypad only
HELP = {"en": "help", "hi": "मदद"}


def _words(key: str, language: str) -> str:
    """The longest fixed run of the key's voice text, as a call speaks it."""
    template = voice_template(key, language) or render(key, language, TWILIO_VOICE)["text"]
    return max(re.split(r"\{[^}]*\}", template), key=len).strip()[:60]


def _said(turn, *keys: str, language: str) -> None:  # noqa: ANN001
    spoken = " ".join(turn.spoken)
    for key in keys:
        assert _words(key, language) in spoken, (key, spoken)


@pytest.mark.parametrize("language", list(LANGUAGE_KEY))
def test_a_caller_always_hears_the_question_again(stack, twilio, language):
    caller = twilio.voice(f"+91943760{list(LANGUAGE_KEY).index(language) + 10:04d}")
    caller.dial()
    _said(caller.press(LANGUAGE_KEY[language]), "utter_greet", language=language)

    wrong_key = caller.press("8")  # not on the menu: the menu again, not "you can say..." for ever
    _said(wrong_key, "utter_voice_invalid_choice", "utter_greet", language=language)
    silent = caller.silence()
    _said(silent, "utter_voice_no_input", "utter_greet", language=language)
    assert not silent.hangup
    if language in NOT_UNDERSTOOD:
        _said(caller.speak(NOT_UNDERSTOOD[language]), "utter_not_understood", "utter_greet", language=language)
        _said(caller.speak(HELP[language]), "utter_help", language=language)  # help is a menu of its own, same keys

    _said(caller.press("1"), "utter_ask_grievance_category", language=language)  # the keys still work
    _said(caller.silence(), "utter_voice_no_input", "utter_ask_grievance_category", language=language)
    # a question with no keypad menu of its own: the form says what it takes, and asks again
    _said(caller.press("9"), "utter_invalid_grievance_category", "utter_ask_grievance_category", language=language)
    asked = caller.press("1")  # garbage: then the description, recorded in Odia
    _said(asked, "utter_ask_grievance_description", language=language)
    if language == "or":
        assert asked.record_action
        again = caller.silence()  # an empty recording: asked again, to record again
        _said(again, "utter_voice_no_input", "utter_ask_grievance_description", language=language)
        assert again.record_action


def _filed(turn) -> str:  # noqa: ANN001
    found = re.search(r"([A-Z]) ([A-Z]) ([A-Z]), (\d) (\d) (\d) (\d), ((?:\d ?){6})", " ".join(turn.spoken))
    assert found, turn.spoken
    return f"{''.join(found.group(1, 2, 3))}-{''.join(found.group(4, 5, 6, 7))}-{found.group(8).replace(' ', '')}"


def test_an_odia_caller_books_a_septic_tank_by_keypad_and_recordings(stack, twilio):
    """Twilio cannot hear Odia: the name and the landmark are recorded (after the beep, then hash),
    the day is keyed as day and month; the booking is filed with the recordings for the operator."""
    caller = twilio.voice("+919437600101")
    caller.dial()
    caller.press("3")  # Odia
    asked = caller.press("3")  # septic tank emptying
    _said(asked, "utter_ask_desludging_name", "utter_voice_say_after_beep", language="or")
    assert asked.record_action and not asked.gather_action
    _said(caller.record(), "utter_ask_desludging_property_type", language="or")
    for key in ("1", "1", "2000", "2"):
        caller.press(key)
    landmark = caller.press("12")  # ward 12
    _said(landmark, "utter_ask_desludging_landmark", "utter_voice_say_after_beep", language="or")
    assert landmark.record_action
    gone = caller.hang_up_while_recording()  # Twilio's "Digits=hangup": nothing is taken as the landmark
    assert not gone.spoken and not gone.record_action
    caller = twilio.voice("+919437600101")  # calls again: straight back to the question, once, in Odia
    caller.dial()
    back = caller.press("3")
    spoken = " ".join(back.spoken)
    assert spoken.count(_words("utter_ask_desludging_landmark", "or")) == 1 and back.record_action, spoken
    caller.record()
    caller.press("751007")
    _said(caller.press("2"), "utter_ask_desludging_date", language="or")  # not a slum household
    _said(caller.press("3102"), "utter_invalid_desludging_date", language="or")  # no 31 February
    _said(caller.press("1012"), "utter_ask_desludging_payment", language="or")  # the 10th of December
    caller.press("2")
    reference = _filed(caller.press("1"))
    case = case_in_database(stack, reference)
    assert recording_url(case.details["applicant_name"]) and recording_url(case.details["landmark"])
    assert case.details["preferred_date"].endswith("-12-10")


def test_an_odia_caller_applies_for_a_birth_certificate_and_the_summary_says_voice_message(stack, twilio):
    caller = twilio.voice("+919437600102")
    caller.dial()
    caller.press("3")
    caller.press("4")  # certificates and licences
    asked = caller.press("4")  # birth
    _said(asked, "cert_ask.child_name", "utter_voice_say_after_beep", language="or")
    _said(caller.record(), "cert_ask.date_of_birth", language="or")
    _said(caller.press("15082025"), "cert_ask.place_of_birth", language="or")
    caller.press("12")
    caller.record()  # the mother's name
    summary = caller.record()  # the father's name
    spoken = " ".join(summary.spoken)
    assert "voice message" in spoken and "15-08-2025" in spoken and "https" not in spoken, spoken  # read in Latin letters
    which = caller.press("3")  # change an answer, by keys: each answer said with its key
    _said(which, "utter_form_correct_which_keys", language="or")
    assert " ".join(which.spoken).count(_words("utter_form_correct_option", "or")) == 5, which.spoken
    again = caller.silence()  # every choice again, not only the last
    assert " ".join(again.spoken).count(_words("utter_form_correct_option", "or")) == 5, again.spoken
    _said(caller.press("2"), "cert_ask.date_of_birth", language="or")  # the second answer: the date of birth
    again = caller.press("16082025")
    assert "16-08-2025" in " ".join(again.spoken), again.spoken  # the summary again, with the new date
    reference = _filed(caller.press("1"))
    answers = case_in_database(stack, reference).details["answers"]
    assert answers["date_of_birth"] == "2025-08-16" and recording_url(answers["child_name"])
    # The office listens and sends it back for the names in writing (a document never prints a
    # recording); it also leaves the birth queue other tests of this stack work in.
    sent_back = _office(stack, reference, "SEND_BACK", "VERIFIER", reason="Please send the names in writing",
                        out_of_order_reason="names given as voice messages")
    assert sent_back.status_code == 200, sent_back.text
