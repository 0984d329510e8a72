"""A caller presses keys or speaks: what is said on a call never tells them to type, send, reply or
write. Every key is checked by the text a call would say (its `voice` variant, else its `text`),
read as the raw template, so texts with placeholders are checked too."""
import ast
import re
from pathlib import Path

import pytest
import yaml

import locales
from common.channels import TWILIO_VOICE
from common.recordings import IN_WORDS
from locales import voice_audio
from locales.voice_audio import RECORDED_LANGUAGES, spoken_on_a_call, voice_template

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
# (hi भेजा/भेजी..., or ପଠାଗଲା, ପଠାଯା..., ପଠାଯିବ). These phrases are cut out before the check; a request to the
# caller in the same text ("भेजें", "ପଠାନ୍ତୁ", "reply 1") still fails.
SATHI_SENDS = {
    "en": r"\b(I|Sathi) will (also |keep )?(send|sending|reply)\b",
    "hi": r"भेज(ा|ी)|भेज (दिया|दी गई|दी जाएगी|दूँगा)",
    "or": r"ପଠା(ଗଲା|ଯା|ଯିବ|ଇବି)",
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
    "utter_notify_grievance_rejected": "outbox, SMS or WhatsApp",
    "utter_notify_desludging_disposed": "outbox, SMS or WhatsApp",
    "utter_notify_visit_delivered": "outbox, SMS or WhatsApp",
    "utter_notify_certificate_returned": "outbox, SMS or WhatsApp",
    "utter_notify_handoff_reply": "outbox, SMS or WhatsApp",  # a person's words, answered by SMS
    "utter_notify_handoff_closed": "outbox, SMS or WhatsApp",
    "utter_alert_visit_unassigned": "outbox, to a supervisor",
    "utter_doorstep_filed": "outbox, SMS to the citizen a field agent filed for",
    "utter_alert_handoff_message": "outbox, to the staff holding a conversation",
    # The staff's chat (backend/console/chat.py): a call carries no photo (proof is asked on
    # WhatsApp only) and offers no written reply to a citizen.
    "console.chat.ask.proof": "staff chat on WhatsApp",
    "console.chat.photo_needed": "staff chat on WhatsApp",
    "console.chat.photo_failed": "staff chat on WhatsApp",
    "console.chat.ask.message": "staff chat, WhatsApp or SMS",
    "console.action.REPLY": "a written reply to a citizen: not offered on a call",
    "console.action.WRITE": "the citizen's own action: never offered to the staff",
}


def told_to_write(template: str, language: str) -> str | None:
    words = re.sub(SATHI_SENDS[language], " ", template, flags=re.IGNORECASE)
    found = re.search(WRITING_WORDS[language], words, flags=re.IGNORECASE)
    return found.group(0) if found else None


def said_on_a_call(language: str, check, exempt: frozenset[str] | set[str] = frozenset()) -> dict[str, str]:  # noqa: ANN001
    """key -> its voice text, for each key a call may say whose text the check finds fault with."""
    found = {}
    for key in voice_audio.load_catalog(language):
        if not spoken_on_a_call(key) or key in NEVER_SPOKEN or key in exempt:
            continue
        template = voice_template(key, language) or ""
        if check(template, language):
            found[key] = template
    return found


def offending(language: str) -> dict[str, str]:
    """key -> its voice text, for each key whose text on a call asks the caller to write."""
    return said_on_a_call(language, told_to_write)


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


# A call in a recorded language (Odia) is heard through the keypad only (<Gather input="dtmf">):
# nobody can follow "say ...". What asks the listener to say something: the imperative and "you can
# say" (କୁହନ୍ତୁ, କହନ୍ତୁ, କହିପାରିବେ, କହିବେ, କହିଦିଅନ୍ତୁ, ବୋଲନ୍ତୁ, ଉଚ୍ଚାରଣ କରନ୍ତୁ); not what someone said
# or says ("ଆପଣ ... କହିଛନ୍ତି": you asked for, "କାର୍ଯ୍ୟାଳୟ କହୁଛି": the office says).
SAYING_WORDS = {"or": r"(କୁହ|କହ(ନ୍ତୁ|ିପାର|ିବେ|ିଦିଅ)|ବୋଲନ୍ତୁ|ଉଚ୍ଚାରଣ)"}

VOICE_CHANNEL = ROOT / "channels" / "twilio_voice.py"
VOICE_CHANNEL_CLASS = "VoiceInput"


