"""Language detection: script decides for Devanagari and Odia; Latin text goes to the classifier
and lexicon; short replies and names never switch the conversation."""
import pytest

from locales.detect import detect, language_named, language_slots


@pytest.mark.parametrize("text, form", [
    ("मेरी शिकायत का क्या हुआ", "hi"),
    ("ମୋ ଅଭିଯୋଗର ସ୍ଥିତି କଣ", "or"),
    ("septic tank saaf karwana hai", "hi-latn"),
    ("mera certificate kab milega", "hi-latn"),
    ("mo abedana ra sthiti kana", "or-latn"),
    ("mote septic tank safa karibaku darkar", "or-latn"),
    ("I want to file a complaint about garbage", "en"),
    ("ओके thanks", "hi"),  # a native-script word outweighs borrowed English ones
])
def test_forms_of_writing(text, form):
    found = detect(text)
    assert found.form == form and found.decisive


@pytest.mark.parametrize("text", ["ok", "haan", "1", "yes", "ji", "Sanjay Kumar Mahato", "GRV-2026-000045", ""])
def test_short_replies_names_and_numbers_never_switch(text):
    assert not detect(text).decisive


def test_reference_numbers_carry_no_language():
    assert detect("CRT-2026-000090").form is None
    assert detect("status GRV-2026-000001 kab tak hoga").form == "hi-latn"


def test_latin_script_flag():
    assert detect("mo abedana ra sthiti kana").latin_script
    assert not detect("ମୋ ଅଭିଯୋଗର ସ୍ଥିତି କଣ").latin_script
    assert not detect("where is my application please").latin_script


@pytest.mark.parametrize("text, language", [
    ("ଓଡ଼ିଆରେ କୁହନ୍ତୁ", "or"),
    ("hindi me baat karo", "hi"),
    ("हिन्दी में बोलिए", "hi"),
    ("English please", "en"),
    ("odiya re kuhantu", "or"),
    ("not hindi, speak oriya", "or"),
    ("change language", None),
])
def test_language_named(text, language):
    assert language_named(text) == language


def slots(language: str = "en", language_chosen: bool = False, reply_in_latin_script: bool = False):
    return {"language": language, "language_chosen": language_chosen, "reply_in_latin_script": reply_in_latin_script}.get


def test_a_clear_message_switches_the_conversation_and_only_what_changes():
    assert language_slots("ମୋ ଅଭିଯୋଗର ସ୍ଥିତି କଣ", "inform", slots()) == {"language": "or"}
    assert language_slots("septic tank saaf karwana hai", "inform", slots()) == {"language": "hi", "reply_in_latin_script": True}
    assert language_slots("septic tank saaf karwana hai", "inform", slots("hi", reply_in_latin_script=True)) == {}
    assert language_slots("मेरी शिकायत का क्या हुआ", "inform", slots("hi", reply_in_latin_script=True)) == {
        "reply_in_latin_script": False
    }


def test_a_short_message_in_its_own_words_switches_an_english_chat_only():
    """Seen in the play-test: "madad chahiye" and "kachra" as first messages were answered in English."""
    assert language_slots("madad chahiye", "help", slots()) == {"language": "hi", "reply_in_latin_script": True}
    assert language_slots("kachra", "file_grievance", slots()) == {"language": "hi", "reply_in_latin_script": True}
    assert language_slots("ek hafte se kachra nahi utha", "inform", slots()) == {"language": "hi", "reply_in_latin_script": True}
    assert language_slots("theek hai", "affirm", slots("or", reply_in_latin_script=True)) == {}  # Odia speakers say it too
    assert language_slots("Ravi Kumar", "inform", slots()) == {}  # a name has no such words


def test_one_native_word_switches_an_english_chat_but_not_a_hindi_or_odia_one():
    assert language_slots("ପଛକୁ", "correct_answer", slots()) == {"language": "or"}
    assert language_slots("ପଛକୁ", "correct_answer", slots("hi", reply_in_latin_script=True)) == {}  # seen in the play-test
    assert language_slots("मदद", "help", slots("or")) == {}
    assert language_slots("मेरी शिकायत का क्या हुआ", "inform", slots("or")) == {"language": "hi"}


@pytest.mark.parametrize("text", ["ok", "haan", "1", "Saheed Nagar"])
def test_short_replies_switch_nothing(text):
    assert language_slots(text, "inform", slots("or")) == {}


@pytest.mark.parametrize("text", ["२", "୭୫୧୦୦୭", "२५/१२", "७५१ ००७"])
def test_a_number_in_another_script_switches_nothing(text):
    """An English chat's trips typed "२" or PIN "୭୫୧୦୦୭" (the play-test's keyboards) stay in English."""
    assert language_slots(text, "inform", slots()) == {}
    assert language_slots(text, "inform", slots("en")) == {}


def test_a_payload_switches_nothing():
    payload = '/give_feedback{"reference":"GRV-2026-000001","solved":"no"}'  # what "0" on a numbered menu sends
    assert language_slots(payload, "give_feedback", slots("hi")) == {}
    assert language_slots('/inform{"text":"ମୋ ଅଭିଯୋଗର ସ୍ଥିତି କଣ"}', "inform", slots()) == {}  # Odia words, but a payload


def test_an_explicit_choice_wins_over_detection():
    assert language_slots("मेरी शिकायत का क्या हुआ", "check_status", slots("or", language_chosen=True)) == {}
    # The choice in this very message is action_change_language's to apply, in the language it names.
    assert language_slots("I want to speak in Odia please", "change_language", slots("hi")) == {}
    assert language_slots("I want to speak in Odia please", "inform", slots("hi")) == {"language": "en"}
