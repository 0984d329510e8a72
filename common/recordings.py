"""A caller's voice recording as an answer. Twilio cannot hear Odia, so an Odia call answers a
question that takes words (a name, a landmark, a description) by recording it: the voice channel
passes the recording's URL in the message, and the answer kept is that URL, for an office or an
operator to listen to. Summaries say "(voice message)" for it, never the URL."""

import re

# The kinds of answer a keypad cannot give (catalog field types): asked on an Odia call, recorded.
IN_WORDS = ("name", "text")
# A question's message says so (the NLG's custom payload), for the voice channel to record the answer.
ANSWERED_IN_WORDS = "answered_in_words"

# Where Twilio keeps a call's recording (the sandbox and the phone simulator write the same shape).
_RECORDING_URL = re.compile(r"https://api\.twilio\.com/2010-04-01/Accounts/AC\w+/Recordings/RE\w+")


def recording_url(text: str | None) -> str | None:
    """The recording a message or an answer is, or None when it is words."""
    found = _RECORDING_URL.search(text or "")
    return found.group(0) if found else None
