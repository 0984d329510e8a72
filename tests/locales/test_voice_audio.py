"""Odia is spoken from recordings: every fixed piece of every Odia text has its audio file, no file
is left over from an older text, and a reply with values is played piece by piece."""

from channels import twiml
from locales.voice_audio import all_prompts, audio_path, spoken_parts
from scripts.voice_prompts import missing, stale


def test_every_odia_prompt_has_a_recording_and_no_recording_is_stale():
    assert missing("or") == {}
    assert stale("or") == []


def test_recordings_are_telephone_audio():
    some = audio_path("or", next(iter(all_prompts("or"))))
    with open(some, "rb") as handle:
        header = handle.read(64)
    assert header[:4] == b"RIFF" and header[8:12] == b"WAVE"
    assert int.from_bytes(header[22:24], "little") == 1  # mono
    assert int.from_bytes(header[24:28], "little") == 8000  # 8 kHz


def test_a_reply_with_a_reference_plays_the_words_and_says_the_number():
    parts = spoken_parts("utter_grievance_filed", "or", {"reference": "GRV-2026-000045", "category": "ଅଳିଆ"})
    assert [kind for kind, _ in parts] == ["play", "say"]  # the closing "।" alone is not a prompt
    assert parts[1] == ("say", "GRV-2026-000045")
    status = spoken_parts("utter_case_status", "or", {"reference": "GRV-2026-000045", "state_key": "case_state.grievance.RESOLVED", "holder_key": "case_holder.done", "due": "24-11-2026"})
    assert [kind for kind, _ in status][:2] == ["say", "play"] and ("say", "24-11-2026") in status


def test_nested_keys_are_played_too():
    parts = spoken_parts("utter_voice_choose_language", "or", {})
    assert parts and all(kind == "play" for kind, _ in parts)


def test_lines_are_read_as_sentences():
    """A summary's lines ("Name: …") end in a pause, not run together."""
    assert twiml.say("Please check:\nName: Ramesh Kumar\nYears: 20\n", "en") == (
        '<Say language="en-IN">Please check: Name: Ramesh Kumar. Years: 20</Say>')
    assert twiml.say("नाम: रमेश\nजगह: सरकणा", "hi") == '<Say language="hi-IN">नाम: रमेश। जगह: सरकणा</Say>'


def test_twiml_escapes_and_spells_references():
    assert twiml.say('Reference GRV-2026-000045 <ok> & "done"', "en") == (
        '<Say language="en-IN">Reference G R V, 2 0 2 6, 0 0 0 0 4 5 &lt;ok&gt; &amp; "done"</Say>'
    )
    gathered = twiml.gather("https://x.in/webhooks/twilio_voice/webhook?step=2&lang=hi", "", language="hi", speech=True)
    assert 'action="https://x.in/webhooks/twilio_voice/webhook?step=2&amp;lang=hi"' in gathered
    assert 'input="dtmf speech"' in gathered and 'language="hi-IN"' in gathered
    assert 'input="dtmf"' in twiml.gather("https://x.in/a", "", language="or", speech=False)
