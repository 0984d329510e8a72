"""Numbers in words, as citizens write and say them in any of the three languages or in Latin
letters: "पच्चीस" 25, "ek sau bees" 120, "twenty five" 25, "dedh lakh" 1,50,000, "sadhe teen
hazar" 3,500, "वार्ड बारह" ward 12. The words are data (locales/number_words.yml); this module only
reads them, and only where a number is asked for (an answer's words such as "do" also mean "give")."""

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from locales.script import match_key, native_digits_to_ascii

WORDS_FILE = Path(__file__).resolve().parent / "number_words.yml"
_EDGE_PUNCTUATION = ".,!?;:।॥\"'()"
_AND = {"and", "aur", "au"}  # "one hundred and twenty"


@lru_cache
def _tables() -> tuple[dict[str, tuple[str, Decimal]], dict[str, tuple[str, Decimal]]]:
    """(each word as written, each word's match key) -> (its kind, its value). Kinds: unit,
    fraction, modifier, multiplier. A match key two numbers share ("saath" 60 and "saat" 7 fold
    alike) is left out: only the exact word reads as either."""
    raw = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    exact: dict[str, tuple[str, Decimal]] = {}
    folded: dict[str, tuple[str, Decimal] | None] = {}
    for kind, section in (("unit", "units"), ("fraction", "fractions"), ("modifier", "modifiers"), ("multiplier", "multipliers")):
        for value, words in raw[section].items():
            meaning = (kind, Decimal(str(value)))
            for word in map(str, words):
                exact[word.lower()] = meaning
                key = match_key(word)
                folded[key] = meaning if folded.get(key, meaning) == meaning else None
    return exact, {key: meaning for key, meaning in folded.items() if meaning is not None}


@lru_cache
def _english_tens() -> frozenset[str]:
    return frozenset(match_key(word) for word in yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))["tens"])


def _word(token: str) -> tuple[str, Decimal] | None:
    bare = native_digits_to_ascii(token.strip(_EDGE_PUNCTUATION))
    if re.fullmatch(r"\d+(?:\.\d+)?", bare):
        return ("digits", Decimal(bare))
    if not bare:
        return None
    exact, folded = _tables()
    return exact.get(bare.lower()) or folded.get(match_key(bare))


class _Phrase:
    """One number said in words, read left to right: total holds what thousands, lakhs and crores
    have closed; current the part below them."""

    def __init__(self) -> None:
        self.total = Decimal(0)
        self.current: Decimal | None = None
        self.addable = False  # the current part takes a unit next ("twenty" five, "ek sau" bees)
        self.shift = Decimal(0)  # sadhe, sava, paune: applied to the next number
        self.words = 0
        self.numeric = False

    def take(self, kind: str, value: Decimal, key: str) -> bool:
        """Whether the word belongs to this number (False: it starts another)."""
        if kind in ("unit", "fraction", "digits"):
            if self.current is not None and not (self.addable and kind == "unit" and value < 100):
                return False
            value += self.shift
            self.current = (self.current or Decimal(0)) + value if self.addable else value
            self.addable = kind == "unit" and key in _english_tens()
            self.shift = Decimal(0)
            self.numeric = True
        elif kind == "modifier":
            if self.current is not None:
                return False
            self.shift += value
        else:  # a multiplier: of the number before it, or of one ("sau", "sava lakh")
            times = (self.current if self.current is not None else 1 + self.shift) * value
            self.shift, self.numeric = Decimal(0), True
            if value == 100:
                self.current, self.addable = times, True
            else:
                self.total, self.current, self.addable = self.total + times, None, False
        self.words += 1
        return True

    def value(self) -> Decimal:
        return self.total + (self.current or Decimal(0))


def _said(number: Decimal) -> str:
    return str(int(number)) if number == int(number) else format(number.normalize(), "f")


def _tokens(text: str) -> list[str]:
    """Words split at spaces; "twenty-five" into its words, "25-11-2026" kept whole."""
    tokens = []
    for token in text.split():
        parts = token.split("-")
        words = len(parts) > 1 and all((said := _word(part)) is not None and said[0] != "digits" for part in parts)
        tokens.extend(parts if words else [token])
    return tokens


def with_digits(text: str) -> str:
    """The text with each number said in words written in digits; the other words kept."""
    out: list[str] = []
    pending: list[str] = []  # the tokens of the number being read
    phrase = _Phrase()

    def close() -> None:
        nonlocal phrase
        # Digits alone are left as written ("85,000"); a modifier with no number is just a word.
        said_in_words = phrase.numeric and not (phrase.words == 1 and _word(pending[0]) == ("digits", phrase.value()))
        out.extend([_said(phrase.value())] if said_in_words else pending)
        pending.clear()
        phrase = _Phrase()

    for token in _tokens(text or ""):
        word = _word(token)
        if word is None and pending and token.lower() in _AND:
            pending.append(token)
            phrase.words += 1
            continue
        if word is None or not phrase.take(word[0], word[1], match_key(token.strip(_EDGE_PUNCTUATION))):
            if pending:
                close()
            if word is not None and phrase.take(word[0], word[1], match_key(token.strip(_EDGE_PUNCTUATION))):
                pending.append(token)
                continue
            out.append(token)
            continue
        pending.append(token)
    if pending:
        close()
    return " ".join(out)
