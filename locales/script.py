"""Writing systems: which script a text is in, a Latin spelling of Hindi/Odia text for SMS, and one
spelling-tolerant key under which a place name matches whether typed in Devanagari, Odia or Latin.

Runs in both environments (the Rasa NLG uses romanise for SMS; the backend uses match_key)."""

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import yaml
from indic_transliteration import sanscript

from common.digits import native_digits_to_ascii

T = TypeVar("T")
DEVANAGARI = "Deva"
ODIA = "Orya"
LATIN = "Latn"

_SCRIPT_RANGES = ((DEVANAGARI, 0x0900, 0x097F), (ODIA, 0x0B00, 0x0B7F))
# What continues a native-script word (letters, vowel signs, virama, nukta, ZWJ/ZWNJ), for a regex
# class: not the danda or the digits. \b cannot tell, as a vowel sign is no \w ("आय" ends inside "आया").
NATIVE_LETTERS = r"\u0900-\u0963\u0971-\u097f\u0b00-\u0b63\u0b71\u200c\u200d"
_SANSCRIPT_NAME: dict[str | None, str] = {DEVANAGARI: sanscript.DEVANAGARI, ODIA: sanscript.ORIYA}


def _script_of_char(char: str) -> str | None:
    code = ord(char)
    for name, low, high in _SCRIPT_RANGES:
        if low <= code <= high:
            return name
    if char.isascii() and char.isalpha():
        return LATIN
    return None


def letter_counts(text: str) -> dict[str, int]:
    counts = {DEVANAGARI: 0, ODIA: 0, LATIN: 0}
    for char in text:
        script = _script_of_char(char)
        if script:
            counts[script] += 1
    return counts


# NUL and lone surrogates (a JSON "\ud800" decodes to one): nobody types them, PostgreSQL refuses
# NUL in text, and a lone surrogate cannot be encoded as UTF-8 to be stored or answered.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text as it may be kept and shown: without NUL and lone surrogates (removed at the edge, by
    the backend's API and by the channels, so nothing behind them meets one)."""
    return _UNSTORABLE.sub("", text)


def _to_latin_scheme(text: str, scheme: str) -> str:
    def convert(match: re.Match) -> str:
        chunk = match.group(0)
        return sanscript.transliterate(chunk, _SANSCRIPT_NAME[_script_of_char(chunk[0])], scheme)

    return _NATIVE_RUN.sub(convert, text)


_NATIVE_RUN = re.compile(r"[\u0900-\u097F]+(?:\s+[\u0900-\u097F]+)*|[\u0B00-\u0B7F]+(?:\s+[\u0B00-\u0B7F]+)*")

# OPTITRANS capitals and signs -> plain letters a reader of SMS Hinglish/Odia would type.
_READABLE = [
    ("RRi", "ri"),
    ("R", "ri"),
    ("~N", "n"),
    ("~n", "n"),
    ("A", "aa"),
    ("I", "ee"),
    ("U", "oo"),
    ("N", "n"),
    ("M", "n"),
    ("Y", "y"),
    ("T", "t"),
    ("D", "d"),
    ("Sh", "sh"),
    ("Ch", "chh"),
    (".D", "d"),
    (".", ""),
    ("H", "h"),
    ("L", "l"),
    ("~", ""),
    ("^", ""),
    ("'", ""),
]
_HINDI_FINAL_SCHWA = re.compile(r"(?<=[bcdfghjklmnpqrstvwxyz])a\b")
# GSM 03.38 basic character set: what an SMS can carry at 160 characters a segment.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_SUBSTITUTES = {"₹": "Rs.", "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "।": ".", "॥": "."}


# Odia letters the transliteration scheme does not know, as the letters it reads them by: ୱ (wa,
# "ୱାର୍ଡ" is ward) as ଵ, and ଡ଼/ଢ଼ (precomposed, or with the nukta sign) as ଡ/ଢ, typed "d" in Latin.
_ODIA_BEYOND_THE_SCHEME = (("ୱ", "ଵ"), ("\u0b5c", "ଡ"), ("\u0b5d", "ଢ"), ("\u0b3c", ""))


SPELLINGS_FILE = Path(__file__).resolve().parent / "romanised_spellings.yml"
SCRIPT_LANGUAGE = {DEVANAGARI: "hi", ODIA: "or"}
# A native-script word, with the parts of a hyphenated or elided one ("कौन-सा", "କ'ଣ"): looked up whole.
_NATIVE_WORD = re.compile(
    r"[\u0900-\u097F\u200c\u200d]+(?:['’-][\u0900-\u097F\u200c\u200d]+)*"
    r"|[\u0B00-\u0B7F\u200c\u200d]+(?:['’-][\u0B00-\u0B7F\u200c\u200d]+)*"
)
_WORD_PARTS = re.compile(r"(['’-])")
# Spellings of one word that the list need not hold twice: with or without the nukta (फ़ोन, फोन),
# candrabindu or anusvara (हूँ, हूं), ୱ or ଵ, ZWJ/ZWNJ, a curly or straight apostrophe.
_KEY_FOLDS = (
    ("\u093c", ""),
    ("\u0b3c", ""),
    ("\u0901", "\u0902"),
    ("\u0b01", "\u0b02"),
    ("ୱ", "ଵ"),
    ("\u200c", ""),
    ("\u200d", ""),
    ("’", "'"),
)


def spelling_key(word: str) -> str:
    """The key under which locales/romanised_spellings.yml finds a word, however its letters are encoded."""
    word = unicodedata.normalize("NFC", word)  # NFC splits ड़ / ଡ଼ into letter + nukta, removed below
    for old, new in _KEY_FOLDS:
        word = word.replace(old, new)
    return word


