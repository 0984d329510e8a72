"""What the forms of every service share: an answer's meaning by its field's type (the one engine
that checks every form's answers, backend/services/catalog.py defines the types), with its words
for the summary, and what counts as a person's name."""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import locales
from backend.services import categories, fees, places
from backend.services.catalog import FieldDef, Option, ServiceForm
from common.clock import local_day
from common.limits import MAX_ANSWER_CHARS
from common.money import indian_grouping, parse_rupees, rupees
from common.places import is_geo_uri, parse_geo_uri, pin_code
from common.recordings import IN_WORDS, recording_url
from locales.dates import parse_day
from locales.numbers import with_digits
from locales.script import match_key, native_digits_to_ascii, only_named

# Besides letters and their combining signs (Devanagari and Odia vowel signs, virama, nukta): the
# space, the initial's dot, apostrophes (phones turn ' into ’), the hyphen, and the zero-width
# joiners Indic keyboards put inside words. Nothing else: a name is printed on a certificate.
_NAME_MARKS = frozenset(" .'’-\u200c\u200d")


@dataclass(frozen=True)
class Answer:
    value: object
    label: str = ""  # words for the summary (and the certificate), in the citizen's language
    key: str | None = None  # the locale key of what it names, where it has one (a call plays its recorded words)
    guessed: bool = False  # read from the citizen's words, not chosen: the conversation confirms it


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


_NUMBER = re.compile(r"^([\d,]+)\s*\D{0,30}$")  # a count or a measure, its unit after it ("200 sq ft", "200 वर्ग फ़ुट")
_ANY_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_CUBIC = re.compile(r"(m3|m³|cubic|cu\.?\s*m|ghan|घन|ଘନ)", re.IGNORECASE)


def too_long(field: FieldDef, text: str) -> bool:
    """Longer than the field takes (a text's own limit, which the citizen is told); a call's
    recording is its link, whatever the words the answer is."""
    said = " ".join((text or "").split())
    return len(said) > (MAX_ANSWER_CHARS if recording_url(said) else field.max_chars)


def check_answer(field: FieldDef, text: str, *, language: str, today: date, masterdata_dir: Path) -> Answer | None:
    """What an answer to one field of any service's form means, by the field's type, with its words
    for the summary; None when it means nothing the field allows (`FieldDef.holds` decides)."""
    if too_long(field, text):
        return None
    text = " ".join((text or "").split())
    if not text:
        return None
    heard = recording_url(text)
    if heard:  # an Odia call's answer in words, listened to by the office; keys answer the rest
        return Answer(heard, locales.render("answer.voice_message", language)["text"]) if field.type in IN_WORDS else None
    answer = _meaning(field, text, language, today, masterdata_dir)
    return answer if answer is not None and field.holds(answer.value, today) else None


def check_in_form(
    definition: ServiceForm,
    field: str,
    text: str,
    earlier: Mapping[str, str],
    *,
    language: str,
    today: date,
    masterdata_dir: Path,
) -> tuple[Answer, int | None] | None:
    """An answer to one field, with the fee the answers so far set where they set it (`earlier`:
    the words given to the other fields, read again by their own fields); None when the answer
    means nothing the field allows, or the fee it would set has no rate."""
    answer = check_answer(definition.field(field), text, language=language, today=today, masterdata_dir=masterdata_dir)
    if answer is None:
        return None
    inputs = set(definition.fee_inputs())
    values: dict[str, object] = {field: answer.value}
    for name, said in earlier.items():
        if name in inputs and name != field:
            known = check_answer(definition.field(name), said, language=language, today=today, masterdata_dir=masterdata_dir)
            values[name] = known.value if known else None
    try:
        return answer, fees.set_by_answers(definition, values, masterdata_dir)
    except fees.NoRate:
        return None


def labels_in(
    definition: ServiceForm, answers: Mapping[str, str], *, language: str, today: date, masterdata_dir: Path
) -> dict[str, str]:
    """The summary's words for each answer given, in this language (those it no longer allows have none)."""
    labels = {}
    for field in definition.fields:
        said = answers.get(field.name)
        answer = check_answer(field, said, language=language, today=today, masterdata_dir=masterdata_dir) if said else None
        if answer is not None:
            labels[field.name] = answer.label
    return labels


