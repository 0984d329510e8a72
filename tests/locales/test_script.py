"""Scripts: one match key for a place in any script, and GSM-7 Latin text for SMS."""
import re
import string
from pathlib import Path

import pytest
import yaml

import locales
from locales.script import SPELLINGS_FILE, is_gsm7, match_key, romanise, romanised_word, spelling_key
from locales.script import spellings as spelling_table


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
    assert romanise("शिकायत दर्ज", "hi") == "shikayat darj"
    assert romanise("ଅଭିଯୋଗ", "or") == "abhijoga"
    assert romanise("₹ ५००", "hi") == "Rs. 500"


def test_latin_sms_is_only_for_sms_and_not_for_english():
    assert locales.render("utter_greet", "hi", "whatsapp", latin_sms=True) == locales.render("utter_greet", "hi", "whatsapp")
    assert locales.render("utter_greet", "en", "sms", latin_sms=True) == locales.render("utter_greet", "en", "sms")


def test_odia_letters_beyond_the_transliteration_scheme_are_romanised():
    """ୱ and ଡ଼ were dropped or garbled in Latin SMS ("aarda 12 bhubaneshra", "bhadaaa")."""
    assert romanise("ୱାର୍ଡ 12 ଭୁବନେଶ୍ୱର", "or") == "ward 12 Bhubaneswar"
    assert romanise("ଭଡ଼ା ଚୁକ୍ତି, ଗାଡ଼ି", "or") == "bhada chukti, gaadi"
    assert romanise("ପଞ୍ଚାୟତ ସ୍ୱୟଂ ସେବକ", "or") == romanise("ପଞ୍ଚାୟତ ସ୍ଵୟଂ ସେବକ", "or")


# --- Latin-letter SMS written the way people write it (issue 16): a word list, then transliteration.
_NATIVE_LETTERS = {"hi": "\u0900-\u097F", "or": "\u0B00-\u0B7F"}
MASTERDATA = Path(__file__).resolve().parents[2] / "backend" / "masterdata"


def _sms_templates(language):
    """(key, text) for every SMS-rendered text of the catalog (the sms variant, else the text) and
    every button title (offered as numbered options on SMS)."""
    for key, entry in locales.load_catalog(language).items():
        entry = {"text": entry} if isinstance(entry, str) else entry
        yield key, entry.get("sms") or entry["text"]
        for button in entry.get("buttons", []):
            yield key, str(button["title"])


def test_the_issues_examples_come_out_as_people_write_them():
    asked = locales.render("utter_ask_grievance_category", "hi", "twilio_sms", latin_sms=True)["text"]
    assert asked.startswith("samasya kya hai? apne shabdon mein"), asked
    which = locales.render("utter_form_correct_which", "hi", "twilio_sms", latin_sms=True, fields="naam", example="naam")
    assert which["text"].startswith("kaunsa jawab badalna hai?"), which
    assert romanise("वार्ड 12 भुवनेश्वर", "hi") == "ward 12 Bhubaneswar"
    assert romanise("ୱାର୍ଡ 12, ଭୁବନେଶ୍ୱର", "or") == "ward 12, Bhubaneswar"
    assert romanise("1-5 तक रेटिंग भेजें", "hi") == "1-5 tak rating bhejein"
    resolved = locales.render("utter_notify_grievance_resolved", "hi", "twilio_sms", latin_sms=True, reference="GRV-2026-000045")
    assert "rating" in resolved["text"] and "GRV-2026-000045" in resolved["text"]


@pytest.mark.parametrize("native, latin", [
    ("स्टेटस, ऑपरेटर, सर्टिफिकेट", "status, operator, certificate"),
    ("ପେମେଣ୍ଟ, ୱାର୍ଡ, ଷ୍ଟାଟସ", "payment, ward, status"),
    ("कटक, पुरी", "Cuttack, Puri"),
    ("ଭୁବନେଶ୍ୱର, କଟକ, ପୁରୀ", "Bhubaneswar, Cuttack, Puri"),
])
def test_english_words_and_places_are_spelt_as_in_english(native, latin):
    assert romanise(native, "hi" if "\u0900" <= native[0] <= "\u097F" else "or") == latin


def test_words_keep_the_punctuation_and_digits_around_them():
    assert romanise("(जैसे \"वार्ड १२ भुवनेश्वर\" या \"सरकणा\")।", "hi") == '(jaise "ward 12 Bhubaneswar" ya "Sarakana").'
    assert romanise("ଆପଣ କ'ଣ କରିବାକୁ ଚାହୁଁଛନ୍ତି?", "or") == "apana kana karibaku chahunchhanti?"


