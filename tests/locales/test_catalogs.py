"""Every word a person reads lives in locales/, in all three languages, and renders."""
import re
from pathlib import Path

import pytest
import yaml

import locales

ROOT = Path(__file__).resolve().parents[2]


def _domain_utterances() -> set[str]:
    """Responses the policies and forms choose (domain) and those the actions send (actions/*.py)."""
    names = set()
    for path in (ROOT / "bot" / "domain").glob("*.yml"):
        names |= set((yaml.safe_load(path.read_text()) or {}).get("responses", {}))
    for path in (ROOT / "actions").glob("*.py"):
        names |= set(re.findall(r"\"(utter_[a-z_]+)\"", path.read_text()))
    return names - {"utter_action"}  # Rasa's name for the response a bot event said, read by actions


def _texts(entry) -> dict[str, str]:
    return {"text": entry} if isinstance(entry, str) else {k: v for k, v in entry.items() if k != "buttons"}


def test_every_response_has_a_text():
    utterances = _domain_utterances()
    assert {"utter_greet", "utter_form_answer_refused", "utter_language_changed"} <= utterances
    missing = utterances - set(locales.load_catalog("en"))
    assert not missing


@pytest.mark.parametrize("language", ["hi", "or"])
def test_catalogs_have_the_same_keys_variants_and_placeholders(language):
    english, other = locales.load_catalog("en"), locales.load_catalog(language)
    assert set(other) == set(english)
    for key, entry in english.items():
        assert set(_texts(other[key])) == set(_texts(entry)), key
        for variant, template in _texts(entry).items():
            assert locales.placeholders(_texts(other[key])[variant]) == locales.placeholders(template), (key, variant)
        if not isinstance(entry, str):
            assert [b["payload"] for b in other[key].get("buttons", [])] == [b["payload"] for b in entry.get("buttons", [])]


@pytest.mark.parametrize(("language", "script"), [("hi", (0x0900, 0x097F)), ("or", (0x0B00, 0x0B7F))])
def test_translations_are_written_in_their_script(language, script):
    for key, entry in locales.load_catalog(language).items():
        for template in _texts(entry).values():
            words = re.sub(r"\{[^}]*\}", "", template)  # placeholders are not words
            native = sum(script[0] <= ord(ch) <= script[1] for ch in words)
            latin = sum(ch.isascii() and ch.isalpha() for ch in words)
            assert native >= latin, (key, template)


def test_channel_variants_and_nested_keys():
    sms = locales.render("utter_grievance_filed", "en", "twilio_sms", reference="GRV-2026-000001", answer_problem="Garbage")
    full = locales.render("utter_grievance_filed", "en", "rest", reference="GRV-2026-000001", answer_problem="Garbage")
    assert "GRV-2026-000001" in sms["text"] and len(sms["text"]) < len(full["text"])
    assert "Garbage" in full["text"]
    hindi = locales.render("utter_case_status", "hi", "rest", reference="GRV-2026-000001",
                           state_key="case_state.grievance.CLOSED", holder_key="case_holder.done", due="01-12-2026")
    assert locales.load_catalog("hi")["case_state.grievance.CLOSED"] in hindi["text"]


def test_unknown_language_falls_back_to_english_and_unknown_key_raises():
    assert locales.render("utter_goodbye", "xx") == locales.render("utter_goodbye", "en")
    with pytest.raises(locales.UnknownKey):
        locales.render("utter_no_such_thing", "en")