@lru_cache(maxsize=1)
def spellings() -> dict[str, dict[str, str]]:
    """language -> {native word's key: its Latin spelling as people type it} (romanised_spellings.yml)."""
    raw = yaml.safe_load(SPELLINGS_FILE.read_text(encoding="utf-8")) or {}
    return {language: {spelling_key(str(w)): str(s) for w, s in (words or {}).items()} for language, words in raw.items()}


def _transliterated(word: str, language: str) -> str:
    """Letter by letter, for the words the list does not hold."""
    for letter, known in _ODIA_BEYOND_THE_SCHEME:
        word = word.replace(letter, known)
    latin = _to_latin_scheme(word, sanscript.OPTITRANS)
    for old, new in _READABLE:
        latin = latin.replace(old, new)
    latin = latin.lower()
    return _HINDI_FINAL_SCHWA.sub("", latin) if language == "hi" else latin


@lru_cache(maxsize=8192)
def romanised_word(word: str, language: str) -> str:
    """One native-script word in Latin letters: the list's spelling (the text's language first,
    then the language of the word's script: "ଓଡ଼ିଆ" in a Hindi text), else letter by letter."""
    table = spellings()
    key = spelling_key(word)
    for source in dict.fromkeys((language, SCRIPT_LANGUAGE.get(_script_of_char(word[0]) or ""))):
        found = table.get(source or "", {}).get(key)
        if found is not None:
            return found
    parts = _WORD_PARTS.split(word)
    if len(parts) > 1:  # "झुग्गी-बस्ती": each part on its own, the hyphen kept
        return "".join(part if _WORD_PARTS.fullmatch(part) else romanised_word(part, language) for part in parts if part)
    return _transliterated(word, language)


def romanise(text: str, language: str) -> str:
    """Hindi or Odia text in Latin letters, as people type them on phones, GSM-7 only.

    Each word is spelt as locales/romanised_spellings.yml says ("समस्या" -> "samasya", "वार्ड" ->
    "ward", "ଭୁବନେଶ୍ୱର" -> "Bhubaneswar"); a word the list does not hold is transliterated letter by
    letter: Hindi drops the word-final inherent vowel ("कोशिश" -> "koshish"); Odia keeps it, as it
    is spoken ("ଘଣ୍ଟା" -> "ghantaa")."""
    text = native_digits_to_ascii(text).replace("॥", ".").replace("।", ".")
    latin = _NATIVE_WORD.sub(lambda match: romanised_word(match.group(0), language), text)
    latin = "".join(_GSM7_SUBSTITUTES.get(c, c) for c in latin)
    return "".join(c for c in latin if c in GSM7)


def is_gsm7(text: str) -> bool:
    return all(c in GSM7 for c in text)


# Spelling-tolerant folding of Latin text: long vowels, aspiration, doubled letters and the usual
# v/b, w/v, z/j, sh/s swaps all collapse, so "Saheed Nagar", "shahid nagar", "शहीद नगर" and
# "ଶହୀଦ ନଗର" share one key.
_FOLDS = [
    ("chh", "c"),
    ("ch", "c"),
    ("sh", "s"),
    ("ph", "f"),
    ("aa", "a"),
    ("ee", "i"),
    ("ii", "i"),
    ("oo", "u"),
    ("uu", "u"),
    ("iy", "i"),
    ("w", "b"),
    ("v", "b"),
    ("z", "j"),
    ("q", "k"),
    ("x", "ks"),
]
_ASPIRATED = re.compile(r"([bcdgjkpt])h")
_REPEATS = re.compile(r"(.)\1+")
# Whether the inherent vowel is written or spoken varies by speaker and script ("Chandrasekharpur"
# and "ଚନ୍ଦ୍ରଶେଖରପୁର" -> "...kharapur"), so every "a" after a word's first letter is dropped.
_INNER_A = re.compile(r"(?<=\w)a")


@lru_cache(maxsize=4096)
def match_key(text: str) -> str:
    """One key for a name typed in any of the three scripts or in loose Latin spelling."""
    latin = _to_latin_scheme(native_digits_to_ascii(text), sanscript.OPTITRANS).lower()
    latin = re.sub(r"[^a-z0-9 ]+", " ", latin)
    for old, new in _FOLDS:
        latin = latin.replace(old, new)
    latin = _ASPIRATED.sub(r"\1", latin)
    latin = _REPEATS.sub(r"\1", latin)
    latin = _INNER_A.sub("", latin)
    return " ".join(latin.split())


def longest_named(text: str, named: Iterable[tuple[str, T]]) -> T | None:
    """The item whose word stands whole in the text, compared by match_key (any script, loose
    spelling); the longest such word wins ("double pit" over "pit"), the first on a tie."""
    key = f" {match_key(text or '')} "
    best: tuple[int, T] | None = None
    for word, item in named:
        folded = match_key(str(word))
        if folded and f" {folded} " in key and (best is None or len(folded) > best[0]):
            best = (len(folded), item)
    return best[1] if best else None


def only_named(text: str, named: Iterable[tuple[str, T]]) -> T | None:
    """As longest_named, but None when another item's word also stands in the text, apart from the
    longest ("yes no", "house shop": which?); a word inside the longest one is no rival ("pit" in
    "double pit")."""
    key = f" {match_key(text or '')} "
    found = [(folded, item) for word, item in named if (folded := match_key(str(word))) and f" {folded} " in key]
    if not found:
        return None
    longest, chosen = max(found, key=lambda hit: len(hit[0]))
    rivals = [folded for folded, item in found if item is not chosen and f" {folded} " not in f" {longest} "]
    return None if rivals else chosen
