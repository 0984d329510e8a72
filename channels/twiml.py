"""TwiML for the IVR, built from small pieces (every attribute and text escaped)."""

from xml.sax.saxutils import escape, quoteattr

from common.references import spelled_references

SAY_LANGUAGE = {"en": "en-IN", "hi": "hi-IN"}  # Twilio speaks and hears these; Odia is recorded


def say(text: str, language: str) -> str:
    return f"<Say language={quoteattr(SAY_LANGUAGE.get(language, 'en-IN'))}>{escape(spelled_references(text))}</Say>"


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
