"""Reference numbers: PREFIX-YEAR-NNNNNN (FSM-2026-000123): a service's three letters, the year,
a six-digit sequence. Sathi writes them in that form; a person may type them loosely ('grv 2026 12',
'GRV2026000012'), and every reader accepts the same loose forms."""

import re

PREFIX_PATTERN = r"^[A-Z]{3}$"  # a service's prefix (backend/workflows/*.yml)
# As a person writes one: any case, any of space, dash, underscore or slash between the parts, the
# sequence's leading zeros optional. Groups: prefix, year, sequence.
WRITTEN = r"([A-Za-z]{3})[\s\-_/]*(\d{4})[\s\-_/]*(\d{1,6})"
_WHOLE = re.compile(rf"^\s*{WRITTEN}\s*$")
_ANYWHERE = re.compile(WRITTEN)
_AS_A_WORD = re.compile(rf"\b{WRITTEN}\b")
# As Sathi writes one (in replies and notices).
_FORMATTED = re.compile(r"\b([A-Z]{3})-(\d{4})-(\d{6})\b")


def format_reference(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:06d}"


def _formatted(match: re.Match[str]) -> str:
    prefix, year, value = match.groups()
    return format_reference(prefix.upper(), int(year), int(value))


def normalise_reference(text: str) -> str | None:
    """'grv 2026 12' or 'GRV2026000012' -> 'GRV-2026-000012'; None if the text is not a reference."""
    match = _WHOLE.match(text or "")
    return _formatted(match) if match else None


def find_reference(text: str) -> tuple[str, int, int] | None:
    """The first reference in the text, normalised, with where it starts and ends."""
    match = _ANYWHERE.search(text or "")
    return (_formatted(match), match.start(), match.end()) if match else None


def without_references(text: str, replacement: str = " ") -> str:
    """The text with every reference standing as a word replaced ('GRV-2026-000045' says nothing
    about the language it is written in)."""
    return _AS_A_WORD.sub(replacement, text or "")


def spelled_references(text: str) -> str:
    """'GRV-2026-000045' read as letters and digits ('G R V, 2 0 2 6, 0 0 0 0 4 5'), not as 'two thousand twenty-six'."""
    return _FORMATTED.sub(lambda m: ", ".join(" ".join(group) for group in m.groups()), text)
