"""Voice without traps, through the running bot and Twilio's voice webhook, per language: a key
that is not one of the choices, silence, words the bot does not understand and "help" each get
their own short answer and then the question asked before, with the same keys working. The words
expected are read from locales/, so a reworded prompt does not break the table."""

import re

import pytest

from common.channels import TWILIO_VOICE
from locales import render
from locales.voice_audio import voice_template

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