def test_one_entry_serves_every_encoding_of_a_word():
    assert romanise("फ़ोन", "hi") == romanise("फोन", "hi") == "phone"
    assert romanise("हूँ", "hi") == romanise("हूं", "hi") == "hoon"
    assert romanise("ଗାଡ଼ି", "or") == romanise("ଗାଡି", "or") == romanise("ଗାଡ\u0b3cି", "or") == "gaadi"
    assert romanise("ହିନ୍ଦୀ ओड़िया", "hi") == "Hindi Odia"  # a word in the other script: its own language's list


def test_words_the_list_does_not_hold_are_transliterated_letter_by_letter():
    assert romanise("कुत्ता झुग्गी-बस्ती", "hi") == "kuttaa jhuggi-basti"  # a hyphenated word part by part
    assert romanise("ଘୋଡ଼ା ୱାଇ", "or") == "ghodaa vaai"


@pytest.mark.parametrize("language", ["hi", "or"])
def test_every_sms_reply_of_the_catalog_romanises_to_gsm7(language):
    for key, text in _sms_templates(language):
        latin = romanise(text.format_map(_Filled()), language)  # romanised once filled, as render does
        assert is_gsm7(latin), (key, latin)
        assert latin.count("XQ-901") == len(list(_fields(text))), (key, latin)  # the values survive
    for key, entry in locales.load_catalog(language).items():
        if not list(_fields(str(entry))):
            assert is_gsm7(locales.render(key, language, "twilio_sms", latin_sms=True)["text"]), key


class _Filled(dict):
    def __missing__(self, name):
        return "XQ-901"


def _fields(text):
    return (field for _, field, _, _ in string.Formatter().parse(text) if field)


def test_every_entry_is_one_native_word_spelt_in_ascii():
    raw = yaml.safe_load(SPELLINGS_FILE.read_text(encoding="utf-8"))
    assert set(raw) == {"hi", "or"}
    for language, words in raw.items():
        letters = _NATIVE_LETTERS[language]
        one_word = re.compile(rf"[{letters}]+(?:['-][{letters}]+)*")
        for word, spelling in words.items():
            assert isinstance(word, str) and one_word.fullmatch(word), (language, word)
            assert isinstance(spelling, str) and spelling.isascii() and spelling == spelling.strip(), (word, spelling)
            assert re.fullmatch(r"[A-Za-z][A-Za-z' -]*", spelling), (word, spelling)
        assert len(words) >= 300, language


def test_no_word_is_listed_twice():
    """Neither as the same key twice (YAML keeps the last silently) nor as two encodings of one word."""
    document = yaml.compose(SPELLINGS_FILE.read_text(encoding="utf-8"))
    assert sorted(language.value for language, _ in document.value) == ["hi", "or"]
    for language_node, words_node in document.value:
        keys = [key.value for key, _ in words_node.value]
        assert len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1]
        folded: dict[str, str] = {}
        for key, value in words_node.value:
            earlier = folded.setdefault(spelling_key(key.value), value.value)
            assert earlier == value.value, (language_node.value, key.value, earlier, value.value)
    assert spelling_table()["hi"][spelling_key("वार्ड")] == "ward"


def _place_names():
    def walk(node):
        if isinstance(node, dict):
            if "en" in node:
                for language in ("hi", "or"):
                    native = str(node.get(language, ""))
                    if re.fullmatch(rf"[{_NATIVE_LETTERS[language]}]+", native) and len(str(node["en"]).split()) == 1:
                        yield language, native, str(node["en"])
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for path in sorted(MASTERDATA.glob("*.yml")):
        yield from walk(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_the_places_the_bot_names_are_spelt_as_in_the_master_data():
    names = list(_place_names())
    assert len(names) > 20
    for language, native, english in names:
        assert romanised_word(native, language) == english, (native, english)


def test_menus_reach_latin_letter_sms_users_in_latin_letters_too():
    """SMS lists a reply's buttons as numbered text: one native word would make it UCS-2 (70 a segment)."""
    import locales

    for language in ("hi", "or"):
        for key, entry in locales.load_catalog(language).items():
            if isinstance(entry, dict) and entry.get("buttons"):
                values = {name: "1" for button in entry["buttons"] for name in locales.placeholders(str(button["title"]))}
                rendered = locales.render(key, language, "twilio_sms", latin_sms=True, **values,
                                          **{name: "1" for name in locales.placeholders(entry.get("sms") or entry["text"])})
                assert all(is_gsm7(button["title"]) for button in rendered["buttons"]), (language, key, rendered["buttons"])


@pytest.mark.parametrize(
    "text, chosen",
    [("yes", "yes"), ("haan ji", "yes"), ("yes no", None), ("house shop", None), ("double pit", "double"),
     ("it is a double pit", "double"), ("pit", "single"), ("nothing", None)],
)
def test_only_one_option_named_chooses_it(text, chosen):
    from locales.script import only_named

    named = [("yes", "yes"), ("haan", "yes"), ("no", "no"), ("house", "house"), ("shop", "shop"),
             ("pit", "single"), ("double pit", "double")]
    assert only_named(text, named) == chosen
