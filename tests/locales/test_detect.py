"""Language detection: script decides for Devanagari and Odia; Latin text goes to the classifier
and lexicon; short replies and names never switch the conversation."""
import pytest

from locales.detect import detect, language_named


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


@pytest.mark.parametrize("text", ["ok", "haan", "1", "yes", "ji", "theek hai", "Sanjay Kumar Mahato", "GRV-2026-000045", ""])
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
