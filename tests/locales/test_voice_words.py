"""A caller presses keys or speaks: what is said on a call never tells them to type, send, reply or
write. Every key is checked by the text a call would say (its `voice` variant, else its `text`),
read as the raw template, so texts with placeholders are checked too."""
import re
from pathlib import Path

import pytest

import locales
from common.channels import TWILIO_VOICE
from locales import voice_audio
from locales.voice_audio import UNSPOKEN_PREFIXES, voice_template

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "hi", "or")

# What tells the listener to write something.
WRITING_WORDS = {
    "en": r"\b(type|typing|send|sending|reply|write)\b",
    "hi": r"(लिख|भेज|टाइप|रिप्लाई)",
    "or": r"(ଲେଖ|ପଠା|ଟାଇପ)",
}

# Where Sathi or the office is the one sending, the words are right on a call too ("I will send you
# an SMS", "sent to the operator"): Sathi's own future (en, hi भेज दूँगा, or ପଠାଇବି) and the passive
# (hi भेजा/भेजी..., or ପଠାଗଲା, ପଠାଯା...). These phrases are cut out before the check; a request to the
# caller in the same text ("भेजें", "ପଠାନ୍ତୁ", "reply 1") still fails.
SATHI_SENDS = {
    "en": r"\b(I|Sathi) will (also |keep )?(send|sending|reply)\b",
    "hi": r"भेज(ा|ी)|भेज (दिया|दी गई|दी जाएगी|दूँगा)",
    "or": r"ପଠା(ଗଲା|ଯା|ଇବି)",
}

# Keys exempt in every language, each never said on a call: no response of the bot's domain and no
# action names them, nor does the voice channel (checked below).
NEVER_SPOKEN = {
    # The text channels' own replies while the assistant is busy or failed (channels/text_channel.py).
    "utter_message_kept": "text channels only",
    "utter_turn_failed": "text channels only",
    # Queued by the backend's outbox, for a caller by SMS (common.channels.text_channel_for): the
    # opt-out confirmations and the notices whose answer is an SMS reply ("Reply 1-5").
    "utter_opted_out": "outbox, SMS or WhatsApp",
    "utter_opted_in": "outbox, SMS or WhatsApp",
    "utter_notify_grievance_resolved": "outbox, SMS or WhatsApp",
    "utter_notify_desludging_disposed": "outbox, SMS or WhatsApp",
    "utter_notify_visit_delivered": "outbox, SMS or WhatsApp",
    "utter_notify_certificate_returned": "outbox, SMS or WhatsApp",
}


def told_to_write(template: str, language: str) -> str | None:
    words = re.sub(SATHI_SENDS[language], " ", template, flags=re.IGNORECASE)
    found = re.search(WRITING_WORDS[language], words, flags=re.IGNORECASE)
    return found.group(0) if found else None


def offending(language: str) -> dict[str, str]:
    """key -> its voice text, for each key whose text on a call asks the caller to write."""
    found = {}
    for key in voice_audio.load_catalog(language):
        if key.startswith(UNSPOKEN_PREFIXES) or key in NEVER_SPOKEN:
            continue
        template = voice_template(key, language) or ""
        if told_to_write(template, language):
            found[key] = template
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_call_never_asks_to_type_send_reply_or_write(language):
    assert offending(language) == {}


def test_the_voice_template_is_what_a_call_says():
    for key in ("utter_ask_reference", "utter_still_stuck", "utter_goodbye"):
        for language in LANGUAGES:
            assert locales.render(key, language, TWILIO_VOICE)["text"] == voice_template(key, language)


@pytest.mark.parametrize("language, text", [
    ("en", "Please reply 1 to confirm."), ("en", "Type the ward number."), ("en", "Send it again."),
    ("hi", "पुष्टि के लिए 1 भेजें।"), ("hi", "वार्ड नंबर लिखें।"),
    ("or", "ନିଶ୍ଚିତ କରିବାକୁ 1 ପଠାନ୍ତୁ।"), ("or", "ୱାର୍ଡ ନମ୍ବର ଲେଖନ୍ତୁ।"),
    # Sathi's own sending does not hide a request in the same text.
    ("en", "I will send you an SMS. Reply 1 to rate it."), ("hi", "मैं SMS भेज दूँगा। रेटिंग भेजें।"),
])
def test_a_new_text_only_key_asking_to_write_fails(monkeypatch, language, text):
    catalog = {**locales.load_catalog(language), "utter_new_question": text}
    monkeypatch.setattr(voice_audio, "load_catalog", lambda _: catalog)
    assert set(offending(language)) == {"utter_new_question"}


@pytest.mark.parametrize("language, text", [
    ("en", "I will also send you an SMS with the details."), ("en", "Okay, I will reply in English from now on."),
    ("hi", "मैं आपको भुगतान का लिंक SMS से भेज दूँगा।"), ("hi", "इसे सुपरवाइज़र को भेज दिया गया है।"),
    ("or", "ମୁଁ ଆପଣଙ୍କୁ SMS ପଠାଇବି।"), ("or", "ଅପରେଟରଙ୍କ ପାଖକୁ ପଠାଗଲା।"),
])
def test_sathi_sending_is_not_a_request(language, text):
    assert told_to_write(text, language) is None


def test_the_never_spoken_keys_are_never_part_of_a_call():
    catalog = locales.load_catalog("en")
    spoken_sources = [*(ROOT / "bot" / "domain").glob("*.yml"), *(ROOT / "actions").glob("*.py"),
                      ROOT / "channels" / "twilio_voice.py"]
    for key in NEVER_SPOKEN:
        assert key in catalog, key
        assert any(told_to_write(voice_template(key, language) or "", language) for language in LANGUAGES), (
            f"{key} no longer needs its exemption")
        for source in spoken_sources:
            assert not re.search(rf"\b{re.escape(key)}\b", source.read_text(encoding="utf-8")), (key, source.name)
