"""What the forms of every service share: an answer's meaning with its words for the summary,
and what counts as a person's name."""
import re
from dataclasses import dataclass

_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Answer:
    value: object
    label: str = ""  # words for the summary (and the certificate), in the citizen's language


def person_name(text: str) -> str | None:
    """A name in letters of any script, at most 100 characters and no digits; spacing tidied."""
    name = " ".join((text or "").split())
    ok = len(_LETTER.findall(name)) >= 2 and len(name) <= 100 and not any(c.isdigit() for c in name)
    return name if ok else None