def _meaning(field: FieldDef, text: str, language: str, today: date, masterdata_dir: Path) -> Answer | None:
    """The value the text gives for the field's type, before its limits are applied."""
    words = lambda key, **values: locales.render(key, language, **values)["text"]  # noqa: E731
    if field.type == "name":
        name = person_name(text)
        return Answer(name, name) if name else None
    if field.type == "text":
        if field.none_words and match_key(text) in {match_key(w) for w in field.none_words}:
            return Answer("", words("answer.none"))
        return Answer(text, text) if field.min_length <= len(text) else None
    if field.type == "amount":  # rupees, as people write them: "85,000", "1.5 lakh", "₹2 लाख"
        said = parse_rupees(with_digits(text))
        return Answer(int(said), rupees(int(said))) if said is not None and said == int(said) else None
    if field.type == "number":
        match = _NUMBER.match(native_digits_to_ascii(with_digits(text)))
        digits = match.group(1).replace(",", "") if match else ""
        return Answer(int(digits), indian_grouping(int(digits))) if digits else None
    if field.type == "size":
        litres = _litres(field, with_digits(text))
        return Answer(litres, words("answer.litres", litres=indian_grouping(litres))) if litres is not None else None
    if field.type == "pin":
        pin = pin_code(text)
        return Answer(pin, pin) if pin else None
    if field.type in ("past_date", "future_date"):
        day = parse_day(text, today)
        return Answer(day.isoformat(), local_day(day)) if day else None
    if field.type == "choice":
        option = _offered(field, text)  # words of two options ("yes no", "house shop") choose neither
        return Answer(option.code, words(f"{field.options_key}.{option.code}")) if option else None
    if field.type == "category":
        # a long message is guessed from its beginning (what it is about is said first)
        guessed = categories.match_category(masterdata_dir, text[:MAX_ANSWER_CHARS])
        if guessed is None:
            return None
        category, sub = guessed.category.code, guessed.subcategory.code if guessed.subcategory else None
        key = f"{field.options_key}.{category}"
        return Answer(
            {"code": category, "subcategory": sub, "how": guessed.how},
            words(key),
            key=f"{categories.SUBCATEGORY_KEY}.{category}.{sub}" if sub else key,
            guessed=guessed.how == "words",
        )
    if is_geo_uri(text):  # a WhatsApp location pin: the ward whose boundary holds it (never its digits read as a ward)
        at = parse_geo_uri(text)
        found = places.place_at(masterdata_dir, *at, language) if at else None
    else:
        found = places.match_place(masterdata_dir, text, language, villages_too="village" in field.place_kinds)
    return Answer(found[0], found[1]) if found else None  # place


def _offered(field: FieldDef, text: str) -> Option | None:
    """An option by the number it was offered under, else by the longest of its words in the text."""
    cleaned = native_digits_to_ascii(text).strip().rstrip(".")
    if cleaned.isdigit():
        return field.options[int(cleaned) - 1] if 1 <= int(cleaned) <= len(field.options) else None
    return only_named(cleaned, ((w, o) for o in field.options for w in o.words))


def _litres(field: FieldDef, text: str) -> int | None:
    """A tank's size: litres or cubic metres written ("2000", "about 2,000 litres", "2 m3"), or one
    of the sizes offered, by its number or its words ("bada")."""
    cleaned = native_digits_to_ascii(text).replace(",", "")
    number = _ANY_NUMBER.search(cleaned)
    if number is None:
        option = _offered(field, text)
        return option.litres if option else None
    amount = float(number.group()) * (1000 if _CUBIC.search(cleaned) else 1)  # a cubic metre is 1,000 litres
    if amount >= (field.min or 0):
        return int(amount)
    if amount.is_integer() and cleaned.strip().isdigit():  # too small for litres: the number of a size offered
        option = _offered(field, cleaned.strip())
        return option.litres if option else None
    return None
