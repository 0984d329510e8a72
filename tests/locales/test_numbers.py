"""Numbers in words (locales/number_words.yml) as people write and say them, in every form of writing."""

import pytest
import yaml

from locales.numbers import WORDS_FILE, with_digits
from locales.script import match_key


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("पच्चीस", "25"),
        ("pachis saal", "25 saal"),
        ("ପଚିଶି ବର୍ଷ", "25 ବର୍ଷ"),
        ("twenty-five years", "25 years"),
        ("two hundred and fifty", "250"),
        ("ek sau bees", "120"),
        ("dedh lakh", "150000"),
        ("डेढ़ लाख रुपये", "150000 रुपये"),
        ("ଦେଢ଼ ଲକ୍ଷ", "150000"),
        ("sadhe teen lakh", "350000"),
        ("sava lakh", "125000"),
        ("paune do sau", "175"),
        ("do hazar", "2000"),
        ("three lakh fifty thousand", "350000"),
        ("1.5 lakh", "150000"),
        ("वार्ड बारह", "वार्ड 12"),
        ("saath", "60"),  # and "saat" 7: the exact word decides where loose spellings fold alike
        ("saat", "7"),
        ("85,000", "85,000"),  # digits are left as written
        ("25-11-2026", "25-11-2026"),
        ("ward 12", "ward 12"),
        ("the one near the school", "the 1 near the school"),  # only asked where a number is meant
    ],
)
def test_numbers_in_words_are_written_in_digits(said, written):
    assert with_digits(said) == written


def test_no_word_means_two_numbers():
    raw = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    meaning: dict[str, str] = {}
    for section in ("units", "fractions", "modifiers", "multipliers"):
        for value, words in raw[section].items():
            for word in map(str, words):
                assert meaning.setdefault(word.lower(), f"{section} {value}") == f"{section} {value}", word
    assert all(match_key(word) for words in raw["units"].values() for word in map(str, words))
