"""Days as citizens write them, in every language and script (locales/dates.py, words in locales/date_words.yml)."""
from datetime import date

import pytest

from locales.dates import parse_day

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "text, day",
    [
        ("today", MONDAY), ("aaj", MONDAY), ("आज", MONDAY), ("ଆଜି", MONDAY),
        ("tomorrow", date(2026, 11, 24)), ("Tomorrow please", date(2026, 11, 24)), ("kal", date(2026, 11, 24)),
        ("कल", date(2026, 11, 24)), ("कल सुबह", date(2026, 11, 24)), ("ଆସନ୍ତାକାଲି", date(2026, 11, 24)), ("asanta kali", date(2026, 11, 24)),
        ("day after tomorrow", date(2026, 11, 25)), ("parso", date(2026, 11, 25)), ("परसों", date(2026, 11, 25)),
        ("ଆସନ୍ତା ପରଦିନ", date(2026, 11, 25)),
        ("25 Nov", date(2026, 11, 25)), ("Nov 25", date(2026, 11, 25)), ("25th November", date(2026, 11, 25)),
        ("25 नवंबर", date(2026, 11, 25)), ("२५ नवम्बर", date(2026, 11, 25)), ("୨୫ ନଭେମ୍ବର", date(2026, 11, 25)),
        ("25/11", date(2026, 11, 25)), ("25.11.26", date(2026, 11, 25)), ("25-11-2026", date(2026, 11, 25)),
        ("2026-11-25", date(2026, 11, 25)),
        ("5 jan", date(2027, 1, 5)), ("1/1", date(2027, 1, 1)),  # no year: the next such day
        ("Friday", date(2026, 11, 27)), ("शुक्रवार", date(2026, 11, 27)), ("ଶୁକ୍ରବାର", date(2026, 11, 27)),
        ("monday", date(2026, 11, 30)),  # "Monday" said on a Monday is next week's
        ("2511", date(2026, 11, 25)), ("14082025", date(2025, 8, 14)),  # a call's keys
        ("୨୫୧୧", date(2026, 11, 25)),
    ],
)
def test_days_in_words(text, day):
    assert parse_day(text, MONDAY) == day


@pytest.mark.parametrize("text", ["", "   ", "banana", "31/02", "45 Nov", "x" * 10_000, "ward 12", "3102", "2026", "12", "140890"])
def test_no_day_is_guessed(text):
    assert parse_day(text, MONDAY) is None
