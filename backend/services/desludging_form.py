"""The citizen's answers to the desludging form, matched to the request's fields: the number of an
option offered or words in any script (backend/masterdata/desludging.yml), a day in words
(locales/dates.py), a place (a ward of a town, a locality or a village). The bot asks; the rules
of what is a valid answer live here, next to the filing that checks them again."""

import re
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from backend.services import places
from backend.services.answers import Answer, person_name
from common.places import pin_code
from common.recordings import recording_url
from locales.dates import parse_day
from locales.numbers import with_digits
from locales.script import longest_named, match_key, native_digits_to_ascii

MAX_DAYS_AHEAD = 60
MIN_LITRES, MAX_LITRES = 500, 50_000
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_CUBIC = re.compile(r"(m3|m³|cubic|cu\.?\s*m|ghan|घन|ଘନ)", re.IGNORECASE)


@lru_cache
def _answers(masterdata_dir: Path) -> dict:
    return yaml.safe_load((masterdata_dir / "desludging.yml").read_text(encoding="utf-8"))["answers"]


def _choice(options: list[dict], text: str) -> dict | None:
    """An option by its number, else by the longest of its words found in the text."""
    cleaned = native_digits_to_ascii(text).strip().rstrip(".")
    if cleaned.isdigit():
        return next((o for o in options if o["number"] == int(cleaned)), None)
    return longest_named(cleaned, ((w, o) for o in options for w in o["words"]))


def _size(options: list[dict], text: str) -> int | None:
    cleaned = native_digits_to_ascii(text).replace(",", "")
    number = _NUMBER.search(cleaned)
    if number:
        amount = float(number.group())
        if _CUBIC.search(cleaned):
            amount *= 1000  # a cubic metre is 1,000 litres
        if amount >= MIN_LITRES:
            return int(amount) if amount <= MAX_LITRES else None
        if amount.is_integer() and cleaned.strip().isdigit():
            option = next((o for o in options if o["number"] == int(amount)), None)
            return option["litres"] if option else None
        return None
    option = _choice(options, text)
    return option["litres"] if option else None


def _digits(text: str) -> str:
    return re.sub(r"[\s\-]", "", native_digits_to_ascii(text))


def match_answer(masterdata_dir: Path, field: str, text: str, *, language: str, today: date) -> Answer | None:
    """The value of `field` the text gives, or None when it gives none."""
    text = (text or "").strip()
    if not text or len(text) > 200:
        return None
    heard = recording_url(text)
    if heard:  # an Odia call's answer in words, for the operator to hear; keys answer the rest
        return Answer(heard) if field in ("name", "landmark") else None
    answers = _answers(masterdata_dir)
    if field in ("property_type", "sanitation_type", "payment"):
        option = _choice(answers[field], text)
        return Answer(option["code"]) if option else None
    if field == "size":
        litres = _size(answers["size"], with_digits(text))
        return Answer(litres) if litres else None
    if field == "trips":
        digits = _digits(with_digits(text))
        return Answer(int(digits)) if digits.isdigit() and 1 <= int(digits) <= 9 else None
    if field == "pin":
        pin = pin_code(text)
        return Answer(pin) if pin else None
    if field == "date":
        day = parse_day(text, today)
        return Answer(day.isoformat()) if day and today <= day <= today + timedelta(days=MAX_DAYS_AHEAD) else None
    if field == "name":
        name = person_name(text)
        return Answer(name) if name else None
    if field == "landmark":
        if match_key(text) in {match_key(str(w)) for w in answers["no_landmark"]}:
            return Answer("")
        return Answer(" ".join(text.split())) if len(text) >= 3 else None
    if field == "place":
        found = places.match_place(masterdata_dir, text, language)
        return Answer(*found) if found else None
    raise KeyError(field)


FIELDS = ("name", "property_type", "sanitation_type", "size", "trips", "place", "landmark", "pin", "date", "payment")
