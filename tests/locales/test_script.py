"""Scripts: one match key for a place in any script, and GSM-7 Latin text for SMS."""
import pytest

import locales
from locales.script import is_gsm7, match_key, romanise


@pytest.mark.parametrize("spellings", [
    ("Saheed Nagar", "shahid nagar", "शहीद नगर", "ଶହୀଦ ନଗର"),
    ("Nayapalli", "nayapali", "नयापल्ली", "ନୟାପଲ୍ଲୀ"),
    ("Chandrasekharpur", "chandrashekarpur", "ଚନ୍ଦ୍ରଶେଖରପୁର"),
    ("Patia", "ପାଟିଆ", "पाटिया"),
])
def test_one_key_for_every_spelling(spellings):
    assert len({match_key(s) for s in spellings}) == 1


def test_different_places_keep_different_keys():
    assert match_key("Patia") != match_key("Nayapalli") != match_key("Saheed Nagar")


@pytest.mark.parametrize("language, key", [("hi", "utter_grievance_filed"), ("or", "utter_grievance_filed"),
                                           ("hi", "utter_greet"), ("or", "utter_choose_language")])
def test_latin_sms_fits_gsm7_and_keeps_the_reference(language, key):
    native = locales.render(key, language, "twilio_sms", reference="GRV-2026-000045", category_key="grievance_category.roads")
    latin = locales.render(key, language, "twilio_sms", latin_sms=True, reference="GRV-2026-000045",
                           category_key="grievance_category.roads")
    assert not is_gsm7(native["text"])
    assert is_gsm7(latin["text"]) and latin["text"] != native["text"]
    if "{reference}" in str(locales.load_catalog(language)[key]):
        assert "GRV-2026-000045" in latin["text"]


def test_romanised_words_read_as_people_type_them():
    assert romanise("शिकायत दर्ज", "hi") == "shikaayat darj"
    assert romanise("ଅଭିଯୋଗ", "or") == "abhiyoga"
    assert romanise("₹ ५००", "hi") == "Rs. 500"


def test_latin_sms_is_only_for_sms_and_not_for_english():
    assert locales.render("utter_greet", "hi", "whatsapp", latin_sms=True) == locales.render("utter_greet", "hi", "whatsapp")
    assert locales.render("utter_greet", "en", "sms", latin_sms=True) == locales.render("utter_greet", "en", "sms")


def test_odia_letters_beyond_the_transliteration_scheme_are_romanised():
    """ୱ and ଡ଼ were dropped or garbled in Latin SMS ("aarda 12 bhubaneshra", "bhadaaa")."""
    assert romanise("ୱାର୍ଡ 12 ଭୁବନେଶ୍ୱର", "or") == "vaarda 12 bhubaneshvara"
    assert romanise("ଭଡ଼ା ଚୁକ୍ତି, ଗାଡ଼ି", "or") == "bhadaa chukti, gaadi"
    assert romanise("ପଞ୍ଚାୟତ ସ୍ୱୟଂ ସେବକ", "or") == romanise("ପଞ୍ଚାୟତ ସ୍ଵୟଂ ସେବକ", "or")
