"""What the forms of every service share: an answer's meaning with its words for the summary,
and what counts as a person's name."""

import unicodedata
from dataclasses import dataclass

# Besides letters and their combining signs (Devanagari and Odia vowel signs, virama, nukta): the
# space, the initial's dot, apostrophes (phones turn ' into ’), the hyphen, and the zero-width
# joiners Indic keyboards put inside words. Nothing else: a name is printed on a certificate.
_NAME_MARKS = frozenset(" .'’-\u200c\u200d")


@dataclass(frozen=True)
class Answer:
    value: object
    label: str = ""  # words for the summary (and the certificate), in the citizen's language


def person_name(text: str) -> str | None:
    """A name in letters of any script (at least two, at most 100 characters), spaces and a few
    marks; no digits, no markup; spacing tidied."""
    name = " ".join((text or "").split())
    kinds = [unicodedata.category(c)[0] for c in name]
    ok = (
        kinds.count("L") >= 2
        and len(name) <= 100
        and all(kind in "LM" or c in _NAME_MARKS for c, kind in zip(name, kinds, strict=True))
    )
    return name if ok else None
