"""Languages and the citizen's clock, as both environments read them."""
import re

from common.clock import DEFAULT_TIME_ZONE, configured_time_zone
from common.languages import LANGUAGE_PATTERN, LANGUAGES, known_language


def test_the_pattern_takes_exactly_the_codes():
    assert [code for code in ("en", "hi", "or", "bn", "eng", "", "EN") if re.match(LANGUAGE_PATTERN, code)] == list(LANGUAGES)


def test_an_unknown_language_falls_back_to_english():
    assert known_language("or") == "or"
    assert known_language("bn") == known_language(None) == "en"


def test_the_zone_is_indias_unless_configured():
    assert configured_time_zone({}) == DEFAULT_TIME_ZONE == "Asia/Kolkata"
    assert configured_time_zone({"SATHI_TIMEZONE": "UTC"}) == "UTC"
