"""The conversation's language through the running bot: any of the five forms of writing starts a
conversation in its language, a switch mid-form keeps every answer, explicit choices outlive the
session and the channel, and short replies never flip the language."""
import pytest

import locales
from tests.e2e.conftest import REFERENCE, Citizen


def text(key: str, language: str, **variables) -> str:
    return locales.render(key, language, "rest", **variables)["text"]


def words(key: str, language: str) -> str:
    """The catalog's words for a key in the language (a category's name, as a reply names the problem)."""
    return locales.load_catalog(language)[key]


@pytest.mark.parametrize("sender, opening, description, language", [
    ("+919800000301", "I want to file a complaint", "Garbage has been lying in our lane for 3 days", "en"),
    ("+919800000302", "शिकायत दर्ज करनी है", "हमारी गली में तीन दिन से कचरा पड़ा है", "hi"),
    ("+919800000303", "mujhe ek shikayat darj karni hai", "hamari gali me 3 din se kachra pada hai", "hi"),
    ("+919800000304", "ଅଭିଯୋଗ ଦାଖଲ କରିବାକୁ ଚାହୁଁଛି", "ଆମ ଗଳିରେ ତିନି ଦିନ ହେଲା ଅଳିଆ ପଡ଼ିଛି", "or"),
    ("+919800000305", "mu gote complaint karibi", "ama gali re 3 dina hela aliya padichhi", "or"),
])
def test_a_complaint_in_each_form_of_writing(stack, sender, opening, description, language):
    citizen = Citizen(stack, sender)
    assert citizen.say(opening) == [text("utter_ask_grievance_category", language)]
    assert citizen.say("1") == [text("utter_ask_grievance_description", language)]
    assert citizen.say(description) == [text("utter_ask_grievance_ward", language)]
    replies = citizen.say("ward 12")
    reference = REFERENCE.search(replies[0]).group()
    garbage = words("grievance_category.garbage", language)
    assert replies == [text("utter_grievance_filed", language, reference=reference, answer_problem=garbage)]
    assert citizen.slots()["language"] == language


def test_switch_language_mid_form_keeps_the_answers(stack):
    citizen = Citizen(stack, "+919800000311")
    assert citizen.say("I want to file a complaint") == [text("utter_ask_grievance_category", "en")]
    assert citizen.say("2") == [text("utter_ask_grievance_description", "en")]
    assert citizen.say("ଓଡ଼ିଆରେ କୁହନ୍ତୁ") == [text("utter_language_changed", "or"), text("utter_ask_grievance_description", "or")]
    slots = citizen.slots()
    assert (slots["service_code"], slots["service_answers"]["problem"]) == ("grievance", "2")
    # understood as a streetlight (its words in either language: the reply at filing names it in the new one)
    assert slots["service_labels"]["problem"] in {words("grievance_category.streetlight", lang) for lang in ("en", "or")}
    assert citizen.say("ଘର ସାମ୍ନା ଆଲୁଅ ଏକ ସପ୍ତାହ ହେଲା ଜଳୁନାହିଁ") == [text("utter_ask_grievance_ward", "or")]
    replies = citizen.say("ଶହୀଦ ନଗର")
    reference = REFERENCE.search(replies[0]).group()
    assert replies == [
        text("utter_grievance_filed", "or", reference=reference, answer_problem=words("grievance_category.streetlight", "or"))]


def test_writing_in_another_language_mid_form_switches_without_a_command(stack):
    citizen = Citizen(stack, "+919800000312")
    citizen.say("I want to file a complaint")
    citizen.say("3")
    assert citizen.say("हमारी गली की नाली तीन दिन से जाम है") == [text("utter_ask_grievance_ward", "hi")]
    slots = citizen.slots()
    assert (slots["service_code"], slots["service_answers"]["problem"]) == ("grievance", "3")
    assert slots["service_labels"]["problem"] in {words("grievance_category.drainage", lang) for lang in ("en", "hi")}
    assert slots["service_answers"]["description"] == "हमारी गली की नाली तीन दिन से जाम है"


def test_short_replies_never_flip_the_language(stack):
    citizen = Citizen(stack, "+919800000313")
    assert citizen.say("शिकायत दर्ज करनी है") == [text("utter_ask_grievance_category", "hi")]
    assert citizen.say("ok")[0] == text("utter_invalid_grievance_category", "hi")
    assert citizen.say("1") == [text("utter_ask_grievance_description", "hi")]
    assert citizen.say("cancel") == [text("utter_cancelled", "hi")]
    assert citizen.slots()["language"] == "hi"


def test_a_chosen_language_holds_in_a_new_session_on_another_channel(stack):
    whatsapp = Citizen(stack, "whatsapp:+919800000321")
    assert whatsapp.say("change language") == [text("utter_choose_language", "en")]
    assert whatsapp.say("hindi") == [text("utter_language_changed", "hi")]
    # An English message does not undo an explicit choice (and, naming the problem, is its guess).
    assert whatsapp.say("I want to file a complaint about garbage") == [
        text("utter_confirm_grievance_category", "hi", answer_key="grievance_category.garbage")]

    sms = Citizen(stack, "+919800000321")  # same phone, another channel: a new conversation
    assert sms.say("hello") == [text("utter_greet", "hi")]
    assert sms.slots()["language_chosen"] is True
