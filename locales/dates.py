"""A day as citizens write it, in any of the three languages: "tomorrow", "kal", "कल",
"ଆସନ୍ତାକାଲି", "25 Nov", "25 नवंबर", "୨୫ ନଭେମ୍ବର", "25/11", "25-11-2026", "2026-11-25", "Friday", and a call's keys "2511", "25112026".
The words are data (locales/date_words.yml); this module only reads them. A date without a year
is the next such date from today."""

import re
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from locales.numbers import with_digits
from locales.script import match_key, native_digits_to_ascii

WORDS_FILE = Path(__file__).resolve().parent / "date_words.yml"
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2,4}))?\b")
_DAY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\b")
_YEAR = re.compile(r"\b(20\d{2})\b")
# Keys pressed on a call (no "/" on a keypad): DDMM or DDMMYYYY (a two-digit year would be a
# guess between centuries, for a date of birth).
_KEYPAD = re.compile(r"^(\d{2})(\d{2})(\d{4})?$")


@lru_cache
def _words() -> dict[str, dict[str, int]]:
    """kind -> {match key of a word -> value}, longest words first so "day after tomorrow" beats "tomorrow"."""
    raw = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    table = {}
    for kind, values in raw.items():
        keys = {match_key(str(word)): int(value) for value, words in values.items() for word in words}
        table[kind] = dict(sorted(keys.items(), key=lambda kv: -len(kv[0])))
    return table


def _find(kind: str, key: str) -> int | None:
    padded = f" {key} "
    return next((value for word, value in _words()[kind].items() if word and f" {word} " in padded), None)


def _next_occurrence(day: int, month: int, year: int | None, today: date) -> date | None:
    try:
        candidate = date(year or today.year, month, day)
    except ValueError:
        return None
    if year is None and candidate < today:
        try:
            candidate = date(today.year + 1, month, day)
        except ValueError:
            return None
    return candidate


def _full_year(year: str | None) -> int | None:
    """ "26" -> 2026; "2026" -> 2026; none written -> None."""
    return (2000 + int(year) if len(year) == 2 else int(year)) if year else None


def parse_day(text: str, today: date) -> date | None:
    """The day meant, or None when the text names no day."""
    cleaned = native_digits_to_ascii(with_digits(text or "")).strip()
    if not cleaned or len(cleaned) > 200:
        return None
    keyed = _KEYPAD.match(cleaned)
    if keyed:
        return _next_occurrence(int(keyed.group(1)), int(keyed.group(2)), _full_year(keyed.group(3)), today)
    iso = _ISO.search(cleaned)
    if iso:
        return _next_occurrence(int(iso.group(3)), int(iso.group(2)), int(iso.group(1)), today)
    numeric = _NUMERIC.search(cleaned)
    if numeric:
        return _next_occurrence(int(numeric.group(1)), int(numeric.group(2)), _full_year(numeric.group(3)), today)
    key = match_key(re.sub(r"[,.!?]", " ", cleaned))
    month = _find("months", key)
    day = _DAY.search(cleaned)
    if month and day:
        year = _YEAR.search(cleaned)
        return _next_occurrence(int(day.group(1)), month, int(year.group(1)) if year else None, today)
    offset = _find("relative_days", key)
    if offset is not None:
        return today + timedelta(days=offset)
    weekday = _find("weekdays", key)
    if weekday is not None:
        return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    return None
