"""TwiML for the IVR, built from small pieces (every attribute and text escaped)."""

from xml.sax.saxutils import escape, quoteattr

from common.references import spelled_references

SAY_LANGUAGE = {"en": "en-IN", "hi": "hi-IN"}  # Twilio speaks and hears these; Odia is recorded


SENTENCE_ENDS = ".?!।॥:;,"
FULL_STOP = {"hi": "।"}


def say(text: str, language: str) -> str:
    spoken = escape(spelled_references(_sentences(text, FULL_STOP.get(language, "."))))
    return f"<Say language={quoteattr(SAY_LANGUAGE.get(language, 'en-IN'))}>{spoken}</Say>"


def _sentences(text: str, stop: str) -> str:
    """Lines read as sentences (a summary's "Name: …" lines), not run together: a voice pauses
    at a full stop, not at a line break."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    ended = [line if line[-1] in SENTENCE_ENDS else f"{line}{stop}" for line in lines[:-1]]
    return " ".join([*ended, *lines[-1:]])


def play(url: str) -> str:
    return f"<Play>{escape(url)}</Play>"


def gather(action_url: str, inner: str, *, language: str, speech: bool, num_digits: int | None = None, timeout: int = 6) -> str:
    attributes = {
        "action": action_url,
        "method": "POST",
        "input": "dtmf speech" if speech else "dtmf",
        "timeout": str(timeout),
        "finishOnKey": "#",
        "actionOnEmptyResult": "true",  # silence comes back to us too, so we can re-prompt
    }
    if speech:
        attributes["language"] = SAY_LANGUAGE[language]
        attributes["speechTimeout"] = "auto"
    if num_digits:
        attributes["numDigits"] = str(num_digits)
    rendered = " ".join(f"{name}={quoteattr(value)}" for name, value in attributes.items())
    return f"<Gather {rendered}>{inner}</Gather>"


def record(action_url: str, *, max_seconds: int = 120) -> str:
    """For a free-text answer where Twilio cannot transcribe the language: the caller speaks after
    the beep and ends with # or silence; Twilio posts the RecordingUrl to action_url. An empty
    recording is not posted: Twilio goes on to the next verb, which brings it to us as silence."""
    return (
        f'<Record action={quoteattr(action_url)} method="POST" maxLength="{max_seconds}" timeout="5" '
        'finishOnKey="#" playBeep="true"/>' + redirect(action_url)
    )


def response(*verbs: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"


def hangup() -> str:
    return "<Hangup/>"


def redirect(url: str) -> str:
    return f'<Redirect method="POST">{escape(url)}</Redirect>'


def pause(seconds: int = 1) -> str:
    return f'<Pause length="{seconds}"/>'