def _channel_default(name: str) -> tuple[str, ...]:
    """A module-level constant of the voice channel, read from its source (Rasa, which the channel
    imports, is not in this environment)."""
    tree = ast.parse(VOICE_CHANNEL.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == name for target in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise AssertionError(f"{name} is not in {VOICE_CHANNEL.name}")


def record_keys(credentials: dict) -> set[str]:
    """The questions a recorded-language call answers by a voice recording (<Record>), where the
    channel reads them: its record_for_keys in bot/credentials.yml, else its DEFAULT_RECORD_KEYS."""
    entry = credentials[f"channels.twilio_voice.{VOICE_CHANNEL_CLASS}"] or {}
    return set(entry.get("record_for_keys") or _channel_default("DEFAULT_RECORD_KEYS"))


# What a staff member's call asks to be said (backend/console/call.py): the reason for an action,
# asked again when too short; never on an Odia call, which offers no action that needs a reason.
STAFF_RECORD_KEYS = {"console.chat.ask.reason", "console.chat.reason_too_short"}


def said_at_record_steps(credentials: dict) -> set[str]:
    """The record questions, and the replies said just before one is asked again in the same turn:
    those its answer's validation says (validate_<slot> in actions/, for utter_ask_<slot>), since the
    form then asks the same question, and the call records again."""
    keys = record_keys(credentials) | set(_channel_default("RECORD_LEAD_KEYS")) | STAFF_RECORD_KEYS | catalog_record_steps()
    validators = {f"validate_{key.removeprefix('utter_ask_')}" for key in keys if key.startswith("utter_ask_")}
    for path in (ROOT / "actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name in validators:
                keys |= {
                    const.value
                    for const in ast.walk(node)
                    if isinstance(const, ast.Constant) and isinstance(const.value, str) and const.value.startswith("utter_")
                }
    return keys


def catalog_record_steps() -> set[str]:
    """Every catalog form's questions answered in words (common.recordings.IN_WORDS: the call records
    them), what a wrong or too long answer to them hears, and the reply to a photo without words
    (the form asks the same question again, and the call records again)."""
    keys: set[str] = set()
    for path in (ROOT / "catalog").glob("*.yml"):
        for field in yaml.safe_load(path.read_text(encoding="utf-8"))["fields"]:
            if field["type"] in IN_WORDS:
                keys |= {k for k in (field["prompt"], field.get("invalid"), field.get("too_long")) if k}
                keys |= {"utter_photo_kept_describe"} if field.get("with_photo") else set()
    return keys


def _credentials() -> dict:
    return yaml.safe_load((ROOT / "bot" / "credentials.yml").read_text(encoding="utf-8"))


def told_to_say(template: str, language: str) -> str | None:
    found = re.search(SAYING_WORDS[language], template)
    return found.group(0) if found else None


def asked_to_say(language: str) -> dict[str, str]:
    """key -> its voice text, for each key a keypad-only call says that asks the caller to speak."""
    return said_on_a_call(language, told_to_say, said_at_record_steps(_credentials()))


@pytest.mark.parametrize("language", RECORDED_LANGUAGES)
def test_a_keypad_call_is_never_asked_to_say_something(language):
    assert asked_to_say(language) == {}


def test_the_record_steps_are_read_where_the_channel_reads_them():
    channel = ast.parse(VOICE_CHANNEL.read_text(encoding="utf-8"))
    voice_input = next(n for n in channel.body if isinstance(n, ast.ClassDef) and n.name == VOICE_CHANNEL_CLASS)
    init = next(n for n in voice_input.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    assert "record_for_keys" in {arg.arg for arg in init.args.args}  # the option credentials.yml would set

    assert record_keys({"channels.twilio_voice.VoiceInput": {"auth_token": "x"}}) == set(_channel_default("DEFAULT_RECORD_KEYS"))
    assert record_keys({"channels.twilio_voice.VoiceInput": {"record_for_keys": ["utter_ask_desludging_name"]}}) == {
        "utter_ask_desludging_name"
    }
    exempt = said_at_record_steps(_credentials())
    # The complaint itself is recorded (catalog/grievance.yml: a text); its invalid and photo replies lead
    # straight back to that recording.
    assert {"utter_ask_grievance_description", "utter_invalid_grievance_description", "utter_photo_kept_describe"} <= exempt
    catalog = locales.load_catalog("or")
    assert exempt <= set(catalog)
    for language in RECORDED_LANGUAGES:  # where the voice is recorded, the prompt does say to speak
        assert told_to_say(voice_template("utter_ask_grievance_description", language) or "", language)


@pytest.mark.parametrize("text", [
    "ଦୟାକରି ଆବେଦନକାରୀଙ୍କ ନାମ କୁହନ୍ତୁ।", "ଆପଣ ଅଭିଯୋଗ, ସ୍ଥିତି କିମ୍ବା ସାହାଯ୍ୟ କହିପାରିବେ।", "ଯେମିତି ଆସନ୍ତାକାଲି କହନ୍ତୁ।",
    "କିଛି ମିନିଟ ପରେ ହଁ କହିବେ।",
])
def test_a_new_keypad_question_asking_to_say_fails(monkeypatch, text):
    catalog = {**locales.load_catalog("or"), "utter_new_question": {"text": "ଦୟାକରି ନାମ ପଠାନ୍ତୁ।", "voice": text}}
    monkeypatch.setattr(voice_audio, "load_catalog", lambda _: catalog)
    assert set(asked_to_say("or")) == {"utter_new_question"}


@pytest.mark.parametrize("text", [
    "ଦୟାକରି ୱାର୍ଡ ନମ୍ବର କୀପ୍ୟାଡରେ ଦବାନ୍ତୁ, ତା'ପରେ ହ୍ୟାସ ଦବାନ୍ତୁ।", "ଆପଣ 25 ନଭେମ୍ବର ତାରିଖରେ ଗାଡ଼ି ଆସିବା ପାଇଁ କହିଛନ୍ତି।",
    "କାର୍ଯ୍ୟାଳୟ କହୁଛି: କାଗଜ ଅସ୍ପଷ୍ଟ।",
])
def test_keys_and_what_was_said_are_not_a_request_to_speak(text):
    assert told_to_say(text, "or") is None
